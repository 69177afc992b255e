//! What one thread records, for tests that run in parallel.
//!
//! Metrics are process-wide statics, so a test that reads a counter, acts and reads it again
//! also sees what other tests did meanwhile. A [`Capture`] keeps, beside the statics, what the
//! current thread records while it is active; its snapshot has the same series as
//! [`snapshot`](crate::snapshot) with only those values.
//!
//! The recording is compiled only into builds with debug assertions (what `cargo test`
//! builds) or with the cargo feature `capture`: elsewhere the hot path is exactly what it
//! was, and [`Capture::start`] panics with a message saying so.

use core::cell::RefCell;
use core::marker::PhantomData;
use std::collections::HashMap;

use crate::encode::layout::SeriesLayout;
use crate::metrics::{Counter, Gauge, Histogram, ShardedCounter, Summary};
use crate::registry::{Cell, Kind};
use crate::snapshot::{HistogramValue, Snapshot, SummaryValue, Value};

/// Whether this build records for captures.
pub(crate) const RECORDING: bool = cfg!(any(debug_assertions, feature = "capture"));

/// What one capture has seen of one metric.
#[derive(Debug, Clone)]
enum Recorded {
    Count(u64),
    /// The value set last, if any, and what was added since.
    Gauge(Option<f64>, f64),
    /// Bucket counts (non-cumulative, `+Inf` last) and the sum.
    Histogram(Vec<u64>, f64),
    /// The values observed.
    Summary(Vec<f64>),
}

type Records = HashMap<usize, Recorded>;

thread_local! {
    /// The captures active on this thread, by id; most threads have none.
    static ACTIVE: RefCell<Vec<(u64, Records)>> = const { RefCell::new(Vec::new()) };
}

fn address<T>(metric: &T) -> usize {
    core::ptr::from_ref(metric) as usize
}

/// Applies `f` to the record of `key` in every active capture of this thread.
#[cold]
#[inline(never)]
fn with_records(key: usize, make: fn() -> Recorded, f: &dyn Fn(&mut Recorded)) {
    // During thread teardown, or re-entered from inside a capture's own code: nothing to do.
    let _ = ACTIVE.try_with(|active| {
        if let Ok(mut active) = active.try_borrow_mut() {
            for (_, records) in active.iter_mut() {
                f(records.entry(key).or_insert_with(make));
            }
        }
    });
}

/// Whether a capture is active on this thread: one thread-local read.
#[inline]
fn active() -> bool {
    ACTIVE
        .try_with(|a| a.try_borrow().is_ok_and(|a| !a.is_empty()))
        .unwrap_or(false)
}

#[inline]
pub(crate) fn counter(metric: &Counter, n: u64) {
    if active() {
        count(address(metric), n);
    }
}

#[inline]
pub(crate) fn sharded(metric: &ShardedCounter, n: u64) {
    if active() {
        count(address(metric), n);
    }
}

fn count(key: usize, n: u64) {
    with_records(key, || Recorded::Count(0), &|r| {
        if let Recorded::Count(c) = r {
            *c = c.wrapping_add(n);
        }
    });
}

#[inline]
pub(crate) fn gauge_set(metric: &Gauge, value: f64) {
    if active() {
        with_records(address(metric), || Recorded::Gauge(None, 0.0), &|r| {
            *r = Recorded::Gauge(Some(value), 0.0);
        });
    }
}

#[inline]
pub(crate) fn gauge_add(metric: &Gauge, delta: f64) {
    if active() {
        with_records(address(metric), || Recorded::Gauge(None, 0.0), &|r| {
            if let Recorded::Gauge(_, added) = r {
                *added += delta;
            }
        });
    }
}

#[inline]
pub(crate) fn histogram(metric: &Histogram, bucket: usize, value: f64) {
    if active() {
        let buckets = metric.bounds().len() + 1;
        with_records(
            address(metric),
            || Recorded::Histogram(Vec::new(), 0.0),
            &|r| {
                if let Recorded::Histogram(counts, sum) = r {
                    counts.resize(buckets, 0);
                    counts[bucket.min(buckets - 1)] += 1;
                    *sum += value;
                }
            },
        );
    }
}

#[inline]
pub(crate) fn summary(metric: &Summary, value: f64) {
    if active() {
        with_records(address(metric), || Recorded::Summary(Vec::new()), &|r| {
            if let Recorded::Summary(values) = r {
                values.push(value);
            }
        });
    }
}

