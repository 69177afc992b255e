//! A metric that exists only under a condition (an allocator installed, a runtime
//! registered, `/proc` readable), and whose values may be copied in just before each read.

use super::{Collect, Counter, Kind, MetricRef};

/// `metric`, exposed when `shown()` holds at the time the exposition is laid out, with
/// `before_read` run each time its values are read.
pub struct Conditional<M: 'static> {
    metric: M,
    shown: fn() -> bool,
    before_read: fn(),
}

impl<M> Conditional<M> {
    /// `metric`, shown when `shown()` holds.
    pub const fn new(metric: M, shown: fn() -> bool) -> Self {
        Self {
            metric,
            shown,
            before_read: || {},
        }
    }

    /// `metric`, shown when `shown()` holds, with `before_read` run before each read of
    /// its values.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub const fn refreshed(metric: M, shown: fn() -> bool, before_read: fn()) -> Self {
        Self {
            metric,
            shown,
            before_read,
        }
    }

    /// The metric inside.
    pub const fn metric(&self) -> &M {
        &self.metric
    }
}

impl<M: Collect> Collect for Conditional<M> {
    fn kind(&self) -> Kind {
        self.metric.kind()
    }

    fn extra_label_names(&'static self) -> &'static [&'static str] {
        self.metric.extra_label_names()
    }

    fn grows_at_run_time(&self) -> bool {
        self.metric.grows_at_run_time()
    }

    fn growth(&'static self) -> Option<u64> {
        // A render asks this instead of visiting: the values are copied in here too.
        (self.before_read)();
        self.metric.growth()
    }

    fn is_exposed(&'static self) -> bool {
        (self.shown)()
    }

    fn dropped_label_sets(&'static self) -> Option<&'static Counter> {
        self.metric.dropped_label_sets()
    }

    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        (self.before_read)();
        self.metric.visit(visit);
    }
}
