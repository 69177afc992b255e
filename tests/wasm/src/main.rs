//! Metrics of every kind, in a program that also builds for WebAssembly (`wasm32-wasip1`),
//! where they register through `inventory` rather than a link section. It records known
//! amounts and prints its Prometheus exposition; `check.py` compares that with
//! `expected.prom`, natively and under wasmtime.

use meterbox::slo::Objective;
use meterbox::{counted, metric, timed, Counter, Family, Format, Gauge, Histogram};

/// Checkouts succeed, and take at most 250 ms, almost always.
static CHECKOUT: Objective = Objective::new("checkout").success(0.99).latency(0.99, 0.25);

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

#[counted(objective = CHECKOUT)]
#[timed(objective = CHECKOUT)]
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
    // The objective's uses registered too: its rules read the function's series.
    let rules = meterbox::slo::prometheus_rules();
    assert!(
        rules.contains(r#"function_calls_total{function="checkout",module="meterbox_wasm""#),
        "{rules}"
    );
    print!("{}", meterbox::render(Format::Prometheus));
}
