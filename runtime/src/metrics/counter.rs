//! A monotonic counter: one relaxed atomic add per increment.

use core::sync::atomic::{AtomicU64, Ordering};

/// A value that only goes up, such as requests served or bytes sent.
///
/// `const`-constructible, so it lives in a plain `static`:
///
/// ```
/// use meterbox::{metric, Counter};
///
/// /// Orders accepted by the checkout.
/// #[metric]
/// static ORDERS_TOTAL: Counter = Counter::new();
///
/// ORDERS_TOTAL.inc();
/// assert!(ORDERS_TOTAL.get() >= 1);
/// ```
#[derive(Debug, Default)]
pub struct Counter {
    value: AtomicU64,
}

impl Counter {
    /// A counter at zero.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            value: AtomicU64::new(0),
        }
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.inc_by(1);
    }

    /// Adds `n`. The counter wraps at `u64::MAX`, which at a billion increments a second
    /// takes over five hundred years.
    #[inline]
    pub fn inc_by(&self, n: u64) {
        if crate::ENABLED {
            self.value.fetch_add(n, Ordering::Relaxed);
            if super::recording::RECORDING {
                super::recording::counter(self, n);
            }
        }
    }

    /// The current value.
    #[must_use]
    pub fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }

    /// Back to zero, for a removed series.
    pub(crate) fn reset(&self) {
        self.value.store(0, Ordering::Relaxed);
    }

    /// Raises the count to `value` if it is below, in one step: callers that race raise it to
    /// the highest of their values, never past it.
    #[cfg_attr(not(feature = "metrics-facade"), allow(dead_code))]
    pub(crate) fn raise_to(&self, value: u64) {
        if !crate::ENABLED {
            return;
        }
        let mut now = self.value.load(Ordering::Relaxed);
        while value > now {
            match self
                .value
                .compare_exchange_weak(now, value, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => {
                    if super::recording::RECORDING {
                        super::recording::counter(self, value - now);
                    }
                    return;
                }
                Err(actual) => now = actual,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Counter;

    #[test]
    fn racing_raises_end_at_the_highest() {
        static RAISED: Counter = Counter::new();
        std::thread::scope(|s| {
            for thread in 0..8u64 {
                s.spawn(move || {
                    for step in 0..10_000u64 {
                        RAISED.raise_to(step * 8 + thread);
                    }
                });
            }
        });
        assert_eq!(RAISED.get(), 9_999 * 8 + 7);
        RAISED.raise_to(3);
        assert_eq!(RAISED.get(), 9_999 * 8 + 7);
    }
}
