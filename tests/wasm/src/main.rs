//! Metrics of every kind, in a program that also builds for WebAssembly (`wasm32-wasip1`),
//! where they register through `inventory` rather than a link section. It records known
//! amounts and prints its Prometheus exposition; `check.py` compares that with
//! `expected.prom`, natively and under wasmtime.

use meterbox::{counted, metric, timed, Counter, Family, Format, Gauge, Histogram};

/// Orders accepted.
#[metric]
static ORDERS_TOTAL: Counter = Counter::new();

/// Jobs waiting.
#[metric(labels(queue = "email"))]
static QUEUE_DEPTH: Gauge = Gauge::new();

/// Sizes of payloads.
#[metric(unit = "bytes")]
static PAYLOAD_BYTES: Histogram = Histogram::exponential(64.0, 4.0, 3);

/// Requests by route.
#[metric]
static REQUESTS_TOTAL: Family<Counter, 1> = Family::new(["route"]);

#[counted]
#[timed]
fn checkout(n: u32) -> Result<u32, String> {
    if n.is_multiple_of(4) {
        Err(format!("order {n} declined"))
    } else {
        Ok(n)
    }
}

mod shop {
    #[meterbox::instrumented]
    pub fn pack(items: usize) -> usize {
        items * 2
    }
}

fn main() {
    for n in 1..=8 {
        if checkout(n).is_ok() {
            ORDERS_TOTAL.inc();
        }
    }
    for items in 0..3 {
        shop::pack(items);
    }
    QUEUE_DEPTH.set(4.0);
    for size in [10.0, 100.0, 1000.0, 5000.0] {
        PAYLOAD_BYTES.observe(size);
    }
    for route in ["/", "/cart", "/"] {
        REQUESTS_TOTAL.with([route]).inc();
    }
    REQUESTS_TOTAL.with(["/old"]).inc();
    REQUESTS_TOTAL.remove(["/old"]);
    print!("{}", meterbox::render(Format::Prometheus));
}
