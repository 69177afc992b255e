//! Idle expiry: a family's series that have not changed for a while are removed when the
//! family is next read.
//!
//! Whether a series changed is seen from its value, at the reads of the family (each render,
//! snapshot or push), not on the hot path: a recording costs nothing more with expiry on.
//! A series is idle from the first read that sees its value as it is now.

use core::sync::atomic::{AtomicU64, Ordering};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::child::ChildMetric;
use super::children::Children;

/// What the reads saw of a series.
struct Seen {
    activity: u64,
    since: Instant,
    read: Instant,
}

/// When a family's series expire, and what its reads have seen of them.
pub(crate) struct IdleExpiry {
    /// Milliseconds a series may stay unchanged; 0 for never.
    after_ms: AtomicU64,
    /// By the child's address: its activity when last seen changed, when, and the read
    /// that last saw it.
    seen: Mutex<HashMap<usize, Seen>>,
}

impl IdleExpiry {
    pub fn new() -> Self {
        Self {
            after_ms: AtomicU64::new(0),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Series unchanged for `after` are removed; `Duration::ZERO` turns expiry off.
    pub fn set(&self, after: Duration) {
        let ms = u64::try_from(after.as_millis()).unwrap_or(u64::MAX);
        // Under a millisecond is still on: one.
        let ms = if after.is_zero() { 0 } else { ms.max(1) };
        self.after_ms.store(ms, Ordering::Relaxed);
    }

    /// Removes the series of `children` that have been idle for too long.
    pub fn sweep<M: ChildMetric>(&self, children: &'static Children<M>) {
        let after_ms = self.after_ms.load(Ordering::Relaxed);
        if after_ms == 0 {
            return;
        }
        let after = Duration::from_millis(after_ms);
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        children.retain(|metric| {
            let activity = metric.activity();
            let entry = seen
                .entry(super::recording::address(metric))
                .or_insert(Seen {
                    activity,
                    since: now,
                    read: now,
                });
            if entry.activity != activity {
                entry.activity = activity;
                entry.since = now;
            }
            entry.read = now;
            now.duration_since(entry.since) < after
        });
        // Series removed, now or before, leave no entry behind.
        seen.retain(|_, entry| entry.read == now && now.duration_since(entry.since) < after);
    }
}
