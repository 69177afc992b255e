use meterbox::{metric, Histogram};

/// Sizes.
#[metric]
static SIZES: Histogram = Histogram::new(&[1.0, f64::INFINITY]);

fn main() {
    SIZES.observe(1.0);
}
