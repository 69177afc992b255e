use meterbox::{metric, timed, Histogram};

#[timed(name = "work_total")]
fn work() {}

/// Sizes.
#[metric]
static SIZES_TOTAL: Histogram = Histogram::new(&[1.0]);

fn main() {
    work();
    SIZES_TOTAL.observe(1.0);
}
