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
}
