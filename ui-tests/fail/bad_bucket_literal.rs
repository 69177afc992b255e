const LIMIT: f64 = 1.0;

#[meterbox::timed(buckets = [0.1, LIMIT])]
fn job() {}

fn main() {
    job();
}
