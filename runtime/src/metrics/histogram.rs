//! A histogram with bucket bounds fixed at compile time.
//!
//! The storage is a fixed capacity of [`Histogram::MAX_BUCKETS`] bounds, so a `static` is
//! written `Histogram` whatever its bucket count, and recording never allocates or locks.
//! The observation count is not stored: it is the sum of the buckets, which keeps the hot path
//! to one bucket add and one sum add and makes count and buckets always agree.
//!
//! Why this file is long: a third of it is the tests that pin down which bucket each value
//! lands in, kept beside the search they check.

use crate::clock::{nanos_since, tick, Tick};
use core::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds of the default duration buckets, in seconds: 1 µs to 10 s, three per decade,
/// so that fast functions are resolved as well as slow ones.
pub const DEFAULT_DURATION_BUCKETS: [f64; 22] = [
    0.000_001,
    0.000_002_5,
    0.000_005,
    0.000_01,
    0.000_025,
    0.000_05,
    0.000_1,
    0.000_25,
    0.000_5,
    0.001,
    0.002_5,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
];

/// Upper bounds of the default byte buckets: nothing, then powers of four from 64 B to
/// 64 MiB. The first bucket, `le="0"`, counts what had no bytes at all (a call that
/// allocated nothing, an empty body).
pub const DEFAULT_BYTE_BUCKETS: [f64; 12] = [
    0.0,
    64.0,
    256.0,
    1024.0,
    4096.0,
    16_384.0,
    65_536.0,
    262_144.0,
    1_048_576.0,
    4_194_304.0,
    16_777_216.0,
    67_108_864.0,
];

const CAP: usize = 40;

/// A distribution of observed values, counted into buckets with fixed upper bounds.
///
/// ```
/// use meterbox::{metric, Histogram};
///
/// /// Size of request payloads.
/// #[metric(unit = "bytes")]
/// static PAYLOAD_BYTES: Histogram = Histogram::exponential(64.0, 2.0, 12);
///
/// PAYLOAD_BYTES.observe(1500.0);
/// assert_eq!(PAYLOAD_BYTES.count(), 1);
/// ```
///
/// Invalid bounds (none, more than [`Histogram::MAX_BUCKETS`], NaN, not strictly increasing)
/// stop compilation when the histogram is a `static`, with a message naming the problem.
#[derive(Debug)]
pub struct Histogram {
    len: usize,
    /// The bounds, then `+Inf` in every unused slot, so that a scan stops by itself.
    bounds: [f64; CAP],
    /// For durations recorded without float arithmetic: the least whole number of
    /// nanoseconds above each bound (0 for negative bounds, which every duration is above),
    /// then `u64::MAX`.
    above_ns: [u64; CAP],
    /// Non-cumulative; the last used slot (`len`) is the `+Inf` bucket.
    buckets: [AtomicU64; CAP + 1],
    sum_bits: AtomicU64,
    sum_ns: AtomicU64,
}

impl Histogram {
    /// The most finite bucket bounds a histogram can have.
    pub const MAX_BUCKETS: usize = CAP;

