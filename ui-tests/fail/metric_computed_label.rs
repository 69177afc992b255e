use meterbox::{metric, Gauge};

const SHOP: &str = "eu";

/// Queue depth.
#[metric(labels(shop = SHOP))]
static QUEUE_DEPTH: Gauge = Gauge::new();

fn main() {
    QUEUE_DEPTH.set(1.0);
}
