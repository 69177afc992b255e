use meterbox::{metric, Gauge};

/// Depth.
#[metric(labels(__queue = "email"))]
static DEPTH: Gauge = Gauge::new();

fn main() {
    DEPTH.inc();
}
