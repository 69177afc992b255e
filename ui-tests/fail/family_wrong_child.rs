use meterbox::{metric, Family};

/// Not a metric type as a family child.
#[metric]
static NAMES: Family<String, 1> = Family::new(["name"]);

fn main() {}
