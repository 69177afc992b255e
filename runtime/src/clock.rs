//! The time source of the windowed and rated metrics, replaceable so tests can drive time.

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

/// A timer's start: a time-stamp-counter reading where the CPU's counter is invariant
/// (feature `tsc`), an `Instant` otherwise.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tick(
    #[cfg(feature = "tsc")] u64,
    #[cfg(not(feature = "tsc"))] Instant,
);

/// The calibrated counter. Its first use measures the counter against the OS clock, once
/// per process (10 to 20 ms, at most 200 ms).
#[cfg(feature = "tsc")]
fn counter() -> &'static quanta::Clock {
    static COUNTER: OnceLock<quanta::Clock> = OnceLock::new();
    COUNTER.get_or_init(quanta::Clock::new)
}

/// Now, for a timer.
#[inline]
pub(crate) fn tick() -> Tick {
    #[cfg(feature = "tsc")]
    return Tick(counter().raw());
    #[cfg(not(feature = "tsc"))]
    return Tick(Instant::now());
}

/// Nanoseconds since `start`.
#[inline]
pub(crate) fn nanos_since(start: Tick) -> u64 {
    #[cfg(feature = "tsc")]
    {
        let clock = counter();
        clock.delta_as_nanos(start.0, clock.raw())
    }
    #[cfg(not(feature = "tsc"))]
    {
        u64::try_from(start.0.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_ticks_agree_with_the_os_clock_within_one_percent() {
        for millis in [20, 80] {
            let (fast, os) = (tick(), Instant::now());
            std::thread::sleep(Duration::from_millis(millis));
            let (fast, os) = (nanos_since(fast), os.elapsed().as_nanos());
            #[allow(clippy::cast_precision_loss)]
            let error = (fast as f64 - os as f64).abs() / os as f64;
            assert!(error < 0.01, "{fast} ns against {os} ns");
        }
    }
}
