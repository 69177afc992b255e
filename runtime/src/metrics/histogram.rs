//! A histogram with bucket bounds fixed at compile time.
//!
//! A `static` is written `Histogram` whatever its bucket count: its buckets are allocated,
//! sized to its bounds, when it is first used, and from then on recording never allocates
//! or locks.
//! The observation count is not stored: it is the sum of the buckets, which keeps the hot path
//! to one bucket add and one sum add and makes count and buckets always agree.
//!
//! Why this file is long: a third of it is the tests that pin down which bucket each value
//! lands in, kept beside the search they check.

use crate::clock::{end_of, nanos_between, tick, ticks_above, ticks_to_nanos, Tick, Ticks};
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

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

/// How a histogram's bounds are made. Given bounds are a `'static` slice already; computed
/// ones (linear, exponential) are kept as their parameters, because a `const fn` has nowhere
/// `'static` to put an array it computes, and made once when first needed.
#[derive(Debug, Clone, Copy)]
enum Bounds {
    Given(&'static [f64]),
    Linear {
        start: f64,
        width: f64,
        /// At most [`CAP`], so a byte: the enum stays three words.
        count: u8,
    },
    Exponential {
        start: f64,
        factor: f64,
        count: u8,
    },
    /// `2^lowest, 2^(lowest + 1), …`: a native histogram's boundaries, which the text
    /// formats do not list.
    Native {
        lowest: i16,
        count: u8,
    },
}

/// A set of bounds as the bucket search reads them, made once for every histogram with the
/// same bounds: each list ends with a sentinel that no value passes, so a scan needs no
/// length check.
struct Table {
    /// The bounds, then `+Inf`.
    bounds: Box<[f64]>,
    /// For durations counted without float arithmetic: the most whole nanoseconds at or
    /// under each bound, then `u64::MAX`, which no duration is above.
    at_most_ns: Box<[u64]>,
    /// How many bounds are negative: every duration is above them, so a search of
    /// nanoseconds starts past them.
    first_ns: usize,
    /// For timers, once the counter's scale is known: the fewest ticks above each bound
    /// (0 for a negative one, which every duration is above), then `u64::MAX`, above every
    /// duration in ticks.
    ticks: OnceLock<Box<[u64]>>,
}

impl Table {
    fn new(bounds: &[f64]) -> Self {
        // `as` saturates: a negative bound becomes 0 (and is skipped), a huge one u64::MAX.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let at_most = |b: f64| (b * 1e9) as u64;
        Self {
            bounds: bounds.iter().copied().chain([f64::INFINITY]).collect(),
            at_most_ns: bounds
                .iter()
                .map(|&b| at_most(b))
                .chain([u64::MAX])
                .collect(),
            first_ns: bounds.iter().take_while(|&&b| b < 0.0).count(),
            ticks: OnceLock::new(),
        }
    }

    /// The limits in ticks, once the counter's scale is known.
    fn ticks(&self) -> Option<&[u64]> {
        if let Some(ticks) = self.ticks.get() {
            return Some(ticks);
        }
        let last = self.at_most_ns.len() - 1;
        let made = (self.at_most_ns.iter().enumerate())
            .map(|(i, &at_most)| match i {
                i if i < self.first_ns => Some(0),
                i if i == last => Some(u64::MAX),
                _ => ticks_above(at_most),
            })
            .collect::<Option<Box<[u64]>>>()?;
        Some(self.ticks.get_or_init(|| made))
    }

    /// The finite bounds.
    fn finite(&self) -> &[f64] {
        &self.bounds[..self.bounds.len() - 1]
    }