    /// A histogram with the given upper bounds (a `+Inf` bucket is always added).
    ///
    /// # Panics
    ///
    /// When `bounds` is empty, longer than [`Histogram::MAX_BUCKETS`], holds NaN or an infinity, or is not
    /// strictly increasing. In a `static` this is a compile-time error.
    #[must_use]
    pub const fn new(bounds: &[f64]) -> Self {
        assert!(
            !bounds.is_empty(),
            "meterbox: a histogram needs at least one bucket bound"
        );
        assert!(
            bounds.len() <= CAP,
            "meterbox: a histogram has at most Histogram::MAX_BUCKETS (40) bucket bounds"
        );
        let mut stored = [f64::INFINITY; CAP];
        let mut above_ns = [u64::MAX; CAP];
        let mut i = 0;
        while i < bounds.len() {
            let b = bounds[i];
            assert!(
                !b.is_nan(),
                "meterbox: histogram bucket bounds must not be NaN"
            );
            assert!(
                b.is_finite(),
                "meterbox: histogram bucket bounds must be finite; the `+Inf` bucket is always there"
            );
            assert!(
                i == 0 || b > bounds[i - 1],
                "meterbox: histogram bucket bounds must be strictly increasing"
            );
            stored[i] = b;
            above_ns[i] = if b < 0.0 {
                0
            } else {
                // `as` saturates, so +Inf and huge bounds become u64::MAX; b is not negative.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let ns = (b * 1e9) as u64;
                ns.saturating_add(1)
            };
            i += 1;
        }
        Self {
            len: bounds.len(),
            bounds: stored,
            above_ns,
            buckets: [const { AtomicU64::new(0) }; CAP + 1],
            sum_bits: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
        }
    }

    /// `count` bounds `start, start + width, start + 2 * width, …`.
    ///
    /// # Panics
    ///
    /// When `count` is 0 or above [`Histogram::MAX_BUCKETS`], or `width` is not positive.
    #[must_use]
    pub const fn linear(start: f64, width: f64, count: usize) -> Self {
        assert!(
            width > 0.0,
            "meterbox: linear histogram buckets need a positive width"
        );
        let mut bounds = [0.0; CAP];
        let mut i = 0;
        while i < count && i < CAP {
            #[allow(clippy::cast_precision_loss)] // i < 40
            let steps = i as f64;
            bounds[i] = start + width * steps;
            i += 1;
        }
        Self::new(Self::prefix(&bounds, count))
    }

    /// `count` bounds `start, start * factor, start * factor², …`.
    ///
    /// # Panics
    ///
    /// When `count` is 0 or above [`Histogram::MAX_BUCKETS`], `start` is not positive or
    /// `factor` is not above 1.
    #[must_use]
    pub const fn exponential(start: f64, factor: f64, count: usize) -> Self {
        assert!(
            start > 0.0,
            "meterbox: exponential histogram buckets need a positive start"
        );
        assert!(
            factor > 1.0,
            "meterbox: exponential histogram buckets need a factor above 1"
        );
        let mut bounds = [0.0; CAP];
        let mut i = 0;
        let mut b = start;
        while i < count && i < CAP {
            bounds[i] = b;
            b *= factor;
            i += 1;
        }
        Self::new(Self::prefix(&bounds, count))
    }

    /// A histogram of durations in seconds with [`DEFAULT_DURATION_BUCKETS`].
    #[must_use]
    pub const fn for_durations() -> Self {
        Self::new(&DEFAULT_DURATION_BUCKETS)
    }

    /// A histogram of sizes in bytes with [`DEFAULT_BYTE_BUCKETS`].
    #[must_use]
    pub const fn for_bytes() -> Self {
        Self::new(&DEFAULT_BYTE_BUCKETS)
    }

    const fn prefix(bounds: &[f64; CAP], count: usize) -> &[f64] {
        assert!(
            count > 0,
            "meterbox: a histogram needs at least one bucket bound"
        );
        assert!(
            count <= CAP,
            "meterbox: a histogram has at most Histogram::MAX_BUCKETS (40) bucket bounds"
        );
        bounds.split_at(count).0
    }

    /// Records one value. NaN lands in the `+Inf` bucket and makes the sum NaN, as in
    /// Prometheus' own clients.
    #[inline]
    pub fn observe(&self, value: f64) {
        if !crate::ENABLED {
            return;
        }
        // The sum first: the value is then not needed after the bucket search's call.
        super::add_f64(&self.sum_bits, value);
        let bucket = self.bucket(value);
        bucket.fetch_add(1, Ordering::Relaxed);
        if super::recording::RECORDING {
            super::recording::histogram(self, self.index_of(bucket), value);
        }
    }

