//! Clocks: the time source of the windowed and rated metrics (replaceable, so tests can
//! drive time), and the timer clock of `#[timed]` and `Histogram::start_timer`.
//!
//! The timer clock reads the CPU's time-stamp counter where it is invariant (x86_64, feature
//! `tsc`): one instruction, against about fifty for a read of the OS clock through the vDSO.
//! A timer records its duration in ticks, against bucket limits converted to ticks once, so
//! that neither end of a timer scales anything; the sum of ticks is scaled when read. The
//! scale is measured against the OS clock once per process, over the first 10 ms of both
//! clocks from the first timer on: durations that end before then are scaled by the measure
//! so far, and no caller ever waits for it. Where the counter is not invariant, or on other
//! architectures, timers read the OS clock, and a tick is a nanosecond.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A monotonic time source: how long since some fixed start. `Summary` and `Meter` take
/// one, so tests can step time by hand instead of sleeping.
pub type Clock = fn() -> Duration;

/// The process's monotonic clock: time since its first read.
#[must_use]
pub fn monotonic() -> Duration {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// Nanoseconds of [`monotonic`], the timer clock where no counter is used.
fn os_nanos() -> u64 {
    // Below 2^63 for three centuries, so never taken for [`OS_MARK`].
    u64::try_from(monotonic().as_nanos()).map_or(OS_MARK - 1, |n| n & !OS_MARK)
}

/// The top bit of a [`Tick`] read from the OS clock where the counter was to be read: no
/// counter reading has it (2^63 ticks are a century).
const OS_MARK: u64 = 1 << 63;

/// A timer's start: a reading of the counter (a tick is a nanosecond where it is not used),
/// or, marked by [`OS_MARK`], of the OS clock where the counter cannot be trusted.
#[derive(Debug, Clone, Copy)]
#[repr(transparent)]
pub(crate) struct Tick(u64);

/// Ticks elapsed, below 2^63, so that a search up to a `u64::MAX` sentinel always stops.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticks(u64);

impl Ticks {
    /// How many.
    #[inline(always)]
    pub(crate) fn get(self) -> u64 {
        self.0
    }
}

/// Now, for a timer.
#[inline(always)]
pub(crate) fn tick() -> Tick {
    timer::start()
}

/// Now, for the end of a timer started at some [`Tick`]: read where the timed code ends,
/// so that what follows can be out of line.
#[inline(always)]
pub(crate) fn end_of(_start: Tick) -> u64 {
    timer::now()
}

impl Tick {
    /// Whether this start is a reading of the counter (of the OS clock where none is used),
    /// which every start is once the counter's scale is known: a start is marked as on the
    /// OS clock only where no scale is ever kept (a counter that is not invariant, or that
    /// measured wrong).
    #[inline(always)]
    pub(crate) fn on_counter(self) -> bool {
        self.0 & OS_MARK == 0
    }

    /// The ticks from this start, [on the counter](Tick::on_counter), to `end`, its
    /// [`end_of`]; `None` when the end reads before it (counters of different cores may
    /// disagree by a little), or is far past it.
    #[inline(always)]
    pub(crate) fn ticks_to(self, end: u64) -> Option<Ticks> {
        let elapsed = end.wrapping_sub(self.0);
        (elapsed & OS_MARK == 0).then_some(Ticks(elapsed))
    }
}

/// Nanoseconds from `start` to `end`, its [`end_of`], whatever clock each was read from:
/// the slow way, for the durations that [`Tick::ticks_to`] cannot count.
pub(crate) fn nanos_between(start: Tick, end: u64) -> u64 {
    if start.0 & OS_MARK != 0 {
        return os_nanos().saturating_sub(start.0 & !OS_MARK);
    }
    timer::nanos(end.saturating_sub(start.0))
}

/// Nanoseconds in `ticks` once the counter's scale is known; `None` before.
pub(crate) fn ticks_to_nanos(ticks: u64) -> Option<u64> {
    timer::measured().map(|scale| timer::scaled(scale, ticks))
}

/// The fewest ticks that last longer than `nanos`, as [`ticks_to_nanos`] converts one
/// duration (at most `u64::MAX`); `None` until the counter's scale is known.
pub(crate) fn ticks_above(nanos: u64) -> Option<u64> {
    let scale = timer::measured()?;
    // `scaled(t) > nanos` exactly when `t * scale >= (nanos + 1) << 32`.
    let wanted = (u128::from(nanos) + 1) << timer::SHIFT;
    let fewest = wanted.div_ceil(u128::from(scale));
    Some(u64::try_from(fewest).unwrap_or(u64::MAX))
}

#[cfg(all(feature = "tsc", target_arch = "x86_64"))]
mod timer {
    use super::{os_nanos, Tick, OS_MARK};
    use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    /// Nanoseconds per tick are a scale over 2^`SHIFT`.
    pub(super) const SHIFT: u32 = 32;

    /// Whether timers read the counter: yes (0, the one value a start tests), no, not known
    /// yet.
    static COUNTER: AtomicU8 = AtomicU8::new(UNKNOWN);
    const YES: u8 = 0;
    const NO: u8 = 1;
    const UNKNOWN: u8 = 2;

    /// Nanoseconds per tick, times 2^32: 0 until measured, [`REJECTED`] if the counter
    /// measured wrong.
    static SCALE: AtomicU64 = AtomicU64::new(0);
    const REJECTED: u64 = u64::MAX;

    /// Both clocks read together at the first timer, the start of the measure.
    static FIRST: OnceLock<Option<(u64, Instant)>> = OnceLock::new();

    /// How long both clocks run before the scale is taken from them.
    const WINDOW: Duration = Duration::from_millis(10);

    /// The counter.
    #[inline(always)]
    pub(super) fn now() -> u64 {
        // SAFETY: `rdtsc` exists on every x86_64 CPU and has no preconditions (the
        // intrinsic is only marked unsafe on older compilers).
        #[allow(unused_unsafe, unsafe_code)]
        unsafe {
            std::arch::x86_64::_rdtsc()
        }
    }

    #[inline(always)]
    pub(super) fn start() -> Tick {
        let at = now();
        if COUNTER.load(Ordering::Relaxed) != YES {
            return start_first();
        }
        Tick(at)
    }

    /// A start before the counter is known to be usable, or where it is not.
    #[cold]
    #[inline(never)]
    fn start_first() -> Tick {
        if COUNTER.load(Ordering::Relaxed) == UNKNOWN {
            let first = FIRST.get_or_init(|| invariant().then(|| (now(), Instant::now())));
            let usable = if first.is_some() { YES } else { NO };
            // A rejected measure may have said no in the meantime: keep that.
            let _ = COUNTER.compare_exchange(UNKNOWN, usable, Ordering::Relaxed, Ordering::Relaxed);
        }
        if COUNTER.load(Ordering::Relaxed) == YES {
            Tick(now())
        } else {
            Tick(OS_MARK | os_nanos())
        }
    }

    /// The scale, once measured: the first call [`WINDOW`] after the first timer takes it.
    pub(super) fn measured() -> Option<u64> {
        match SCALE.load(Ordering::Relaxed) {
            0 => measure(),
            REJECTED => None,
            scale => Some(scale),
        }
    }

    #[cold]
    fn measure() -> Option<u64> {
        let (ticks, os) = (*FIRST.get()?)?;
        let elapsed = os.elapsed();
        if elapsed < WINDOW {
            return None;
        }
        let measured = scale_from(now().saturating_sub(ticks), elapsed.as_nanos());
        // Threads that finish the measure at once agree on the first one's.
        let scale = match SCALE.compare_exchange(0, measured, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => measured,
            Err(first) => first,
        };
        if scale == REJECTED {
            // Only now, so that no start is on the OS clock where a scale was kept.
            COUNTER.store(NO, Ordering::Relaxed);
            return None;
        }
        Some(scale)
    }

    /// `ticks` in nanoseconds at `scale`.
    #[inline(always)]
    pub(super) fn scaled(scale: u64, ticks: u64) -> u64 {
        // Exceeds 64 bits only after centuries of ticks.
        #[allow(clippy::cast_possible_truncation)]
        let nanos = ((u128::from(ticks) * u128::from(scale)) >> SHIFT) as u64;
        nanos
    }

    /// `ticks` in nanoseconds, by the measure so far if it is not over: a duration ends
    /// before now, and so lasts no longer than the measure, whose two clocks are read
    /// together at both ends; the error is that of the reads, whatever the duration.
    pub(super) fn nanos(ticks: u64) -> u64 {
        if let Some(scale) = measured() {
            return scaled(scale, ticks);
        }
        let Some(Some((ticks0, os0))) = FIRST.get() else {
            return 0;
        };
        let (window_ns, window_ticks) = (os0.elapsed().as_nanos(), now().saturating_sub(*ticks0));
        if window_ticks == 0 {
            return 0;
        }
        let nanos = u128::from(ticks) * window_ns / u128::from(window_ticks);
        u64::try_from(nanos).unwrap_or(u64::MAX)
    }

    /// Whether the counter ticks at a constant rate in every power state and on every core
    /// (CPUID leaf 0x8000_0007, EDX bit 8).
    fn invariant() -> bool {
        // SAFETY: `cpuid` exists on every x86_64 CPU; leaves above the maximum reported by
        // leaf 0x8000_0000 are not read.
        #[allow(unused_unsafe, unsafe_code)]
        unsafe {
            use std::arch::x86_64::__cpuid;
            __cpuid(0x8000_0000).eax >= 0x8000_0007 && __cpuid(0x8000_0007).edx & (1 << 8) != 0
        }
    }

    /// The scale of `ticks` counted over `nanos` of the OS clock; [`REJECTED`] if the
    /// counter looks wrong.
    fn scale_from(ticks: u64, nanos: u128) -> u64 {
        // A counter slower than 10 MHz is no counter to time calls with.
        if u128::from(ticks) < nanos / 100 {
            return REJECTED;
        }
        match u64::try_from((nanos << SHIFT) / u128::from(ticks)) {
            Ok(scale) if scale != 0 && scale != REJECTED => scale,
            _ => REJECTED,
        }
    }
}

#[cfg(not(all(feature = "tsc", target_arch = "x86_64")))]
mod timer {
    use super::{os_nanos, Tick};

    /// A tick is a nanosecond: a scale of one.
    pub(super) const SHIFT: u32 = 0;

    #[inline(always)]
    pub(super) fn now() -> u64 {
        os_nanos()
    }

    #[inline(always)]
    pub(super) fn start() -> Tick {
        Tick(os_nanos())
    }

    #[allow(clippy::unnecessary_wraps)] // as the counter's, which may not be measured yet
    pub(super) fn measured() -> Option<u64> {
        Some(1)
    }

    #[inline(always)]
    pub(super) fn scaled(_scale: u64, ticks: u64) -> u64 {
        ticks
    }

    pub(super) fn nanos(ticks: u64) -> u64 {
        ticks
    }
}

#[cfg(test)]
impl Tick {
    /// A counter reading of `ticks`.
    pub(crate) fn at(ticks: u64) -> Self {
        Tick(ticks)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[allow(clippy::cast_precision_loss)]
    fn relative_error(measured: u64, reference: u128) -> f64 {
        (measured as f64 - reference as f64).abs() / reference as f64
    }

    /// Waits until the counter's scale is measured; the ticks in a second.
    pub(crate) fn measured_scale() -> u64 {
        let _ = tick();
        loop {
            if let Some(one_second) = ticks_above(999_999_999) {
                return one_second;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn timer_ticks_agree_with_the_os_clock_within_one_percent() {
        for millis in [20, 80] {
            let (fast, os) = (tick(), Instant::now());
            std::thread::sleep(Duration::from_millis(millis));
            let fast = nanos_between(fast, end_of(fast));
            let os = os.elapsed().as_nanos();
            let error = relative_error(fast, os);
            assert!(error < 0.01, "{fast} ns against {os} ns");
            // Counted in ticks, as a histogram does, the same.
            measured_scale();
            let (fast, os) = (tick(), Instant::now());
            std::thread::sleep(Duration::from_millis(millis));
            let ticks = fast.ticks_to(end_of(fast)).expect("a counter start").get();
            let fast = ticks_to_nanos(ticks).expect("measured");
            let error = relative_error(fast, os.elapsed().as_nanos());
            assert!(error < 0.01, "{fast} ns in ticks");
        }
    }

    #[test]
    fn a_start_on_the_os_clock_or_an_end_before_the_start_is_not_counted_in_ticks() {
        let os = Tick(OS_MARK | os_nanos());
        assert!(!os.on_counter());
        std::thread::sleep(Duration::from_millis(5));
        let nanos = nanos_between(os, end_of(os));
        assert!((5_000_000..1_000_000_000).contains(&nanos), "{nanos} ns");

        let start = Tick(1_000);
        assert!(start.on_counter());
        assert_eq!(start.ticks_to(1_500).map(Ticks::get), Some(500));
        assert!(start.ticks_to(999).is_none());
        assert_eq!(nanos_between(start, 999), 0);
        assert!(Tick(0).ticks_to(u64::MAX).is_none());
    }

    #[test]
    fn ticks_above_a_duration_are_the_fewest_that_convert_above_it() {
        measured_scale();
        for nanos in [
            0,
            1,
            2,
            999,
            1_000,
            2_500,
            1_000_000,
            123_456_789,
            10_000_000_000,
        ] {
            let fewest = ticks_above(nanos).expect("measured");
            let at = |ticks| ticks_to_nanos(ticks).expect("measured");
            assert!(at(fewest) > nanos, "{fewest} ticks for {nanos} ns");
            assert!(
                fewest == 0 || at(fewest - 1) <= nanos,
                "{fewest} ticks for {nanos} ns"
            );
        }
    }
}