    /// The table for `bounds`, made at most once per distinct set.
    fn of(bounds: &[f64]) -> &'static Table {
        static MADE: Mutex<Vec<&'static Table>> = Mutex::new(Vec::new());
        let mut made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
        let same = |t: &&&'static Table| {
            let theirs = t.finite();
            theirs.len() == bounds.len()
                && theirs
                    .iter()
                    .zip(bounds)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
        };
        if let Some(table) = made.iter().find(same) {
            return table;
        }
        let table: &'static Table = Box::leak(Box::new(Table::new(bounds)));
        made.push(table);
        table
    }
}

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
///
/// A histogram takes 48 bytes in its `static`. Its buckets and sums are allocated when it
/// first records, 8 bytes per bucket and 24 for the sums, so memory follows the bounds it
/// has (until then it reads as zeros); the bounds themselves (and their limits in timer
/// ticks) are kept once for all histograms that have the same.
#[derive(Debug)]
pub struct Histogram {
    bounds: Bounds,
    /// Null until the first use; then the buckets, one more than the bounds (the last is
    /// the `+Inf` bucket), non-cumulative, living as long as the histogram. The sums are
    /// allocated with them, just before the first ([`SUMS`] cells, see [`Sum`]), so that
    /// a histogram never used takes its static alone.
    buckets: AtomicPtr<AtomicU64>,
    /// The bounds as searched; set before `buckets`.
    table: AtomicPtr<Table>,
    /// The table's limits in ticks, for timers: set after `buckets`, once the counter's
    /// scale is known. From then on every timer starts on the counter, so that a timer's
    /// record tests this pointer and the sign of its ticks, nothing else.
    limits: AtomicPtr<u64>,
}

/// The sums kept before a histogram's buckets, by their distance back from the first.
#[derive(Clone, Copy)]
enum Sum {
    /// Timers' durations in ticks, scaled when read: next to the buckets, where a timer's
    /// record adds it with no more arithmetic than a bucket's.
    Ticks = 1,
    /// Durations given in nanoseconds.
    Nanos = 2,
    /// Other values, as `f64` bits.
    Bits = 3,
}

/// How many sums are kept before the buckets.
const SUMS: usize = 3;

/// `2^exponent`, exactly, for an exponent a normal `f64` has (-1022 to 1023): its bits are
/// the biased exponent alone.
const fn power_of_two(exponent: i32) -> f64 {
    #[allow(clippy::cast_sign_loss)] // checked positive by `Histogram::native`
    let biased = (exponent + 1023) as u64;
    f64::from_bits(biased << 52)
}

/// Panics, in a `const` context at compile time, unless `bounds` can be a histogram's.
const fn check(bounds: &[f64]) {
    assert!(
        !bounds.is_empty(),
        "meterbox: a histogram needs at least one bucket bound"
    );
    assert!(
        bounds.len() <= CAP,
        "meterbox: a histogram has at most Histogram::MAX_BUCKETS (40) bucket bounds"
    );
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
        i += 1;
    }
}

impl Bounds {
    /// The bounds, into `out`; how many.
    const fn compute(self, out: &mut [f64; CAP]) -> usize {
        match self {
            Bounds::Given(given) => {
                let mut i = 0;
                while i < given.len() && i < CAP {
                    out[i] = given[i];
                    i += 1;
                }
                i
            }
            Bounds::Linear {
                start,
                width,
                count,
            } => {
                let mut i = 0;
                while i < count as usize && i < CAP {
                    #[allow(clippy::cast_precision_loss)] // i < 40
                    let steps = i as f64;
                    out[i] = start + width * steps;
                    i += 1;
                }
                i
            }
            Bounds::Exponential {
                start,
                factor,
                count,
            } => {
                let mut i = 0;
                let mut b = start;
                while i < count as usize && i < CAP {
                    out[i] = b;
                    b *= factor;
                    i += 1;
                }
                i
            }
            Bounds::Native { lowest, count } => {
                let mut i = 0;
                while i < count as usize && i < CAP {
                    #[allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]
                    let exponent = lowest as i32 + i as i32; // i < 40
                    out[i] = power_of_two(exponent);
                    i += 1;
                }
                i
            }
        }
    }

    /// `count` as a computed bound set keeps it, once it is known to be 1 to [`CAP`].
    const fn count(count: usize) -> u8 {
        assert!(
            count > 0,
            "meterbox: a histogram needs at least one bucket bound"
        );
        assert!(
            count <= CAP,
            "meterbox: a histogram has at most Histogram::MAX_BUCKETS (40) bucket bounds"
        );
        #[allow(clippy::cast_possible_truncation)] // at most 40
        let count = count as u8;
        count
    }

    /// Checks computed bounds as [`Histogram::new`] checks given ones.
    const fn checked(self) -> Self {
        let mut bounds = [0.0; CAP];
        let n = self.compute(&mut bounds);
        check(bounds.split_at(n).0);
        self
    }

