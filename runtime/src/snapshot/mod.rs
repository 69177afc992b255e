//! Point-in-time values of every series, for tests and for the surfacers.

mod value;

#[cfg_attr(not(feature = "serve"), allow(unused_imports))]
pub(crate) use value::holding;
pub use value::{HistogramValue, SummaryValue, Value};

use std::borrow::Cow;

use crate::label_clash::{self, Label};
use crate::metrics::{exemplars_of, kept_exemplars, KeptExemplar, Kind, Total};
use crate::model::{layout, values, SeriesLayout};

/// The values of every linked metric at one moment.
///
/// ```
/// use meterbox::{counted, snapshot};
///
/// #[counted]
/// fn ping() {}
///
/// ping();
/// let calls = snapshot().counter("function_calls_total", &[("function", "ping"), ("result", "ok")]);
/// assert_eq!(calls, Some(1));
/// ```
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// When it was taken.
    pub time: std::time::SystemTime,
    /// Families in name order.
    pub families: Vec<FamilySnapshot>,
    /// The global tags a [`Reporter`](crate::Reporter) added to every series, which are also
    /// among each series' labels; empty in a snapshot that no reporter tagged. A protocol
    /// that keeps such tags apart from the series (OTLP's resource) reads them here.
    pub tags: Vec<(&'static str, &'static str)>,
}

/// One metric family: a name and its series.
#[derive(Debug, Clone)]
pub struct FamilySnapshot {
    /// Full name (counters end in `_total`).
    pub name: &'static str,
    /// HELP text.
    pub help: &'static str,
    /// Unit, or empty.
    pub unit: &'static str,
    /// Type.
    pub kind: Kind,
    /// Series in label order.
    pub series: Vec<Series>,
}

impl FamilySnapshot {
    /// The same family's metadata with no series.
    pub(crate) fn clone_empty(&self) -> Self {
        Self {
            name: self.name,
            help: self.help,
            unit: self.unit,
            kind: self.kind,
            series: Vec::new(),
        }
    }
}

/// One labelled series and its value.
#[derive(Debug, Clone)]
pub struct Series {
    /// Label names and values, in definition order.
    pub labels: Vec<(&'static str, &'static str)>,
    /// The value.
    pub value: Value,
    /// The exemplars kept for it: one slot per bucket of a histogram (in the order of its
    /// bounds, `+Inf` last), one for a counter; empty when none was kept.
    pub exemplars: Vec<Option<KeptExemplar>>,
}

impl Series {
    /// The value of label `name`.
    #[must_use]
    pub fn label(&self, name: &str) -> Option<&'static str> {
        self.labels
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    }

    /// Whether every `(name, value)` pair in `labels` is among this series' labels.
    #[must_use]
    pub fn matches(&self, labels: &[(&str, &str)]) -> bool {
        labels.iter().all(|(k, v)| self.label(k) == Some(*v))
    }
}

impl Snapshot {
    /// This snapshot with `labels` added to every series, after the series' own labels: the
    /// way scopes, global tags and grouping labels are added. A series label that one of
    /// `labels` also names (as the text formats show names) is renamed `exported_<name>`, so
    /// no series carries a name twice.
    ///
    /// ```
    /// # use meterbox::{Series, Snapshot, Value, FamilySnapshot, Kind};
    /// # let snapshot = Snapshot { time: std::time::SystemTime::now(), tags: vec![], families: vec![FamilySnapshot {
    /// #     name: "jobs_total", help: "Jobs.", unit: "", kind: Kind::Counter,
    /// #     series: vec![Series { labels: vec![("job", "nightly")], value: Value::Counter(3), exemplars: vec![] }] }] };
    /// let pushed = snapshot.with_labels(&[("job", "importer")]);
    /// assert_eq!(
    ///     pushed.series("jobs_total", &[])[0].labels,
    ///     [("exported_job", "nightly"), ("job", "importer")]
    /// );
    /// ```
    #[must_use]
    pub fn with_labels(&self, labels: &[(&'static str, &'static str)]) -> Snapshot {
        let mut out = self.clone();
        out.put_outer_labels(labels, true);
        out
    }

    /// The family called `name`.
    #[must_use]
    pub fn family(&self, name: &str) -> Option<&FamilySnapshot> {
        self.families.iter().find(|f| f.name == name)
    }

    /// Series of family `name` whose labels include every pair in `labels`.
    #[must_use]
    pub fn series(&self, name: &str, labels: &[(&str, &str)]) -> Vec<&Series> {
        self.family(name)
            .into_iter()
            .flat_map(|f| f.series.iter())
            .filter(|s| s.matches(labels))
            .collect()
    }

    /// The sum of the counter series of `name` that match `labels`; `None` if none match.
    #[must_use]
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> Option<u64> {
        self.sum(name, labels, |v| match v {
            Value::Counter(n) => Some(*n),
            _ => None,
        })
    }

