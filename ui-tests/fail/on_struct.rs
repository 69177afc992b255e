#[meterbox::timed]
struct Repo {
    rows: Vec<u64>,
}

fn main() {
    let _ = Repo { rows: Vec::new() }.rows;
}
