//! The link-time registry: one distributed slice of read-only descriptors.
//!
//! Every `#[metric]` static and every instrumented function adds a [`Descriptor`] to the
//! slice through `linkme`; the linker gathers them into one section, so nothing runs before
//! `main` and the set of metrics is fixed once the program is linked.

use core::fmt;

use crate::metrics::{
    CallbackGauge, Counter, Gauge, Histogram, MeterRates, ShardedCounter, Summary,
};

/// The type of a metric, as exposition formats name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
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
pub enum Cell {
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
    fn is_dynamic(&self) -> bool {
        false
    }

    /// For a family: the counter of label sets sent to its overflow series.
    fn dropped_label_sets(&'static self) -> Option<&'static Counter> {
        None
    }

    /// Calls `visit` once per cell with the values of the extra labels, in the order of
    /// [`Collect::extra_label_names`].
    fn cells(&'static self, visit: &mut dyn FnMut(&[&'static str], Cell));

    /// A second family exposed next to this one, named `<base name>_rate`: a meter's
    /// rates. The registry adds it for every definition that has one.
    fn companion(&'static self) -> Option<&'static dyn Collect> {
        None
    }
}

impl Collect for Counter {
    fn kind(&self) -> Kind {
        Kind::Counter
    }
    fn cells(&'static self, visit: &mut dyn FnMut(&[&'static str], Cell)) {
        visit(&[], Cell::Counter(self));
    }
}

impl Collect for ShardedCounter {
    fn kind(&self) -> Kind {
        Kind::Counter
    }
    fn cells(&'static self, visit: &mut dyn FnMut(&[&'static str], Cell)) {
        visit(&[], Cell::Sharded(self));
    }
}

impl Collect for Gauge {
    fn kind(&self) -> Kind {
        Kind::Gauge
    }
    fn cells(&'static self, visit: &mut dyn FnMut(&[&'static str], Cell)) {
        visit(&[], Cell::Gauge(self));
    }
}

impl Collect for Histogram {
    fn kind(&self) -> Kind {
        Kind::Histogram
    }
    fn cells(&'static self, visit: &mut dyn FnMut(&[&'static str], Cell)) {
        visit(&[], Cell::Histogram(self));
    }
}

impl Collect for Summary {
    fn kind(&self) -> Kind {
        Kind::Summary
    }
    fn cells(&'static self, visit: &mut dyn FnMut(&[&'static str], Cell)) {
        visit(&[], Cell::Summary(self));
    }
}

/// A registered metric: its metadata, where it was defined, and its storage.
///
/// Descriptors are written by the macros; users read them through [`registry`].
pub struct Descriptor {
    /// Full name, validated at compile time; counters end in `_total`.
    pub name: &'static str,
    /// HELP text.
    pub help: &'static str,
    /// Unit, such as `seconds` or `bytes`; empty when none. The name ends with it.
    pub unit: &'static str,
    /// Constant labels, in declaration order.
    pub labels: &'static [(&'static str, &'static str)],
    /// Source file of the definition.
    pub file: &'static str,
    /// Line of the definition.
    pub line: u32,
    /// The storage.
    pub source: &'static dyn Collect,
}

impl Descriptor {
    /// The metric's type.
    #[must_use]
    pub fn kind(&self) -> Kind {
        self.source.kind()
    }

    /// Every label name of the metric's series: the constant ones, then the storage's own.
    #[must_use]
    pub fn label_names(&self) -> Vec<&'static str> {
        self.labels
            .iter()
            .map(|(k, _)| *k)
            .chain(self.source.extra_label_names().iter().copied())
            .collect()
    }

    /// `file:line` of the definition.
    #[must_use]
    pub fn site(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

impl fmt::Debug for Descriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Descriptor")
            .field("name", &self.name)
            .field("kind", &self.kind())
            .field("help", &self.help)
            .field("unit", &self.unit)
            .field("labels", &self.labels)
            .field("file", &self.file)
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

/// The slice itself. The major version is in its name: two major versions of meterbox in one
/// binary keep separate registries instead of colliding in one link section.
#[linkme::distributed_slice]
pub static METERBOX_METRICS_V0: [Descriptor] = [..];

/// Every metric linked into the program, in link order.
#[must_use]
pub fn registry() -> &'static [Descriptor] {
    &METERBOX_METRICS_V0
}

/// Two definitions of one metric name that disagree.
///
/// Nothing is left out of the exposition because of one: definitions that differ only in
/// help or unit share the family (the first one's help and unit are shown), and one that
/// cannot share it (another type, other buckets for the same series, or sample names that
/// another family uses) is exposed under a name of its own, [`Conflict::exposed_as`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The metric name both define.
    pub name: &'static str,
    /// What differs: `type`, `help`, `unit`, `buckets`, `quantiles`, or `name` (the two
    /// names differ but would expose the same sample or family names, as a gauge `lat_count`
    /// beside a histogram `lat`).
    pub what: &'static str,
    /// `file:line` of the definition that keeps the name and whose metadata is shown.
    pub kept: String,
    /// `file:line` of the other definition.
    pub other: String,
    /// The name the other definition's series are exposed under, when they cannot share
    /// the name: `<name>_conflict<n>`, before the unit and `_total`.
    pub exposed_as: Option<String>,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.what == "name" {
            write!(
                f,
                "metric `{}` defined at {} would read as part of the family defined at {}; ",
                self.name, self.other, self.kept
            )?;
        } else {
            write!(
                f,
                "metric `{}` is defined with different {} at {} and at {}; ",
                self.name, self.what, self.kept, self.other
            )?;
        }
        match &self.exposed_as {
            Some(renamed) => write!(
                f,
                "the series defined at {} are exposed as `{renamed}`",
                self.other
            ),
            None => write!(f, "the {} defined at {} is shown", self.what, self.kept),
        }
    }
}

impl std::error::Error for Conflict {}

/// Reports every pair of definitions that share a name but disagree on type, help or unit,
/// that define one series (same labels) with different histogram buckets or summary
/// quantiles, or whose names would expose the same samples.
///
/// Exposition never fails on a conflict and never leaves a series out: see [`Conflict`].
/// Each conflict is written to stderr once, and `meterbox_definition_conflicts{metric,what}`
/// counts them for alerts. Call `check()` in a test to turn conflicts into a failure:
///
/// ```
/// assert_eq!(meterbox::check(), Ok(()));
/// ```
///
/// Definitions of one name with different label names are no conflict: both text formats
/// allow the series of a family to carry different labels, and they are exposed side by side.
///
/// # Errors
///
/// Every conflict found, in the order of the definitions' sites.
pub fn check() -> Result<(), Vec<Conflict>> {
    let conflicts = &crate::encode::layout().conflicts;
    if conflicts.is_empty() {
        Ok(())
    } else {
        Err(conflicts.clone())
    }
}