    /// The sum of the measured counter series (CPU seconds) of `name` that match `labels`;
    /// `None` if none match.
    #[must_use]
    pub fn total(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.sum(name, labels, |v| match v {
            Value::Total(t) => Some(*t),
            _ => None,
        })
    }

    /// The sum of what `pick` finds in the series of `name` that match `labels`; `None` if
    /// it finds nothing.
    fn sum<T: Default + core::ops::AddAssign>(
        &self,
        name: &str,
        labels: &[(&str, &str)],
        pick: impl Fn(&Value) -> Option<T>,
    ) -> Option<T> {
        let mut found = None;
        for v in self
            .series(name, labels)
            .into_iter()
            .filter_map(|s| pick(&s.value))
        {
            *found.get_or_insert_with(T::default) += v;
        }
        found
    }

    /// The value of the first gauge series of `name` that matches `labels`.
    #[must_use]
    pub fn gauge(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.series(name, labels)
            .into_iter()
            .find_map(|s| match s.value {
                Value::Gauge(v) => Some(v),
                _ => None,
            })
    }

    /// The first histogram series of `name` that matches `labels`.
    #[must_use]
    pub fn histogram(&self, name: &str, labels: &[(&str, &str)]) -> Option<&HistogramValue> {
        self.series(name, labels)
            .into_iter()
            .find_map(|s| match &s.value {
                Value::Histogram(h) => Some(h),
                _ => None,
            })
    }

    /// The first summary series of `name` whose labels include `labels`.
    #[must_use]
    pub fn summary(&self, name: &str, labels: &[(&str, &str)]) -> Option<&SummaryValue> {
        self.series(name, labels)
            .into_iter()
            .find_map(|s| match &s.value {
                Value::Summary(v) => Some(v),
                _ => None,
            })
    }
}

impl Snapshot {
    /// This snapshot with `outer` labels over every series: added after each series' labels
    /// when `add` is set, and in either case taking their names from the series' own labels.
    pub(crate) fn put_outer_labels(&mut self, outer: &[Label], add: bool) {
        if outer.is_empty() {
            return;
        }
        for family in &mut self.families {
            for series in &mut family.series {
                let mut labels = label_clash::with_outer(&series.labels, outer);
                if !add {
                    labels.truncate(series.labels.len());
                }
                series.labels = labels;
            }
        }
    }

    /// This snapshot with no label name twice on a series (a snapshot built by hand may
    /// have that), borrowed when it has none.
    pub(crate) fn resolved(&self) -> Cow<'_, Snapshot> {
        let clean = self
            .families
            .iter()
            .all(|f| f.series.iter().all(|s| label_clash::clash_free(&s.labels)));
        if clean {
            return Cow::Borrowed(self);
        }
        let mut owned = self.clone();
        for family in &mut owned.families {
            for series in &mut family.series {
                label_clash::resolve(&mut series.labels, |_| 0);
            }
        }
        Cow::Owned(owned)
    }
}

/// The value of one laid-out series now.
pub(crate) fn value_of(kind: Kind, s: &SeriesLayout) -> Value {
    match kind {
        Kind::Counter => match values::counter(s) {
            Total::Count(n) => Value::Counter(n),
            Total::Measured(v) => Value::Total(v),
        },
        Kind::Gauge => Value::Gauge(values::gauge(s)),
        Kind::Histogram => {
            let (buckets, sum) = values::histogram(s);
            Value::Histogram(HistogramValue {
                bounds: s.bounds().to_vec(),
                buckets,
                sum,
                native: s.native(),
            })
        }
        Kind::Summary => {
            let (window, count, sum) = values::summary(s);
            let quantiles = values::summary_quantiles(s)
                .iter()
                .map(|&q| (q, window.quantile(q).unwrap_or(f64::NAN)))
                .collect();
            Value::Summary(SummaryValue {
                quantiles,
                count,
                sum,
            })
        }
    }
}

/// Every linked metric, each series' value read by `value`.
pub(crate) fn snapshot_with(value: impl Fn(Kind, &SeriesLayout) -> Value) -> Snapshot {
    let time = std::time::SystemTime::now();
    let table = kept_exemplars();
    let families = layout()
        .families
        .iter()
        .map(|f| FamilySnapshot {
            name: f.name,
            help: f.help,
            unit: f.unit,
            kind: f.kind,
            series: f
                .series
                .iter()
                .chain(f.current_series().iter())
                .map(|s| Series {
                    labels: s.labels.to_vec(),
                    value: value(f.kind, s),
                    exemplars: table
                        .as_ref()
                        .zip(s.cells.first())
                        .and_then(|(table, &cell)| exemplars_of(table, cell))
                        .map(<[_]>::to_vec)
                        .unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    Snapshot {
        time,
        families,
        tags: Vec::new(),
    }
}

/// Reads every linked metric now.
#[must_use]
pub fn snapshot() -> Snapshot {
    snapshot_with(value_of)
}
