#[meterbox::in_flight(buckets = [1.0])]
fn job() {}

fn main() {
    job();
}