    /// The table of these bounds.
    fn table(self) -> &'static Table {
        let mut out = [0.0; CAP];
        let n = self.compute(&mut out);
        Table::of(&out[..n])
    }
}

impl Histogram {
    /// The most finite bucket bounds a histogram can have.
    pub const MAX_BUCKETS: usize = CAP;

    const fn with_bounds(bounds: Bounds) -> Self {
        Self {
            bounds,
            buckets: AtomicPtr::new(core::ptr::null_mut()),
            table: AtomicPtr::new(core::ptr::null_mut()),
            limits: AtomicPtr::new(core::ptr::null_mut()),
        }
    }

    /// A histogram with the given upper bounds (a `+Inf` bucket is always added).
    ///
    /// # Panics
    ///
    /// When `bounds` is empty, longer than [`Histogram::MAX_BUCKETS`], holds NaN or an infinity, or is not
    /// strictly increasing. In a `static` this is a compile-time error.
    #[must_use]
    pub const fn new(bounds: &'static [f64]) -> Self {
        check(bounds);
        Self::with_bounds(Bounds::Given(bounds))
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
        Self::with_bounds(
            Bounds::Linear {
                start,
                width,
                count: Bounds::count(count),
            }
            .checked(),
        )
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
        Self::with_bounds(
            Bounds::Exponential {
                start,
                factor,
                count: Bounds::count(count),
            }
            .checked(),
        )
    }

    /// A native histogram: `count` buckets at the powers of two from `2^lowest` up, which
    /// Prometheus stores as one native histogram when it scrapes the protobuf format
    /// (feature `protobuf`, and a Prometheus with `--enable-feature=native-histograms`).
    /// The text formats show only its `+Inf` bucket, sum and count: three series whatever
    /// its buckets. The JSON and table formats, snapshots and pushes other than text have
    /// every bucket.
    ///
    /// In the native form, what is at or under `2^lowest` is the zero bucket, and what is
    /// above the highest bound counts in the bucket just above it.
    ///
    /// ```
    /// use meterbox::{metric, Histogram};
    ///
    /// /// Time waiting for a lock.
    /// #[metric(unit = "seconds")]
    /// static LOCK_WAIT_SECONDS: Histogram = Histogram::native(-20, 30);
    ///
    /// LOCK_WAIT_SECONDS.observe(0.003);
    /// assert_eq!(LOCK_WAIT_SECONDS.bounds()[0], 2f64.powi(-20));
    /// assert!(LOCK_WAIT_SECONDS.is_native());
    /// ```
    ///
    /// # Panics
    ///
    /// When `count` is under 2 or above [`Histogram::MAX_BUCKETS`], or a bound is not a
    /// normal `f64` (`lowest` under -1022, or `lowest + count - 1` above 1023).
    #[must_use]
    pub const fn native(lowest: i32, count: usize) -> Self {
        assert!(
            count >= 2,
            "meterbox: a native histogram needs at least two bucket bounds"
        );
        let count = Bounds::count(count);
        assert!(
            lowest >= -1022 && lowest + count as i32 - 1 <= 1023,
            "meterbox: native histogram bounds are powers of two from 2^-1022 to 2^1023"
        );
        #[allow(clippy::cast_possible_truncation)] // checked to be within ±1023
        let lowest = lowest as i16;
        Self::with_bounds(Bounds::Native { lowest, count })
    }

    /// A native histogram of durations in seconds: 40 powers of two from 2^-20 s (about
    /// 1 µs) to 2^19 s (six days), as fine as [`DEFAULT_DURATION_BUCKETS`] (each bound
    /// twice the one before). See [`Histogram::native`].
    #[must_use]
    pub const fn native_durations() -> Self {
        Self::native(-20, 40)
    }

    /// What `#[timed]` records into when it is given no buckets: [`Histogram::for_durations`],
    /// or with the `native-histograms` feature [`Histogram::native_durations`].
    #[doc(hidden)]
    #[must_use]
    pub const fn for_timing() -> Self {
        if cfg!(feature = "native-histograms") {
            Self::native_durations()
        } else {
            Self::for_durations()
        }
    }

