use meterbox::{metric, Counter, Family, Histogram, Meter};

/// Requests by method.
#[metric(labels(method = "any"))]
static REQUESTS_TOTAL: Family<Counter, 1> = Family::new(["method"]);

/// Latency by route.
#[metric(labels(route = "/"))]
static LATENCY: Family<Histogram, 1> =
    Family::with_prototype(["route"], Histogram::new(&[1.0])).with_limit(10);

/// Events.
#[metric(labels(window = "main"))]
static EVENTS: Meter = Meter::new();

/// Events by shard.
#[metric(labels(window = "main"))]
static SHARD_EVENTS: Family<Meter, 1> = Family::new(["shard"]);

fn main() {}
