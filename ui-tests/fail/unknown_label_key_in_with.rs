use meterbox::{metric, Counter, LabelSet, LabelValue, TypedFamily};

#[derive(LabelValue)]
enum Method {
    Get,
}

#[derive(LabelSet)]
struct Request {
    method: Method,
}

/// Requests.
#[metric]
static REQUESTS_TOTAL: TypedFamily<Counter, Request> = TypedFamily::new();

fn main() {
    REQUESTS_TOTAL.with(&Request { methd: Method::Get }).inc();
}
