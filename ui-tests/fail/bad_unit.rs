use meterbox::{metric, Histogram};

/// Request latency.
#[metric(unit = "milliseconds")]
static LATENCY: Histogram = Histogram::linear(1.0, 1.0, 10);

fn main() {
    LATENCY.observe(3.0);
}
