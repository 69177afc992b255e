#[meterbox::metric]
fn orders() -> u64 {
    0
}

fn main() {
    let _ = orders();
}
