#[meterbox::timed(name = "a_seconds", name = "b_seconds")]
fn job() {}

fn main() {
    job();
}
