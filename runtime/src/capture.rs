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

use core::marker::PhantomData;

use crate::metrics::recording::{self, address, Recorded, Records, RECORDING};
use crate::metrics::{Kind, MetricRef};
use crate::model::{values, SeriesLayout};
use crate::snapshot::{HistogramValue, Snapshot, SummaryValue, Value};

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
        recording::start(id);
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
        let records = recording::records(self.id);
        crate::snapshot::snapshot_with(|kind, series| value(kind, series, &records))
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        recording::stop(self.id);
    }
}

/// The key a cell's updates are recorded under.
fn key(cell: MetricRef) -> Option<usize> {
    Some(match cell {
        MetricRef::Counter(c) => address(c),
        MetricRef::Sharded(c) => address(c),
        MetricRef::Gauge(g) => address(g),
        MetricRef::Histogram(h) => address(h),
        MetricRef::Summary(s) => address(s),
        MetricRef::Callback(_)
        | MetricRef::CallbackCounter(_)
        | MetricRef::Measured(_)
        | MetricRef::Rate(..) => return None,
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
            let bounds = series.bounds().to_vec();
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
                native: series.native(),
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
            let quantiles = values::summary_quantiles(series)
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
