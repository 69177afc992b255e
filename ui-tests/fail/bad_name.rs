use meterbox::{metric, Counter};

/// Orders.
#[metric(name = "orders-total")]
static ORDERS: Counter = Counter::new();

fn main() {
    ORDERS.inc();
}
