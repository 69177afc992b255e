use meterbox::{metric, Counter, LabelSet, LabelValue, TypedFamily};

#[derive(LabelSet)]
struct Tuple(u8);

#[derive(LabelValue, Clone, Copy)]
enum Data {
    Code(u16),
}

#[derive(LabelSet)]
struct Request {
    data: Data,
}

/// Uses of the types whose derive failed: no second error about a missing trait.
#[metric]
static BY_TUPLE_TOTAL: TypedFamily<Counter, Tuple> = TypedFamily::new();

fn main() {
    BY_TUPLE_TOTAL.with(&Tuple(1)).inc();
    let _ = Request { data: Data::Code(1) };
}
