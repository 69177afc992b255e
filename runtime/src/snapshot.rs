//! Point-in-time values of every series, for tests and for the JSON and table formats.

use crate::encode::layout;
use crate::encode::layout::SeriesLayout;
use crate::encode::values;
use crate::registry::Kind;

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

/// A series' value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A counter.
    Counter(u64),
    /// A gauge.
    Gauge(f64),
    /// A histogram.
    Histogram(HistogramValue),
    /// A summary.
    Summary(SummaryValue),
}

/// A summary's quantiles over its window, and its totals.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryValue {
    /// `(quantile, value)` for each exported quantile; the value is NaN when the window
    /// holds no observation.
    pub quantiles: Vec<(f64, f64)>,
    /// Observations since start.
    pub count: u64,
    /// Sum of the observations since start.
    pub sum: f64,
}

impl SummaryValue {
    /// Mean of the observations since start, `None` when there are none.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }

    /// The value exported for quantile `q`, if it is one of the exported quantiles.
    #[must_use]
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.quantiles
            .iter()
            .find(|(k, _)| (*k - q).abs() < 1e-12)
            .map(|(_, v)| *v)
    }
}

/// A histogram's buckets and sum.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramValue {
    /// Finite upper bounds.
    pub bounds: Vec<f64>,
    /// Non-cumulative counts, one per bound and a last one for `+Inf`.
    pub buckets: Vec<u64>,
    /// Sum of the observed values.
    pub sum: f64,
}

impl HistogramValue {
    /// Number of observations.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.buckets.iter().sum()
    }

    /// Mean of the observations, `None` when there are none.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn mean(&self) -> Option<f64> {
        let n = self.count();
        (n > 0).then(|| self.sum / n as f64)
    }

    /// The `q`-quantile (0 ≤ q ≤ 1) estimated from the buckets by linear interpolation
    /// within the bucket that holds it, as PromQL's `histogram_quantile` does: the lowest
    /// bucket is taken to start at 0 (or at its bound if that is negative), and a quantile
    /// in the `+Inf` bucket is reported as the highest finite bound. `None` when empty.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let rank = q * total as f64;
        let mut below = 0u64;
        for (i, &n) in self.buckets.iter().enumerate() {
            let upto = below + n;
            if n > 0 && upto as f64 >= rank {
                let Some(&upper) = self.bounds.get(i) else {
                    return self.bounds.last().copied();
                };
                let lower = if i == 0 {
                    upper.min(0.0)
                } else {
                    self.bounds[i - 1]
                };
                let within = (rank - below as f64) / n as f64;
                return Some(lower + (upper - lower) * within.clamp(0.0, 1.0));
            }
            below = upto;
        }
        self.bounds.last().copied()
    }

    /// The upper bound of the highest bucket that holds an observation
    /// (`f64::INFINITY` for the `+Inf` bucket); `None` when empty.
    #[must_use]
    pub fn max_bucket(&self) -> Option<f64> {
        let i = self.buckets.iter().rposition(|&n| n > 0)?;
        Some(self.bounds.get(i).copied().unwrap_or(f64::INFINITY))
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
    /// # let snapshot = Snapshot { time: std::time::SystemTime::now(), families: vec![FamilySnapshot {
    /// #     name: "jobs_total", help: "Jobs.", unit: "", kind: Kind::Counter,
    /// #     series: vec![Series { labels: vec![("job", "nightly")], value: Value::Counter(3) }] }] };
    /// let pushed = snapshot.with_labels(&[("job", "importer")]);
    /// assert_eq!(
    ///     pushed.series("jobs_total", &[])[0].labels,
    ///     [("exported_job", "nightly"), ("job", "importer")]
    /// );
    /// ```
    #[must_use]
    pub fn with_labels(&self, labels: &[(&'static str, &'static str)]) -> Snapshot {
        let mut out = self.clone();
        crate::label_clash::over_snapshot(&mut out, labels, true);
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
        let mut found = None;
        for s in self.series(name, labels) {
            if let Value::Counter(v) = s.value {
                *found.get_or_insert(0) += v;
            }
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

/// The value of one laid-out series now.
pub(crate) fn value_of(kind: Kind, s: &SeriesLayout) -> Value {
    match kind {
        Kind::Counter => Value::Counter(values::counter(s)),
        Kind::Gauge => Value::Gauge(values::gauge(s)),
        Kind::Histogram => {
            let (buckets, sum) = values::histogram(s);
            Value::Histogram(HistogramValue {
                bounds: s.bounds(),
                buckets,
                sum,
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
                .chain(f.dynamic_series().iter())
                .map(|s| Series {
                    labels: s.labels.clone(),
                    value: value(f.kind, s),
                })
                .collect(),
        })
        .collect();
    Snapshot { time, families }
}

/// Reads every linked metric now.
#[must_use]
pub fn snapshot() -> Snapshot {
    snapshot_with(value_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(bounds: &[f64], buckets: &[u64], sum: f64) -> HistogramValue {
        HistogramValue {
            bounds: bounds.to_vec(),
            buckets: buckets.to_vec(),
            sum,
        }
    }

    #[test]
    fn quantiles_interpolate_within_buckets() {
        let h = hist(&[1.0, 2.0, 4.0], &[10, 10, 0, 0], 25.0);
        assert_eq!(h.quantile(0.5), Some(1.0));
        assert_eq!(h.quantile(0.75), Some(1.5));
        assert_eq!(h.quantile(0.25), Some(0.5));
        assert_eq!(h.max_bucket(), Some(2.0));
        assert_eq!(h.mean(), Some(1.25));
    }

    #[test]
    fn quantile_in_inf_bucket_is_highest_bound() {
        let h = hist(&[1.0], &[1, 3], 10.0);
        assert_eq!(h.quantile(0.9), Some(1.0));
        assert_eq!(h.max_bucket(), Some(f64::INFINITY));
        assert_eq!(hist(&[1.0], &[0, 0], 0.0).quantile(0.5), None);
    }
}
