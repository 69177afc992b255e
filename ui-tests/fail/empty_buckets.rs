#[meterbox::timed(buckets = [])]
fn job() {}

fn main() {
    job();
}
