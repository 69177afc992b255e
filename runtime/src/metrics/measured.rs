//! A counter of something measured rather than counted: seconds of CPU or of work.

use core::sync::atomic::{AtomicU64, Ordering};

/// A total that only goes up, of a quantity that is not a whole count, such as the seconds a
/// worker was busy. Exposed as a counter; a snapshot shows it as
/// [`Value::Total`](crate::Value::Total).
///
/// ```
/// use meterbox::{metric, MeasuredCounter};
///
/// /// Seconds spent compressing.
/// #[metric(unit = "seconds")]
/// static COMPRESS_SECONDS_TOTAL: MeasuredCounter = MeasuredCounter::new();
///
/// COMPRESS_SECONDS_TOTAL.add(0.25);
/// COMPRESS_SECONDS_TOTAL.add(0.5);
/// assert_eq!(COMPRESS_SECONDS_TOTAL.get(), 0.75);
/// assert_eq!(meterbox::snapshot().total("compress_seconds_total", &[]), Some(0.75));
/// ```
#[derive(Debug, Default)]
pub struct MeasuredCounter {
    bits: AtomicU64,
}

impl MeasuredCounter {
    /// A total at zero.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            bits: AtomicU64::new(0),
        }
    }

    /// Adds `amount`; a negative, NaN or infinite amount is ignored, as a counter never
    /// goes down.
    #[inline]
    pub fn add(&self, amount: f64) {
        if !(crate::ENABLED && amount.is_finite() && amount > 0.0) {
            return;
        }
        super::add_f64(&self.bits, amount);
    }

    /// Raises the total to `total` when it is more: for a total kept elsewhere (a runtime's
    /// busy time since it started), copied in as it is read.
    pub fn raise_to(&self, total: f64) {
        if !crate::ENABLED || !total.is_finite() {
            return;
        }
        let _ = self
            .bits
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                (total > f64::from_bits(bits)).then(|| total.to_bits())
            });
    }

    /// Back to zero, for a removed series.
    pub(crate) fn reset(&self) {
        self.bits.store(0, Ordering::Relaxed);
    }

    /// The total.
    #[must_use]
    pub fn get(&self) -> f64 {
        f64::from_bits(self.bits.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // Sums of binary fractions, exact.
    #[allow(clippy::float_cmp)]
    fn only_goes_up() {
        let total = MeasuredCounter::new();
        total.add(1.5);
        total.add(-1.0);
        total.add(f64::NAN);
        total.raise_to(1.0);
        assert_eq!(total.get(), 1.5);
        total.raise_to(4.0);
        assert_eq!(total.get(), 4.0);
    }
}
