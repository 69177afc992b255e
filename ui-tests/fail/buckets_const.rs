use meterbox::timed;

const BOUNDS: [f64; 2] = [0.1, 1.0];

#[timed(buckets = BOUNDS)]
fn work() {}

fn main() {
    work();
}