    /// Records a duration given in nanoseconds, with integer arithmetic only; the value is
    /// exported in seconds.
    #[inline]
    pub fn observe_ns(&self, nanos: u64) {
        if !crate::ENABLED {
            return;
        }
        let bucket = self.bucket_ns(nanos);
        bucket.fetch_add(1, Ordering::Relaxed);
        self.sum_ns.fetch_add(nanos, Ordering::Relaxed);
        if super::recording::RECORDING {
            #[allow(clippy::cast_precision_loss)] // as the exported sum is computed
            let seconds = nanos as f64 * 1e-9;
            super::recording::histogram(self, self.index_of(bucket), seconds);
        }
    }

    /// Back to zero, for a removed series. An observation racing the reset may be kept in
    /// part (its bucket without its sum, or the other way round).
    pub(crate) fn reset(&self) {
        for bucket in &self.buckets {
            bucket.store(0, Ordering::Relaxed);
        }
        self.sum_bits.store(0, Ordering::Relaxed);
        self.sum_ns.store(0, Ordering::Relaxed);
    }

    /// The position of one of this histogram's buckets.
    pub(super) fn index_of(&self, bucket: &AtomicU64) -> usize {
        let start = self.buckets.as_ptr() as usize;
        (core::ptr::from_ref(bucket) as usize - start) / core::mem::size_of::<AtomicU64>()
    }

    /// The bucket of `value`: the first bound at or above it, the `+Inf` bucket past them
    /// all or for NaN. The scan runs over the whole fixed-size array, which the compiler unrolls into one
    /// compare and branch per bound (it ends at the first `+Inf` slot at the latest); kept
    /// out of line so that the unrolled code exists once, not at every call site.
    #[inline(never)]
    pub(super) fn bucket(&self, value: f64) -> &AtomicU64 {
        if value.is_nan() {
            return &self.buckets[self.len];
        }
        let mut i = 0;
        while i < CAP && value > self.bounds[i] {
            i += 1;
        }
        &self.buckets[i]
    }

    /// The bucket of a duration in nanoseconds, as `bucket` does it for seconds.
    #[inline(never)]
    pub(super) fn bucket_ns(&self, nanos: u64) -> &AtomicU64 {
        let mut i = 0;
        while i < CAP && nanos >= self.above_ns[i] {
            i += 1;
        }
        // Only a duration of u64::MAX ns goes past the last bound's slot.
        &self.buckets[i.min(self.len)]
    }

    /// Starts a timer that records the elapsed seconds into this histogram when dropped.
    #[must_use = "the timer records when it is dropped; dropping it at once records ~0"]
    #[inline]
    pub fn start_timer(&self) -> HistogramTimer<'_> {
        HistogramTimer {
            histogram: self,
            start: tick(),
        }
    }

    /// The finite upper bounds.
    #[must_use]
    pub fn bounds(&self) -> &[f64] {
        &self.bounds[..self.len]
    }

    /// How many values were observed in each bucket, not cumulative; the last entry is the
    /// `+Inf` bucket, so there is one more entry than [`Histogram::bounds`].
    #[must_use]
    pub fn bucket_counts(&self) -> Vec<u64> {
        self.buckets[..=self.len]
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect()
    }

    /// How many values were observed.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.buckets[..=self.len]
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .sum()
    }

    /// The sum of every observed value.
    #[must_use]
    #[allow(clippy::cast_precision_loss)] // a sum above 2^53 ns (104 days) loses sub-ns digits
    pub fn sum(&self) -> f64 {
        f64::from_bits(self.sum_bits.load(Ordering::Relaxed))
            + self.sum_ns.load(Ordering::Relaxed) as f64 * 1e-9
    }
}

/// Records the time since [`Histogram::start_timer`] when dropped, on every exit path.
#[derive(Debug)]
pub struct HistogramTimer<'a> {
    histogram: &'a Histogram,
    start: Tick,
}

impl HistogramTimer<'_> {
    /// Records now rather than at the end of the scope.
    pub fn observe_duration(self) {
        drop(self);
    }
}

