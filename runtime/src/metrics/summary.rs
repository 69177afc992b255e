//! A summary: quantiles over a sliding time window, from a mergeable log-scale sketch.
//!
//! Each slice of the window counts observations into buckets whose bounds grow by a factor
//! γ = (1 + α) / (1 − α); answering a quantile with the bucket's harmonic midpoint is then
//! within a relative error α of the exact value (the DDSketch bound). Slices rotate as time
//! passes, so the quantiles cover only the recent window; `_sum` and `_count` are totals
//! since start, as Prometheus expects.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use crate::clock::{monotonic, Clock};

/// The relative error of a summary's quantiles: 1%.
pub const SUMMARY_RELATIVE_ERROR: f64 = 0.01;

/// Smallest value told apart by a summary's quantiles; smaller ones (zero and negative
/// values included) are answered as 0.
pub const SUMMARY_MIN_VALUE: f64 = 1e-9;

/// Largest value told apart; larger ones are answered as this.
pub const SUMMARY_MAX_VALUE: f64 = 1e9;

/// The quantiles a summary exports unless told otherwise.
pub const DEFAULT_QUANTILES: [f64; 3] = [0.5, 0.9, 0.99];

const GAMMA: f64 = (1.0 + SUMMARY_RELATIVE_ERROR) / (1.0 - SUMMARY_RELATIVE_ERROR);

/// ln(MAX / MIN) / ln γ, rounded up: 2,073 buckets per slice.
const BUCKETS: usize = 2_073;

const MAX_SLICES: usize = 60;

struct Slice {
    /// Which slice of time the counts belong to: `now / slice length`.
    epoch: AtomicU64,
    /// Values under [`SUMMARY_MIN_VALUE`].
    low: AtomicU32,
    counts: Box<[AtomicU32]>,
}

struct Window {
    slices: Box<[Slice]>,
    rotate: Mutex<()>,
}

/// Quantiles of observed values over a sliding time window, such as latencies for the last
/// ten minutes:
///
/// ```
/// use meterbox::{metric, Summary};
///
/// /// Time to render a page.
/// #[metric(unit = "seconds")]
/// static RENDER_SECONDS: Summary = Summary::new();
///
/// RENDER_SECONDS.observe(0.25);
/// let median = RENDER_SECONDS.quantile(0.5).unwrap();
/// assert!((median - 0.25).abs() <= 0.25 * 0.01);
/// ```
///
/// The window is 10 minutes in 5 slices by default ([`Summary::with_window`]); every
/// quantile of the window is within a relative error of [`SUMMARY_RELATIVE_ERROR`] (1%) of
/// the exact one, for values between [`SUMMARY_MIN_VALUE`] and [`SUMMARY_MAX_VALUE`]. The
/// exported quantiles are [`DEFAULT_QUANTILES`] unless set with [`Summary::with_quantiles`].
///
/// Storage is allocated on the first observation: about 41 KB per slice (32-bit counts,
/// so at most 2^32 observations per slice). An observation that races a slice's rotation
/// may be counted in the slice being retired.
pub struct Summary {
    quantiles: &'static [f64],
    slice_ms: u64,
    slices: usize,
    clock: Clock,
    count: AtomicU64,
    sum_bits: AtomicU64,
    window: OnceLock<Window>,
}

/// The bucket of a value at or above [`SUMMARY_MIN_VALUE`].
fn bucket_of(value: f64) -> usize {
    let index = (value / SUMMARY_MIN_VALUE).ln() / GAMMA.ln();
    // Non-negative and finite here; the cast saturates and the min clamps.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let index = index as usize;
    index.min(BUCKETS - 1)
}

/// The value a bucket answers with: within α of both of its bounds.
fn bucket_value(index: usize) -> f64 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
    let lower = SUMMARY_MIN_VALUE * GAMMA.powi(index as i32);
    (lower * 2.0 * GAMMA / (GAMMA + 1.0)).min(SUMMARY_MAX_VALUE)
}

