//! Clocks: the time source of the windowed and rated metrics (replaceable, so tests can
//! drive time), and the timer clock of `#[timed]` and `Histogram::start_timer`.
//!
//! The timer clock reads the CPU's time-stamp counter where it is invariant (x86_64, feature
//! `tsc`): one instruction, scaled to nanoseconds by a multiply and a shift, against about
//! fifty instructions for a read of the OS clock through the vDSO. The scale is measured
//! against the OS clock once per process: from the first timer on, timers read the OS clock
//! until 10 ms of both clocks have passed, and the first timer after that sets the scale, so
//! no caller ever waits for the measure. Where the counter is not invariant, or on other
//! architectures, timers read the OS clock.

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
    u64::try_from(monotonic().as_nanos()).unwrap_or(u64::MAX)
}

/// A timer's start, in the timer clock's unit (counter ticks or OS nanoseconds), with the
/// scale it was read under, so that the end needs no second look at the calibration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tick {
    at: u64,
    scale: u64,
}

/// Now, for a timer.
#[inline]
pub(crate) fn tick() -> Tick {
    let scale = timer::scale();
    Tick {
        at: timer::now(scale),
        scale,
    }
}

/// Nanoseconds since `start`.
#[cfg(test)]
fn nanos_since(start: Tick) -> u64 {
    nanos_between(start, end_of(start))
}

/// Now, in the clock `start` was read with: the end of a timer, read where it ends. What
/// follows can be out of line ([`nanos_between`]).
#[inline(always)]
pub(crate) fn end_of(start: Tick) -> u64 {
    timer::now(start.scale)
}

/// Nanoseconds from `start` to `end`, an [`end_of`] it.
#[inline(always)]
pub(crate) fn nanos_between(start: Tick, end: u64) -> u64 {
    timer::nanos(start.scale, end.saturating_sub(start.at))
}

#[cfg(all(feature = "tsc", target_arch = "x86_64"))]
mod timer {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    /// The scale meaning "read the OS clock".
    pub(super) const OS: u64 = u64::MAX;

    /// Nanoseconds per tick, times 2^32; 0 until measured.
    static SCALE: AtomicU64 = AtomicU64::new(0);

    /// How long both clocks run before the scale is taken from them.
    const WINDOW: Duration = Duration::from_millis(10);

    #[inline(always)]
    pub(super) fn scale() -> u64 {
        match SCALE.load(Ordering::Relaxed) {
            0 => measuring(),
            scale => scale,
        }
    }

    #[inline(always)]
    pub(super) fn now(scale: u64) -> u64 {
        if scale == OS {
            super::os_nanos()
        } else {
            // SAFETY: `rdtsc` exists on every x86_64 CPU and has no preconditions (the
            // intrinsic is only marked unsafe on older compilers).
            #[allow(unused_unsafe, unsafe_code)]
            unsafe {
                std::arch::x86_64::_rdtsc()
            }
        }
    }

    #[inline(always)]
    pub(super) fn nanos(scale: u64, elapsed: u64) -> u64 {
        if scale == OS {
            elapsed
        } else {
            // Exceeds 64 bits only after centuries of ticks.
            #[allow(clippy::cast_possible_truncation)]
            let nanos = ((u128::from(elapsed) * u128::from(scale)) >> 32) as u64;
            nanos
        }
    }

    /// The scale while the counter is being measured: the OS clock's, until [`WINDOW`] has
    /// passed since the first timer; then the measured one, for this timer and all after.
    #[cold]
    fn measuring() -> u64 {
        static START: OnceLock<Option<(u64, Instant)>> = OnceLock::new();
        let start = START.get_or_init(|| invariant().then(|| (now(0), Instant::now())));
        let Some((ticks, os)) = *start else {
            SCALE.store(OS, Ordering::Relaxed);
            return OS;
        };
        let elapsed = os.elapsed();
        if elapsed < WINDOW {
            return OS;
        }
        let measured = scale_from(now(0).saturating_sub(ticks), elapsed.as_nanos());
        // Threads that finish the measure at once agree on the first one's.
        match SCALE.compare_exchange(0, measured, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => measured,
            Err(first) => first,
        }
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

    /// The scale measured over `window` of the OS clock, sleeping meanwhile: for tests.
    #[cfg(test)]
    pub(super) fn calibrate(window: Duration) -> u64 {
        let (ticks0, os0) = (now(0), Instant::now());
        std::thread::sleep(window);
        let (ticks1, os1) = (now(0), Instant::now());
        scale_from(ticks1.saturating_sub(ticks0), (os1 - os0).as_nanos())
    }

    /// The scale of `ticks` counted over `nanos` of the OS clock; `OS` if the counter looks
    /// wrong.
    fn scale_from(ticks: u64, nanos: u128) -> u64 {
        // A counter slower than 10 MHz is no counter to time calls with.
        if u128::from(ticks) < nanos / 100 {
            return super::timer::OS;
        }
        match u64::try_from((nanos << 32) / u128::from(ticks)) {
            Ok(scale) if scale != 0 && scale != OS => scale,
            _ => OS,
        }
    }
}

#[cfg(not(all(feature = "tsc", target_arch = "x86_64")))]
mod timer {
    #[inline(always)]
    pub(super) fn scale() -> u64 {
        0
    }

    #[inline(always)]
    pub(super) fn now(_scale: u64) -> u64 {
        super::os_nanos()
    }

    #[inline(always)]
    pub(super) fn nanos(_scale: u64, elapsed: u64) -> u64 {
        elapsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::cast_precision_loss)]
    fn relative_error(measured: u64, reference: u128) -> f64 {
        (measured as f64 - reference as f64).abs() / reference as f64
    }

    #[test]
    fn timer_ticks_agree_with_the_os_clock_within_one_percent() {
        for millis in [20, 80] {
            let (fast, os) = (tick(), Instant::now());
            std::thread::sleep(Duration::from_millis(millis));
            let (fast, os) = (nanos_since(fast), os.elapsed().as_nanos());
            let error = relative_error(fast, os);
            assert!(error < 0.01, "{fast} ns against {os} ns");
        }
    }

    #[cfg(all(feature = "tsc", target_arch = "x86_64"))]
    #[test]
    fn both_timer_clocks_measure_nanoseconds() {
        // The counter, calibrated afresh, and the OS clock the timers fall back to.
        for scale in [timer::calibrate(Duration::from_millis(10)), timer::OS] {
            let (start, os) = (timer::now(scale), Instant::now());
            std::thread::sleep(Duration::from_millis(30));
            let fast = timer::nanos(scale, timer::now(scale) - start);
            let os = os.elapsed().as_nanos();
            assert!(
                relative_error(fast, os) < 0.01,
                "scale {scale}: {fast} ns against {os} ns"
            );
        }
    }
}
