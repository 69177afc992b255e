//! A type of the user's own that implements `Collect` registers like the built-in ones.
#![deny(warnings)]

use meterbox::{metric, MetricRef, Collect, Counter, Kind};

/// Two counters exposed as one metric with a `side` label.
pub struct Pair {
    left: Counter,
    right: Counter,
}

impl Collect for Pair {
    fn kind(&self) -> Kind {
        Kind::Counter
    }
    fn extra_label_names(&'static self) -> &'static [&'static str] {
        &["side"]
    }
    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        visit(&["left"], MetricRef::Counter(&self.left));
        visit(&["right"], MetricRef::Counter(&self.right));
    }
}

/// Steps by foot.
#[metric]
static STEPS: Pair = Pair {
    left: Counter::new(),
    right: Counter::new(),
};

fn main() {
    STEPS.left.inc();
    let text = meterbox::render(meterbox::Format::Prometheus);
    assert!(text.contains("steps_total{side=\"left\"} 1"), "{text}");
}