impl Summary {
    /// A summary over the last 10 minutes in 5 slices, exporting the median, p90 and p99.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            quantiles: &DEFAULT_QUANTILES,
            slice_ms: 120_000,
            slices: 5,
            clock: monotonic,
            count: AtomicU64::new(0),
            sum_bits: AtomicU64::new(0),
            window: OnceLock::new(),
        }
    }

    /// The same summary over a window of `window`, kept as `slices` slices (1 to 60): the
    /// window moves on one slice at a time.
    ///
    /// # Panics
    ///
    /// When `slices` is 0 or above 60, or a slice would be under a millisecond; in a
    /// `static` this is a compile-time error.
    #[must_use]
    #[allow(clippy::cast_possible_truncation)] // checked against u64::MAX just before
    pub const fn with_window(mut self, window: Duration, slices: usize) -> Self {
        assert!(
            slices > 0 && slices <= MAX_SLICES,
            "meterbox: a summary window has 1 to 60 slices"
        );
        let ms = window.as_millis() / slices as u128;
        assert!(
            ms > 0,
            "meterbox: a summary slice is at least a millisecond"
        );
        assert!(
            ms <= u64::MAX as u128,
            "meterbox: a summary window is too long"
        );
        self.slice_ms = ms as u64;
        self.slices = slices;
        self
    }

    /// The same summary exporting these quantiles, each in [0, 1].
    ///
    /// # Panics
    ///
    /// When a quantile is outside [0, 1]; in a `static` this is a compile-time error.
    #[must_use]
    pub const fn with_quantiles(mut self, quantiles: &'static [f64]) -> Self {
        let mut i = 0;
        while i < quantiles.len() {
            assert!(
                quantiles[i] >= 0.0 && quantiles[i] <= 1.0,
                "meterbox: a quantile is between 0 and 1"
            );
            i += 1;
        }
        self.quantiles = quantiles;
        self
    }

    /// The same summary reading time from `clock`, for tests that step time by hand.
    #[must_use]
    pub const fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// A new summary at zero with this one's settings.
    pub(crate) fn settings(&self) -> Self {
        Self {
            quantiles: self.quantiles,
            slice_ms: self.slice_ms,
            slices: self.slices,
            clock: self.clock,
            count: AtomicU64::new(0),
            sum_bits: AtomicU64::new(0),
            window: OnceLock::new(),
        }
    }

    /// The quantiles exported.
    #[must_use]
    pub fn quantiles(&self) -> &'static [f64] {
        self.quantiles
    }

    fn epoch(&self) -> u64 {
        let ms = (self.clock)().as_millis() / u128::from(self.slice_ms);
        u64::try_from(ms).unwrap_or(u64::MAX)
    }

    fn window(&self) -> &Window {
        self.window.get_or_init(|| Window {
            slices: (0..self.slices)
                .map(|_| Slice {
                    epoch: AtomicU64::new(0),
                    low: AtomicU32::new(0),
                    counts: (0..BUCKETS).map(|_| AtomicU32::new(0)).collect(),
                })
                .collect(),
            rotate: Mutex::new(()),
        })
    }

    /// Records one value. NaN is ignored.
    pub fn observe(&self, value: f64) {
        if !crate::ENABLED || value.is_nan() {
            return;
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        super::add_f64(&self.sum_bits, value);
        if super::recording::RECORDING {
            super::recording::summary(self, value);
        }
        let epoch = self.epoch();
        let window = self.window();
        let slice = &window.slices[usize::try_from(epoch % self.slices as u64).unwrap_or(0)];
        if slice.epoch.load(Ordering::Acquire) != epoch {
            Self::rotate(window, slice, epoch);
        }
        if value < SUMMARY_MIN_VALUE {
            slice.low.fetch_add(1, Ordering::Relaxed);
        } else {
            slice.counts[bucket_of(value)].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Clears a slice that last held an older stretch of time.
    #[cold]
    fn rotate(window: &Window, slice: &Slice, epoch: u64) {
        let _guard = window.rotate.lock().unwrap_or_else(PoisonError::into_inner);
        if slice.epoch.load(Ordering::Acquire) == epoch {
            return;
        }
        slice.low.store(0, Ordering::Relaxed);
        for count in &*slice.counts {
            count.store(0, Ordering::Relaxed);
        }
        slice.epoch.store(epoch, Ordering::Release);
    }

    /// Observations since start.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Sum of the observations since start.
    #[must_use]
    pub fn sum(&self) -> f64 {
        f64::from_bits(self.sum_bits.load(Ordering::Relaxed))
    }

    /// Back to zero, for a removed series: the count, the sum and every slice of the
    /// window, which keeps its storage.
    pub(crate) fn reset(&self) {
        if let Some(window) = self.window.get() {
            let _rotating = window.rotate.lock().unwrap_or_else(PoisonError::into_inner);
            for slice in &*window.slices {
                slice.low.store(0, Ordering::Relaxed);
                for count in &*slice.counts {
                    count.store(0, Ordering::Relaxed);
                }
            }
        }
        self.count.store(0, Ordering::Relaxed);
        self.sum_bits.store(0, Ordering::Relaxed);
    }

    /// The counts of the current window, merged into `into` (low values first, then each
    /// bucket); summaries merge by adding these.
    pub(crate) fn merge_window(&self, into: &mut WindowCounts) {
        let Some(window) = self.window.get() else {
            return;
        };
        let now = self.epoch();
        let oldest = now.saturating_sub(self.slices as u64 - 1);
        if into.counts.is_empty() {
            into.counts = vec![0; BUCKETS];
        }
        for slice in &*window.slices {
            let epoch = slice.epoch.load(Ordering::Acquire);
            if epoch < oldest || epoch > now {
                continue;
            }
            into.low += u64::from(slice.low.load(Ordering::Relaxed));
            for (total, count) in into.counts.iter_mut().zip(&*slice.counts) {
                *total += u64::from(count.load(Ordering::Relaxed));
            }
        }
    }

    /// The `q` quantile (0 to 1) of the values observed in the window; `None` when the
    /// window holds none or `q` is outside [0, 1].
    #[must_use]
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let mut counts = WindowCounts::default();
        self.merge_window(&mut counts);
        counts.quantile(q)
    }
}

/// A window's counts, merged from one or more summaries.
#[derive(Default)]
pub(crate) struct WindowCounts {
    low: u64,
    counts: Vec<u64>,
}

impl WindowCounts {
    /// The nearest-rank quantile: the ⌈q·n⌉-th smallest of the n values counted (the
    /// smallest for q = 0), within the relative error.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if !(0.0..=1.0).contains(&q) {
            return None;
        }
        let n = self.low + self.counts.iter().sum::<u64>();
        if n == 0 {
            return None;
        }
        // Exact for any count a window can hold (under 2^53).
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let rank = ((q * n as f64).ceil() as u64).max(1) - 1;
        if rank < self.low {
            return Some(0.0);
        }
        let mut seen = self.low;
        for (index, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen > rank {
                return Some(bucket_value(index));
            }
        }
        None
    }
}

impl Default for Summary {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for Summary {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Summary")
            .field("quantiles", &self.quantiles)
            .field("window_ms", &(self.slice_ms * self.slices as u64))
            .field("slices", &self.slices)
            .field("count", &self.count())
            .field("sum", &self.sum())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_count_covers_the_range() {
        let needed = (SUMMARY_MAX_VALUE / SUMMARY_MIN_VALUE).ln() / GAMMA.ln();
        assert!(
            needed.ceil() <= f64::from(u32::try_from(BUCKETS).unwrap()),
            "{needed}"
        );
        assert_eq!(bucket_of(SUMMARY_MAX_VALUE * 10.0), BUCKETS - 1);
    }

    #[test]
    fn a_bucket_answers_within_the_error_of_every_value_in_it() {
        for v in [1e-9, 3.3e-7, 0.001, 0.25, 1.0, 7.5, 12345.678, 9.9e8] {
            let answer = bucket_value(bucket_of(v));
            let error = (answer - v).abs() / v;
            assert!(error <= SUMMARY_RELATIVE_ERROR + 1e-12, "{v}: {answer}");
        }
    }
}
