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