    /// [`Histogram::for_timing`], evaluated once: a `static` made from this constant costs
    /// the compiler no evaluation of its own, which for thousands of timed functions counts.
    #[doc(hidden)]
    #[allow(clippy::declare_interior_mutable_const)] // only ever a static's initial value
    pub const TIMING: Self = Self::for_timing();

    /// Whether this is a [native](Histogram::native) histogram, whose buckets the text
    /// formats do not list.
    #[must_use]
    pub const fn is_native(&self) -> bool {
        matches!(self.bounds, Bounds::Native { .. })
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

    /// The buckets' first, allocated at the first use, and the table.
    #[inline(always)]
    fn cells(&self) -> (*const AtomicU64, &'static Table) {
        let buckets = self.buckets.load(Ordering::Acquire);
        if buckets.is_null() {
            return self.allocate();
        }
        (buckets, self.table())
    }

    /// The table, once the buckets are allocated (it is set before them).
    #[inline(always)]
    fn table(&self) -> &'static Table {
        // SAFETY: set before `buckets`, from a leaked table, and never changed after.
        #[allow(unsafe_code)]
        unsafe {
            &*self.table.load(Ordering::Relaxed)
        }
    }

    /// The buckets as a slice, if allocated: a histogram never used reads as zeros without
    /// allocating.
    fn buckets(&self) -> Option<&[AtomicU64]> {
        let buckets = self.buckets.load(Ordering::Acquire);
        if buckets.is_null() {
            return None;
        }
        let len = self.table().bounds.len();
        // SAFETY: `len` buckets (the bounds and `+Inf`) were allocated at `buckets`, and
        // live until `drop`, which no borrow of `self` outlives.
        #[allow(unsafe_code)]
        Some(unsafe { core::slice::from_raw_parts(buckets, len) })
    }

    #[cold]
    #[inline(never)]
    fn allocate(&self) -> (*const AtomicU64, &'static Table) {
        let table = self.bounds.table();
        // Every thread that gets here sets the same table.
        self.table
            .store(core::ptr::from_ref(table).cast_mut(), Ordering::Release);
        let cells = SUMS + table.bounds.len();
        let made: Box<[AtomicU64]> = (0..cells).map(|_| AtomicU64::new(0)).collect();
        // SAFETY: `SUMS` cells into an allocation of more.
        #[allow(unsafe_code)]
        let made = unsafe { Box::into_raw(made).cast::<AtomicU64>().add(SUMS) };
        let buckets = match self.buckets.compare_exchange(
            core::ptr::null_mut(),
            made,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => made,
            Err(theirs) => {
                // Another thread allocated them first.
                // SAFETY: `made` is `SUMS` cells into the allocation of `cells` made just
                // above, never shared.
                #[allow(unsafe_code)]
                drop(unsafe {
                    Box::from_raw(core::ptr::slice_from_raw_parts_mut(made.sub(SUMS), cells))
                });
                theirs
            }
        };
        (buckets, table)
    }

    /// Records one value. NaN lands in the `+Inf` bucket and makes the sum NaN, as in
    /// Prometheus' own clients.
    #[inline]
    pub fn observe(&self, value: f64) {
        if !crate::ENABLED {
            return;
        }
        let buckets = self.buckets.load(Ordering::Acquire);
        if buckets.is_null() {
            return self.observe_first(value);
        }
        // The sum first: the value is then not needed after the bucket search.
        super::add_f64(self.sum_of(buckets, Sum::Bits), value);
        let bucket = self.search(buckets, value);
        bucket.fetch_add(1, Ordering::Relaxed);
        if super::recording::RECORDING {
            super::recording::histogram(self, self.index_of(bucket), value);
        }
    }

    /// A first record, which allocates the buckets.
    #[cold]
    #[inline(never)]
    fn observe_first(&self, value: f64) {
        self.allocate();
        self.observe(value);
    }

    /// Records a duration given in nanoseconds; the value is exported in seconds.
    #[inline]
    pub fn observe_ns(&self, nanos: u64) {
        if !crate::ENABLED {
            return;
        }
        let bucket = self.bucket_ns(nanos);
        self.count_ns(bucket, nanos);
    }

