use meterbox::{metric, Counter, Family};

/// Requests by bucket.
#[metric]
static REQUESTS_TOTAL: Family<Counter, 2> = Family::new(["route", "le"]);

fn main() {
    REQUESTS_TOTAL.with(["/", "1"]).inc();
}
