use meterbox::{metric, Counter, Gauge};

/// Not the calls counter.
#[metric(name = "function_calls_total")]
static CALLS: Gauge = Gauge::new();

/// The runtime's own prefix.
#[metric(name = "meterbox_things")]
static THINGS: Counter = Counter::new();

fn main() {
    CALLS.set(1.0);
    THINGS.inc();
}