    #[inline(always)]
    fn count_ns(&self, bucket: &AtomicU64, nanos: u64) {
        bucket.fetch_add(1, Ordering::Relaxed);
        self.sum_cell(Sum::Nanos)
            .fetch_add(nanos, Ordering::Relaxed);
        if super::recording::RECORDING {
            #[allow(clippy::cast_precision_loss)] // as the exported sum is computed
            let seconds = nanos as f64 * 1e-9;
            super::recording::histogram(self, self.index_of(bucket), seconds);
        }
    }

    /// Back to zero, for a removed series. An observation racing the reset may be kept in
    /// part (its bucket without its sum, or the other way round).
    pub(crate) fn reset(&self) {
        if let Some(buckets) = self.buckets() {
            for cell in buckets.iter().chain(self.sums()) {
                cell.store(0, Ordering::Relaxed);
            }
        }
    }

    /// One of the sums, once the buckets are allocated: only after a bucket was found.
    #[inline(always)]
    fn sum_cell(&self, sum: Sum) -> &AtomicU64 {
        // A bucket was found on this thread, so the pointer it loaded is set.
        self.sum_of(self.buckets.load(Ordering::Relaxed), sum)
    }

    /// One of the sums before `buckets`, this histogram's, allocated.
    #[inline(always)]
    #[allow(clippy::unused_self)] // `self` bounds how long the cell is borrowed
    fn sum_of(&self, buckets: *const AtomicU64, sum: Sum) -> &AtomicU64 {
        debug_assert!(!buckets.is_null());
        // SAFETY: the buckets are allocated `SUMS` cells after the sums, and live as long
        // as the histogram; `sum` is 1 to `SUMS` back.
        #[allow(unsafe_code)]
        unsafe {
            &*buckets.sub(sum as usize)
        }
    }

    /// The sums, if allocated.
    fn sums(&self) -> &[AtomicU64] {
        let buckets = self.buckets.load(Ordering::Acquire);
        if buckets.is_null() {
            return &[];
        }
        // SAFETY: the `SUMS` cells before the buckets, allocated with them and living as
        // long.
        #[allow(unsafe_code)]
        unsafe {
            core::slice::from_raw_parts(buckets.sub(SUMS), SUMS)
        }
    }

    /// The position of one of this histogram's buckets.
    pub(super) fn index_of(&self, bucket: &AtomicU64) -> usize {
        let start = self.cells().0 as usize;
        (core::ptr::from_ref(bucket) as usize - start) / core::mem::size_of::<AtomicU64>()
    }

    /// The bucket of `value`: the first bound at or above it, the `+Inf` bucket past them
    /// all or for NaN. Out of line, as the search is the larger part of a record: inlined
    /// into every timed function, it would cost build time for a few instructions.
    #[inline(never)]
    pub(super) fn bucket(&self, value: f64) -> &AtomicU64 {
        let buckets = self.buckets.load(Ordering::Acquire);
        if buckets.is_null() {
            // A tail call, so that the common path saves no registers for it.
            return self.first_bucket(value);
        }
        self.search(buckets, value)
    }

    /// The bucket of `value` among `buckets`, this histogram's, allocated. Out of line, as
    /// [`Histogram::bucket`] is.
    #[inline(never)]
    fn search(&self, buckets: *const AtomicU64, value: f64) -> &AtomicU64 {
        let table = self.table();
        let bounds = table.bounds.as_ptr();
        let mut i = 0;
        if value.is_nan() {
            i = table.bounds.len() - 1;
        } else {
            // SAFETY: the last bound is `+Inf`, which no value is above, so `i` stops at
            // the last index at the latest.
            #[allow(unsafe_code)]
            while value > unsafe { *bounds.add(i) } {
                i += 1;
            }
        }
        // SAFETY: `i` indexes the bounds, as many as the buckets.
        #[allow(unsafe_code)]
        unsafe {
            &*buckets.add(i)
        }
    }

    /// The bucket of a duration in nanoseconds, as `bucket` does it for seconds, with
    /// integer comparisons only. Out of line, as `bucket` is.
    #[inline(never)]
    pub(super) fn bucket_ns(&self, nanos: u64) -> &AtomicU64 {
        let buckets = self.buckets.load(Ordering::Acquire);
        if buckets.is_null() {
            return self.first_bucket_ns(nanos);
        }
        self.search_ns(buckets, nanos)
    }

