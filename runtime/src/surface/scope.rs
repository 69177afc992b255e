//! A request's or job's share of the metrics: what changed between its start and its end,
//! handed to surfacers when it ends (the clear/flush lifecycle of per-request reporting).

use std::time::{Duration, Instant};

use super::{SurfaceError, Surfacer};
use crate::intern::intern;
use crate::snapshot::{snapshot, FamilySnapshot, HistogramValue, Series, Snapshot, Value};

/// What the program recorded between [`Scope::begin`] and [`Scope::end`]: counter and
/// histogram changes, summary counts, and gauges that moved, with the scope's own labels
/// added to each series.
///
/// ```
/// use meterbox::{counted, Scope};
///
/// #[counted(name = "scoped_lookups")]
/// fn lookup() {}
///
/// let scope = Scope::begin().label("route", "/cart");
/// lookup();
/// lookup();
/// let recorded = scope.end();
/// assert_eq!(
///     recorded.counter("scoped_lookups_total", &[("route", "/cart"), ("result", "ok")]),
///     Some(2)
/// );
/// ```
///
/// A scope compares two snapshots of the whole registry, so it sees every change in the
/// process while it is open: in a server handling requests concurrently, a family that
/// other requests touch at the same time shows their changes too. Use it where one job
/// runs at a time, or for families only that request's code touches. Its cost is two
/// snapshots, proportional to the number of series.
#[derive(Debug)]
pub struct Scope {
    start: Snapshot,
    started: Instant,
    labels: Vec<(&'static str, &'static str)>,
}

impl Scope {
    /// Starts a scope now.
    #[must_use]
    pub fn begin() -> Self {
        Self {
            start: snapshot(),
            started: Instant::now(),
            labels: Vec::new(),
        }
    }

    /// Adds a label to every series the scope reports, such as the route. Each distinct
    /// string is kept for the program's life, so use values of bounded variety.
    #[must_use]
    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.push((intern(key), intern(value)));
        self
    }

    /// How long the scope has been open.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Ends the scope: what changed since it began.
    #[must_use]
    pub fn end(self) -> Snapshot {
        let mut changed = difference(&self.start, &snapshot());
        // A series label that the scope also names is kept as `exported_<name>`.
        changed.put_outer_labels(&self.labels, true);
        changed
    }

    /// Ends the scope and hands what changed to `surfacer`.
    ///
    /// # Errors
    ///
    /// The surfacer's.
    pub fn end_to(self, surfacer: &dyn Surfacer) -> Result<(), SurfaceError> {
        surfacer.surface(&self.end())
    }
}

/// `after` less `before`, series by series; series without a change are left out.
fn difference(before: &Snapshot, after: &Snapshot) -> Snapshot {
    let families = after
        .families
        .iter()
        .filter_map(|family| {
            let old = before.families.iter().find(|f| f.name == family.name);
            let series: Vec<Series> = family
                .series
                .iter()
                .filter_map(|s| {
                    let was = old.and_then(|f| f.series.iter().find(|o| o.labels == s.labels));
                    change(was.map(|o| &o.value), &s.value).map(|value| Series {
                        labels: s.labels.clone(),
                        value,
                        exemplars: s.exemplars.clone(),
                    })
                })
                .collect();
            (!series.is_empty()).then(|| FamilySnapshot {
                series,
                ..family.clone_empty()
            })
        })
        .collect();
    Snapshot {
        time: after.time,
        families,
        tags: after.tags.clone(),
    }
}

/// The change from `was` to `now`, if there is one.
fn change(was: Option<&Value>, now: &Value) -> Option<Value> {
    match (was, now) {
        (Some(Value::Counter(a)), Value::Counter(b)) => (b > a).then(|| Value::Counter(b - a)),
        (Some(Value::Total(a)), Value::Total(b)) => (b > a).then(|| Value::Total(b - a)),
        // Moved at all, bit for bit (NaN included).
        (Some(Value::Gauge(a)), Value::Gauge(b)) => {
            (a.to_bits() != b.to_bits()).then_some(Value::Gauge(*b))
        }
        (Some(Value::Histogram(a)), Value::Histogram(b)) => (b.count() > a.count()).then(|| {
            Value::Histogram(HistogramValue {
                bounds: b.bounds.clone(),
                buckets: b
                    .buckets
                    .iter()
                    .zip(a.buckets.iter().chain(std::iter::repeat(&0)))
                    .map(|(n, m)| n.saturating_sub(*m))
                    .collect(),
                sum: b.sum - a.sum,
                native: b.native,
            })
        }),
        (Some(Value::Summary(a)), Value::Summary(b)) => (b.count > a.count).then(|| {
            let mut s = b.clone();
            s.count = b.count - a.count;
            s.sum = b.sum - a.sum;
            Value::Summary(s)
        }),
        // New in this scope: all of it is the scope's, unless it is nothing.
        (None, Value::Counter(0)) => None,
        (None, Value::Total(v)) if *v == 0.0 => None,
        (None, Value::Histogram(h)) if h.count() == 0 => None,
        (None, value) => Some(value.clone()),
        _ => None,
    }
}