impl Drop for HistogramTimer<'_> {
    #[inline]
    fn drop(&mut self) {
        let nanos = nanos_since(self.start);
        self.histogram.observe_ns(nanos);
        #[cfg(feature = "opentelemetry")]
        self.histogram.keep_span_exemplar_ns(nanos);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive_upper_bounds() {
        let h = Histogram::new(&[1.0, 2.0]);
        for v in [0.5, 1.0, 1.5, 2.0, 2.5] {
            h.observe(v);
        }
        assert_eq!(h.bucket_counts(), vec![2, 2, 1]);
        assert_eq!(h.count(), 5);
        assert!((h.sum() - 7.5).abs() < 1e-12);
    }

    #[test]
    fn values_past_every_bound_and_nan_land_in_the_inf_bucket() {
        let h = Histogram::new(&[-1.0, 0.0, 1.0]);
        for v in [-5.0, -1.0, 0.0, 3.0, f64::INFINITY, f64::NAN] {
            h.observe(v);
        }
        assert_eq!(h.bucket_counts(), vec![2, 1, 0, 3]);
        // Durations are never negative: 0 ns is above the negative bound, at the zero one.
        let h = Histogram::new(&[-1.0, 0.0, 1.0]);
        for ns in [0, 1, 1_000_000_000, 1_000_000_001, u64::MAX] {
            h.observe_ns(ns);
        }
        assert_eq!(h.bucket_counts(), vec![0, 1, 2, 2]);
    }

    #[test]
    fn a_full_histogram_scans_every_bound() {
        let h = Histogram::linear(1.0, 1.0, Histogram::MAX_BUCKETS);
        for v in [0.5, 40.0, 40.5, f64::NAN] {
            h.observe(v);
        }
        for ns in [40_000_000_000, 40_000_000_001, u64::MAX] {
            h.observe_ns(ns);
        }
        let counts = h.bucket_counts();
        assert_eq!(counts.len(), Histogram::MAX_BUCKETS + 1);
        assert_eq!((counts[0], counts[39], counts[40]), (1, 2, 4));
    }

    #[test]
    fn nanoseconds_fall_in_the_same_buckets_as_seconds() {
        let h = Histogram::new(&[-1.0, 0.000_001, 0.001]);
        h.observe_ns(0);
        h.observe_ns(1_000);
        h.observe_ns(1_001);
        h.observe_ns(1_000_000);
        h.observe_ns(5_000_000_000);
        assert_eq!(h.bucket_counts(), vec![0, 2, 2, 1]);
        assert!((h.sum() - 5.001_002_001).abs() < 1e-9);
    }

    #[test]
    fn linear_and_exponential_bounds() {
        assert_eq!(Histogram::linear(1.0, 0.5, 3).bounds(), &[1.0, 1.5, 2.0]);
        assert_eq!(
            Histogram::exponential(64.0, 2.0, 4).bounds(),
            &[64.0, 128.0, 256.0, 512.0]
        );
    }

    #[test]
    #[should_panic(expected = "strictly increasing")]
    fn unsorted_bounds_panic_with_a_message() {
        let _ = Histogram::new(&[2.0, 1.0]);
    }

    #[test]
    #[should_panic(expected = "at least one bucket")]
    fn empty_bounds_panic_with_a_message() {
        let _ = Histogram::linear(0.0, 1.0, 0);
    }

    #[test]
    #[should_panic(expected = "NaN")]
    fn nan_bounds_panic_with_a_message() {
        let _ = Histogram::new(&[1.0, f64::NAN]);
    }

    #[test]
    fn timer_records_elapsed_time() {
        let h = Histogram::for_durations();
        {
            let _t = h.start_timer();
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert_eq!(h.count(), 1);
        // The timer's clock agrees with the OS clock within 1%.
        assert!(h.sum() >= 0.002 * 0.99, "{}", h.sum());
    }
}
