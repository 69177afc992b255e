//! The floors: each operation written by hand with nothing but atomics, as the lower bound
//! an instrumentation library is measured against.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, OnceLock};
use std::time::Instant;

use crate::{with_buffer, Buffer, BOUNDS, OBSERVED, SERIES};

static CALLS: AtomicU64 = AtomicU64::new(0);
static HISTOGRAM: AtomicHistogram = AtomicHistogram::new();
static BY_REQUEST: [AtomicU64; 6] = [const { AtomicU64::new(0) }; 6];
static CLOCK: LazyLock<quanta::Clock> = LazyLock::new(quanta::Clock::new);
/// Nanoseconds per time-stamp-counter tick, times 2^32: loaded like a calibrated scale would
/// be; its value does not change what the floor costs.
static SCALE: AtomicU64 = AtomicU64::new(1 << 31);

/// The time-stamp counter (`rdtsc`).
#[inline(always)]
fn rdtsc() -> u64 {
    // SAFETY: `rdtsc` exists on every x86_64 CPU and has no preconditions.
    #[allow(unused_unsafe)]
    unsafe {
        std::arch::x86_64::_rdtsc()
    }
}

/// Ticks to nanoseconds: one multiply and a shift.
#[inline(always)]
fn scaled(ticks: u64) -> u64 {
    ((u128::from(ticks) * u128::from(SCALE.load(Ordering::Relaxed))) >> 32) as u64
}

/// A histogram of atomic buckets over [`BOUNDS`], with its sum as `f64` bits.
pub struct AtomicHistogram {
    buckets: [AtomicU64; BOUNDS.len() + 1],
    sum: AtomicU64,
}

impl AtomicHistogram {
    const fn new() -> Self {
        Self {
            buckets: [const { AtomicU64::new(0) }; BOUNDS.len() + 1],
            sum: AtomicU64::new(0),
        }
    }

    fn observe(&self, value: f64) {
        let bucket = BOUNDS
            .iter()
            .position(|&b| value <= b)
            .unwrap_or(BOUNDS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let mut old = self.sum.load(Ordering::Relaxed);
        while let Err(now) = self.sum.compare_exchange_weak(
            old,
            (f64::from_bits(old) + value).to_bits(),
            Ordering::Relaxed,
            Ordering::Relaxed,
        ) {
            old = now;
        }
    }

    /// Nanoseconds against the bounds in nanoseconds, the sum as an integer.
    fn observe_ns(&self, nanos: u64) {
        const NS: [u64; BOUNDS.len()] = {
            let mut ns = [0; BOUNDS.len()];
            let mut i = 0;
            while i < ns.len() {
                ns[i] = (BOUNDS[i] * 1e9) as u64;
                i += 1;
            }
            ns
        };
        let bucket = NS.iter().position(|&b| nanos <= b).unwrap_or(NS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(nanos, Ordering::Relaxed);
    }
}

/// A relaxed add on a static atomic: what counting a call costs at the least.
#[inline(never)]
pub fn count() {
    CALLS.fetch_add(1, Ordering::Relaxed);
}

/// Two time-stamp-counter reads, scaled to nanoseconds, recorded into atomic buckets.
#[inline(never)]
pub fn time() {
    let start = rdtsc();
    black_box(());
    HISTOGRAM.observe_ns(scaled(rdtsc() - start));
}

/// The clock alone: two time-stamp-counter reads, their difference scaled.
#[inline(never)]
pub fn clock_rdtsc() {
    let start = rdtsc();
    black_box(scaled(rdtsc() - start));
}

/// The `quanta` crate's clock alone: two reads of its calibrated counter and the difference.
#[inline(never)]
pub fn clock_quanta() {
    let start = CLOCK.raw();
    black_box(CLOCK.delta_as_nanos(start, CLOCK.raw()));
}

/// The operating system's clock alone: two `Instant` reads and their difference.
#[inline(never)]
pub fn clock_std() {
    black_box(black_box(Instant::now()).elapsed());
}

/// A bucket search, an add and a compare-exchange of the sum.
#[inline(never)]
pub fn observe() {
    HISTOGRAM.observe(black_box(OBSERVED));
}

/// Two enum labels as an index into an array of atomics.
#[inline(never)]
pub fn label_enum() {
    let (method, status) = black_box((1usize, 1usize));
    BY_REQUEST[method * 3 + status].fetch_add(1, Ordering::Relaxed);
}

static SERIES_LINES: OnceLock<Vec<(String, AtomicU64)>> = OnceLock::new();
static BUFFER: Buffer = Buffer::new(String::new());

/// Creates the render rows' series: a line prefix each, rendered once.
pub fn fill() {
    SERIES_LINES.get_or_init(|| {
        (0..SERIES)
            .map(|i| {
                let (path, value) = crate::series(i);
                (
                    format!("requests_total{{path=\"{path}\"}} "),
                    AtomicU64::new(value),
                )
            })
            .collect()
    });
}

/// Precomputed prefixes and `itoa` values into a reused buffer.
#[inline(never)]
pub fn render() -> usize {
    fill();
    let lines = SERIES_LINES.get().map_or(&[][..], Vec::as_slice);
    with_buffer(&BUFFER, |out| {
        out.clear();
        out.push_str("# HELP requests_total Requests by path.\n# TYPE requests_total counter\n");
        let mut number = itoa::Buffer::new();
        for (prefix, value) in lines {
            out.push_str(prefix);
            out.push_str(number.format(value.load(Ordering::Relaxed)));
            out.push('\n');
        }
        out.len()
    })
}

/// The last render.
pub fn text() -> String {
    with_buffer(&BUFFER, |out| out.clone())
}