    /// The bucket of `nanos` among `buckets`, this histogram's, allocated.
    #[inline(always)]
    fn search_ns(&self, buckets: *const AtomicU64, nanos: u64) -> &AtomicU64 {
        let table = self.table();
        let at_most = table.at_most_ns.as_ptr();
        let mut i = table.first_ns;
        // SAFETY: the last entry is u64::MAX, which no duration is above, so `i` stops at
        // the last index at the latest.
        #[allow(unsafe_code)]
        while nanos > unsafe { *at_most.add(i) } {
            i += 1;
        }
        // SAFETY: `i` indexes the bounds, as many as the buckets.
        #[allow(unsafe_code)]
        unsafe {
            &*buckets.add(i)
        }
    }

    #[cold]
    #[inline(never)]
    fn first_bucket(&self, value: f64) -> &AtomicU64 {
        self.allocate();
        self.bucket(value)
    }

    #[cold]
    #[inline(never)]
    fn first_bucket_ns(&self, nanos: u64) -> &AtomicU64 {
        self.allocate();
        self.bucket_ns(nanos)
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
    pub fn bounds(&self) -> &'static [f64] {
        match self.bounds {
            Bounds::Given(given) => given,
            // Computed bounds are looked up among the tables made only until this
            // histogram holds its own: renders read the bounds of every histogram.
            computed if self.buckets.load(Ordering::Acquire).is_null() => computed.table().finite(),
            _ => self.table().finite(),
        }
    }

    /// How many values were observed in each bucket, not cumulative; the last entry is the
    /// `+Inf` bucket, so there is one more entry than [`Histogram::bounds`].
    #[must_use]
    pub fn bucket_counts(&self) -> Vec<u64> {
        match self.buckets() {
            Some(buckets) => buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect(),
            None => vec![0; self.bounds().len() + 1],
        }
    }

    /// How many values were observed.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.buckets()
            .map_or(0, |b| b.iter().map(|b| b.load(Ordering::Relaxed)).sum())
    }

    /// The sum of every observed value.
    #[must_use]
    #[allow(clippy::cast_precision_loss)] // a sum above 2^53 ns (104 days) loses sub-ns digits
    pub fn sum(&self) -> f64 {
        let sums = self.sums();
        let read = |sum: Sum| {
            sums.get(SUMS - sum as usize)
                .map_or(0, |s| s.load(Ordering::Relaxed))
        };
        // Ticks are only counted once their scale is known.
        let ticks = ticks_to_nanos(read(Sum::Ticks)).unwrap_or(0);
        let nanos = read(Sum::Nanos).saturating_add(ticks);
        f64::from_bits(read(Sum::Bits)) + nanos as f64 * 1e-9
    }
}

impl Drop for Histogram {
    fn drop(&mut self) {
        let buckets = *self.buckets.get_mut();
        if !buckets.is_null() {
            let cells = SUMS + self.table().bounds.len();
            // SAFETY: a non-null pointer is `SUMS` cells into the allocation of `cells`
            // made in `allocate`, and `&mut self` means no borrow of them is left.
            #[allow(unsafe_code)]
            drop(unsafe {
                Box::from_raw(core::ptr::slice_from_raw_parts_mut(
                    buckets.sub(SUMS),
                    cells,
                ))
            });
        }
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
    /// The clock is read here, where the timed code ends; the rest is one call, which keeps
    /// what every timed function compiles to short.
    #[inline]
    fn drop(&mut self) {
        let end = end_of(self.start);
        self.histogram.observe_since(self.start, end);
    }
}

impl Histogram {
    /// Records the time from `start` to `end`, the clock's reading where a timer ended: in
    /// ticks, against the limits in ticks, as one call without calls of its own. Until the
    /// limits are set (a first use, a counter not yet measured or not used) the record
    /// goes the slow way, and so does an end that reads before its start. `extern "C"`, so
    /// that it cannot unwind and a timed function needs no cleanup path around it.
    #[inline(never)]
    pub(crate) extern "C" fn observe_since(&self, start: Tick, end: u64) {
        if !crate::ENABLED {
            return;
        }
        let limits = self.limits.load(Ordering::Acquire);
        match start.ticks_to(end) {
            Some(ticks) if !limits.is_null() => self.count_ticks(limits, ticks),
            // A tail call, so that the common path saves no registers for it.
            _ => self.observe_since_slowly(start, end),
        }
    }

