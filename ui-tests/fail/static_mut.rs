/// Orders.
#[meterbox::metric]
static mut ORDERS_TOTAL: meterbox::Counter = meterbox::Counter::new();

fn main() {}
