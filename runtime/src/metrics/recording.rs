//! What each thread records for the captures active on it: the hooks the metric types call
//! on every update, compiled to nothing where recording is off. [`crate::Capture`] reads it.

use core::cell::RefCell;
use std::collections::HashMap;

use super::{Counter, Gauge, Histogram, ShardedCounter, Summary};

/// Whether this build records for captures.
pub(crate) const RECORDING: bool = cfg!(any(debug_assertions, feature = "capture"));

/// What one capture has seen of one metric.
#[derive(Debug, Clone)]
pub(crate) enum Recorded {
    Count(u64),
    /// The value set last, if any, and what was added since.
    Gauge(Option<f64>, f64),
    /// Bucket counts (non-cumulative, `+Inf` last) and the sum.
    Histogram(Vec<u64>, f64),
    /// The values observed.
    Summary(Vec<f64>),
}

pub(crate) type Records = HashMap<usize, Recorded>;

thread_local! {
    /// The captures active on this thread, by id; most threads have none.
    static ACTIVE: RefCell<Vec<(u64, Records)>> = const { RefCell::new(Vec::new()) };
}

pub(crate) fn address<T>(metric: &T) -> usize {
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

/// Starts recording for capture `id` on this thread.
pub(crate) fn start(id: u64) {
    ACTIVE.with(|active| active.borrow_mut().push((id, HashMap::new())));
}

/// What capture `id` has recorded on this thread so far.
pub(crate) fn records(id: u64) -> Records {
    ACTIVE.with(|active| {
        active
            .borrow()
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, r)| r.clone())
            .unwrap_or_default()
    })
}

/// Stops recording for capture `id`.
pub(crate) fn stop(id: u64) {
    let _ = ACTIVE.try_with(|active| {
        if let Ok(mut active) = active.try_borrow_mut() {
            active.retain(|(i, _)| *i != id);
        }
    });
}
