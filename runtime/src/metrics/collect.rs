//! What the registry and the exposition read from a metric: its [`Kind`] and, through
//! [`Collect`], references to the values behind each of its series.

use core::fmt;

use super::{
    CallbackCounter, CallbackGauge, Counter, Gauge, Histogram, MeasuredCounter, MeterRates,
    ShardedCounter, Summary,
};

/// The type of a metric, as exposition formats name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Kind {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
    /// Counts observations into buckets.
    Histogram,
    /// Quantiles over a recent window, with a total count and sum.
    Summary,
}

impl Kind {
    /// The lowercase name used by the text formats (`counter`, `gauge`, `histogram`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
            Kind::Summary => "summary",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One stored value that a series reads at exposition time.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum MetricRef {
    /// A counter's value.
    Counter(&'static Counter),
    /// A sharded counter's cells, summed when read.
    Sharded(&'static ShardedCounter),
    /// A gauge's value.
    Gauge(&'static Gauge),
    /// A histogram's buckets and sum.
    Histogram(&'static Histogram),
    /// A gauge computed when read.
    Callback(&'static CallbackGauge),
    /// A counter computed when read.
    CallbackCounter(&'static CallbackCounter),
    /// A measured total's value.
    Measured(&'static MeasuredCounter),
    /// A summary's window, count and sum.
    Summary(&'static Summary),
    /// One of a meter's rates, by its index in [`METER_WINDOWS`](crate::METER_WINDOWS).
    Rate(&'static MeterRates, usize),
}

/// What a registered static holds: one or more cells of a single [`Kind`].
///
/// Implemented by every metric type of meterbox; `#[metric]` requires it of the static's
/// type, so using it on anything else is an ordinary trait error on that type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a meterbox metric type",
    label = "a metric static is a Counter, Gauge, Histogram, Summary, Meter, CallbackGauge or a family of them",
    note = "any type that implements `meterbox::Collect` can be registered"
)]
pub trait Collect: Sync + 'static {
    /// The metric's type.
    fn kind(&self) -> Kind;

    /// Names of the labels this storage adds to the descriptor's constant labels.
    fn extra_label_names(&'static self) -> &'static [&'static str] {
        &[]
    }

    /// Whether the cells change at run time (a family's children), so that exposition
    /// visits them on every render instead of once.
    fn grows_at_run_time(&self) -> bool {
        false
    }

    /// For a metric that grows at run time: a number that changes whenever the series it
    /// shows change (a series removed or shown again aside, which the exposition learns of
    /// otherwise), read without visiting them; `None` when only a visit can tell. Renders
    /// ask it to know whether their layout of the series still holds.
    #[doc(hidden)]
    fn growth(&'static self) -> Option<u64> {
        None
    }

    /// Whether the metric is exposed at all, asked once when the exposition is laid out: for
    /// a metric that exists only under a condition settled at start-up (the counting
    /// allocator installed as the global allocator), so that it is absent, not zero.
    fn is_exposed(&'static self) -> bool {
        true
    }

    /// For a family: the counter of label sets sent to its overflow series.
    fn dropped_label_sets(&'static self) -> Option<&'static Counter> {
        None
    }

    /// Calls `visit` once per cell with the values of the extra labels, in the order of
    /// [`Collect::extra_label_names`].
    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef));

    /// A second family exposed next to this one, named `<base name>_rate`: a meter's
    /// rates. The registry adds it for every definition that has one.
    fn companion(&'static self) -> Option<&'static dyn Collect> {
        None
    }

    /// For storage that grows at run time: the values each extra label can take when they
    /// are known in advance (typed labels of enums and `bool`s), in the order of
    /// [`Collect::extra_label_names`]; `None` for a label whose values are open. The
    /// [catalog](crate::catalog()) lists them.
    fn closed_label_values(&'static self) -> Vec<Option<Vec<&'static str>>> {
        vec![None; self.extra_label_names().len()]
    }
}

impl Collect for Counter {
    fn kind(&self) -> Kind {
        Kind::Counter
    }
    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        visit(&[], MetricRef::Counter(self));
    }
}

impl Collect for ShardedCounter {
    fn kind(&self) -> Kind {
        Kind::Counter
    }
    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        visit(&[], MetricRef::Sharded(self));
    }
}

impl Collect for Gauge {
    fn kind(&self) -> Kind {
        Kind::Gauge
    }
    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        visit(&[], MetricRef::Gauge(self));
    }
}

impl Collect for Histogram {
    fn kind(&self) -> Kind {
        Kind::Histogram
    }
    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        visit(&[], MetricRef::Histogram(self));
    }
}

impl Collect for Summary {
    fn kind(&self) -> Kind {
        Kind::Summary
    }
    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        visit(&[], MetricRef::Summary(self));
    }
}

impl Collect for MeasuredCounter {
    fn kind(&self) -> Kind {
        Kind::Counter
    }
    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        visit(&[], MetricRef::Measured(self));
    }
}
