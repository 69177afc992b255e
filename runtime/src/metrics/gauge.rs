//! A gauge: an `f64` that goes up and down, stored as bits in an atomic.

use core::sync::atomic::{AtomicU64, Ordering};

/// A value that can go up and down, such as a queue depth or a temperature.
///
/// ```
/// use meterbox::{metric, Gauge};
///
/// /// Jobs waiting in the queue.
/// #[metric]
/// static QUEUE_DEPTH: Gauge = Gauge::new();
///
/// QUEUE_DEPTH.set(3.0);
/// QUEUE_DEPTH.dec();
/// assert_eq!(QUEUE_DEPTH.get(), 2.0);
/// ```
#[derive(Debug, Default)]
pub struct Gauge {
    bits: AtomicU64,
}

impl Gauge {
    /// A gauge at `0.0`.
    #[must_use]
    pub const fn new() -> Self {
        Self::with_value(0.0)
    }

    /// A gauge starting at `value`.
    #[must_use]
    pub const fn with_value(value: f64) -> Self {
        Self {
            bits: AtomicU64::new(value.to_bits()),
        }
    }

    /// Sets the value.
    #[inline]
    pub fn set(&self, value: f64) {
        if crate::ENABLED {
            self.bits.store(value.to_bits(), Ordering::Relaxed);
            if super::recording::RECORDING {
                super::recording::gauge_set(self, value);
            }
        }
    }

    /// Adds `delta` (which may be negative).
    #[inline]
    pub fn add(&self, delta: f64) {
        if crate::ENABLED {
            super::add_f64(&self.bits, delta);
            if super::recording::RECORDING {
                super::recording::gauge_add(self, delta);
            }
        }
    }

    /// Subtracts `delta`.
    #[inline]
    pub fn sub(&self, delta: f64) {
        self.add(-delta);
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.add(1.0);
    }

    /// Subtracts one.
    #[inline]
    pub fn dec(&self) {
        self.add(-1.0);
    }

    /// The current value.
    #[must_use]
    pub fn get(&self) -> f64 {
        f64::from_bits(self.bits.load(Ordering::Relaxed))
    }
}
