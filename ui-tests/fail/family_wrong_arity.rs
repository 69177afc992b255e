use meterbox::{metric, Counter, Family};

/// Requests.
#[metric]
static REQUESTS_TOTAL: Family<Counter, 2> = Family::new(["method", "status"]);

fn main() {
    REQUESTS_TOTAL.with(["GET"]).inc();
}