    /// Counts `ticks` into the bucket whose limit is the first above them.
    #[inline(always)]
    fn count_ticks(&self, limits: *const u64, ticks: Ticks) {
        // Set before `limits`, which was loaded with `Acquire`.
        let buckets = self.buckets.load(Ordering::Relaxed);
        let elapsed = ticks.get();
        let mut i = 0;
        // SAFETY: `limits` is the table's, one per bucket, the last `u64::MAX`, which
        // `Ticks` (below 2^63) never reach, so `i` stops at the last bucket at the latest.
        #[allow(unsafe_code)]
        while elapsed >= unsafe { *limits.add(i) } {
            i += 1;
        }
        // SAFETY: `i` indexes the limits, as many as the buckets.
        #[allow(unsafe_code)]
        let bucket = unsafe { &*buckets.add(i) };
        bucket.fetch_add(1, Ordering::Relaxed);
        self.sum_of(buckets, Sum::Ticks)
            .fetch_add(elapsed, Ordering::Relaxed);
        if super::recording::RECORDING || cfg!(feature = "opentelemetry") {
            self.counted_ticks(i, elapsed);
        }
    }

    /// What else follows a duration counted in ticks: a capture's record, an exemplar.
    #[inline(never)]
    fn counted_ticks(&self, bucket: usize, ticks: u64) {
        let nanos = ticks_to_nanos(ticks).unwrap_or(0);
        if super::recording::RECORDING {
            #[allow(clippy::cast_precision_loss)] // as the exported sum is computed
            super::recording::histogram(self, bucket, nanos as f64 * 1e-9);
        }
        #[cfg(feature = "opentelemetry")]
        self.keep_span_exemplar_ns(nanos);
        let _ = (bucket, nanos);
    }

    /// As [`Histogram::observe_since`] does it, the slow way; `extern "C"` as it is, so that
    /// it can be its tail call.
    #[cold]
    #[inline(never)]
    extern "C" fn observe_since_slowly(&self, start: Tick, end: u64) {
        if start.on_counter() {
            if let (Some(ticks), Some(limits)) = (start.ticks_to(end), self.limits()) {
                return self.count_ticks(limits, ticks);
            }
        }
        let nanos = nanos_between(start, end);
        self.observe_ns(nanos);
        #[cfg(feature = "opentelemetry")]
        self.keep_span_exemplar_ns(nanos);
    }

    /// The limits in ticks, once the counter's scale is known, allocating the buckets if
    /// they are not yet.
    fn limits(&self) -> Option<*const u64> {
        let limits = self.cells().1.ticks()?.as_ptr();
        self.limits.store(limits.cast_mut(), Ordering::Release);
        Some(limits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timer_counted_in_ticks_lands_where_its_nanoseconds_would() {
        crate::clock::tests::measured_scale();
        let bounds = &[-1.0, 0.0, 1e-9, 2.5e-9, 1e-6, 0.001, 1.0, 1e12];
        let (by_ticks, by_nanos) = (Histogram::new(bounds), Histogram::new(bounds));
        let start = 1_000;
        let mut observed = 0;
        for nanos in [
            0,
            1,
            2,
            3,
            999,
            1_000,
            1_001,
            999_999,
            1_000_000,
            999_999_999,
        ] {
            let fewest = ticks_above(nanos).expect("measured");
            for ticks in [fewest.saturating_sub(1), fewest, fewest + 1] {
                by_ticks.observe_since(Tick::at(start), start + ticks);
                by_nanos.observe_ns(ticks_to_nanos(ticks).expect("measured"));
                observed += 1;
            }
        }
        // An end before its start is a duration of 0.
        by_ticks.observe_since(Tick::at(start), start - 1);
        by_nanos.observe_ns(0);
        assert!(!by_ticks.limits.load(Ordering::Relaxed).is_null());
        assert_eq!(by_ticks.bucket_counts(), by_nanos.bucket_counts());
        assert_eq!(by_ticks.bucket_counts()[..2], [0, 2]);
        // The sum of ticks is scaled once: at most a nanosecond a duration above the
        // durations scaled one by one.
        let over = by_ticks.sum() - by_nanos.sum();
        assert!((0.0..=f64::from(observed) * 1e-9).contains(&over), "{over}");
    }

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
