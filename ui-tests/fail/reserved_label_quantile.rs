use meterbox::{counted, LabelSet, LabelValue};

#[derive(LabelValue)]
enum Kind {
    Fast,
}

#[derive(LabelSet)]
struct Timing {
    quantile: Kind,
}

#[counted(name = "bucketed_calls", labels(le = "1"))]
fn bucketed() {}

fn main() {
    bucketed();
}