/// What the current thread records from [`Capture::start`] on, for asserting exact values
/// in tests that run in parallel.
///
/// ```
/// use meterbox::{counted, Capture};
///
/// #[counted]
/// fn checkout(items: u32) -> Result<u32, String> {
///     Ok(items)
/// }
///
/// # if Capture::available() {
/// let cap = Capture::start();
/// checkout(1).unwrap();
/// let snap = cap.snapshot();
/// let ok = [("function", "checkout"), ("result", "ok")];
/// assert_eq!(snap.counter("function_calls_total", &ok), Some(1));
/// # }
/// ```
///
/// It sees every update made on this thread while it is active, including those of tasks that
/// a current-thread async runtime (`#[tokio::test]`) polls here, and nothing from other
/// threads. Gauges show what this thread set (the last value set, plus what it added since),
/// or what it added if it never set them; a gauge computed when read (`CallbackGauge`, a
/// meter's rates) reads 0. Summaries compute their quantiles from this thread's
/// observations. Captures may nest; each sees what happened while it was active.
///
/// The recording exists only in builds with debug assertions (as `cargo test` builds) or with
/// the cargo feature `capture`; without either, the hot path has no trace of it.
#[derive(Debug)]
pub struct Capture {
    id: u64,
    /// A capture belongs to the thread that started it.
    _thread: PhantomData<*const ()>,
}

impl Capture {
    /// Whether this build records for captures: with debug assertions (as `cargo test`
    /// builds) or the cargo feature `capture`. Where it is `false`, [`Capture::start`] panics.
    #[must_use]
    pub const fn available() -> bool {
        RECORDING
    }

    /// Starts capturing what this thread records.
    ///
    /// # Panics
    ///
    /// In a build without debug assertions and without the cargo feature `capture`, where
    /// nothing is recorded for captures.
    #[must_use]
    pub fn start() -> Self {
        static NEXT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
        // Constant within one build, but not across the builds this crate is compiled for.
        #[allow(clippy::assertions_on_constants)]
        {
            assert!(
                RECORDING,
                "meterbox::Capture needs a build with debug assertions (as `cargo test` \
                 builds) or the cargo feature `capture`"
            );
        }
        let id = NEXT.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        ACTIVE.with(|active| active.borrow_mut().push((id, HashMap::new())));
        Capture {
            id,
            _thread: PhantomData,
        }
    }

    /// Every linked metric with the values this thread recorded since the capture started:
    /// the same families and series as [`snapshot`](crate::snapshot), at zero where this
    /// thread recorded nothing.
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        let records = ACTIVE.with(|active| {
            active
                .borrow()
                .iter()
                .find(|(id, _)| *id == self.id)
                .map(|(_, r)| r.clone())
                .unwrap_or_default()
        });
        crate::snapshot::snapshot_with(|kind, series| value(kind, series, &records))
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = ACTIVE.try_with(|active| {
            if let Ok(mut active) = active.try_borrow_mut() {
                active.retain(|(id, _)| *id != self.id);
            }
        });
    }
}

/// The key a cell's updates are recorded under.
fn key(cell: Cell) -> Option<usize> {
    Some(match cell {
        Cell::Counter(c) => address(c),
        Cell::Sharded(c) => address(c),
        Cell::Gauge(g) => address(g),
        Cell::Histogram(h) => address(h),
        Cell::Summary(s) => address(s),
        Cell::Callback(_) | Cell::Rate(..) => return None,
    })
}

fn value(kind: Kind, series: &SeriesLayout, records: &Records) -> Value {
    let recorded = series
        .cells
        .iter()
        .filter_map(|&cell| records.get(&key(cell)?));
    match kind {
        Kind::Counter => Value::Counter(
            recorded
                .map(|r| match r {
                    Recorded::Count(n) => *n,
                    _ => 0,
                })
                .fold(0, u64::wrapping_add),
        ),
        Kind::Gauge => Value::Gauge(
            recorded
                .map(|r| match r {
                    Recorded::Gauge(set, added) => set.unwrap_or(0.0) + added,
                    _ => 0.0,
                })
                .sum(),
        ),
        Kind::Histogram => {
            let bounds = series.bounds();
            let mut buckets = vec![0; bounds.len() + 1];
            let mut sum = 0.0;
            for r in recorded {
                if let Recorded::Histogram(counts, s) = r {
                    for (total, n) in buckets.iter_mut().zip(counts) {
                        *total += n;
                    }
                    sum += s;
                }
            }
            Value::Histogram(HistogramValue {
                bounds,
                buckets,
                sum,
            })
        }
        Kind::Summary => {
            let mut values: Vec<f64> = recorded
                .flat_map(|r| match r {
                    Recorded::Summary(v) => v.clone(),
                    _ => Vec::new(),
                })
                .collect();
            values.sort_by(f64::total_cmp);
            let quantiles = crate::encode::values::summary_quantiles(series)
                .iter()
                .map(|&q| (q, nearest_rank(&values, q)))
                .collect();
            Value::Summary(SummaryValue {
                quantiles,
                count: values.len() as u64,
                sum: values.iter().sum(),
            })
        }
    }
}

/// The ⌈q·n⌉-th smallest of sorted `values`; NaN when there are none.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn nearest_rank(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * values.len() as f64).ceil() as usize).max(1) - 1;
    values[rank.min(values.len() - 1)]
}
