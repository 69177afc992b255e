use meterbox::{metric, Histogram};

/// Latency.
#[metric]
static LATENCY_SECONDS: Histogram = Histogram::new(&[0.5, 0.1]);

fn main() {
    LATENCY_SECONDS.observe(0.2);
}
