//! A gauge and a counter whose values are computed when metrics are read.

use crate::metrics::{Collect, Kind, MetricRef};

/// A gauge read from a function at exposition time, for values that already live
/// elsewhere (a pool's size, a cache's length, the process's open files):
///
/// ```
/// use meterbox::{metric, CallbackGauge};
///
/// fn workers() -> f64 {
///     4.0
/// }
///
/// /// Worker threads running.
/// #[metric]
/// static WORKERS: CallbackGauge = CallbackGauge::new(workers);
///
/// assert_eq!(meterbox::snapshot().gauge("workers", &[]), Some(4.0));
/// ```
///
/// If the function panics, the panic is caught and the value is NaN for that read.
#[derive(Debug, Clone, Copy)]
pub struct CallbackGauge {
    read: fn() -> f64,
}

impl CallbackGauge {
    /// A gauge whose value is `read()`.
    #[must_use]
    pub const fn new(read: fn() -> f64) -> Self {
        Self { read }
    }

    /// Calls the function now; NaN if it panics.
    #[must_use]
    pub fn get(&self) -> f64 {
        std::panic::catch_unwind(self.read).unwrap_or(f64::NAN)
    }
}

impl Collect for CallbackGauge {
    fn kind(&self) -> Kind {
        Kind::Gauge
    }
    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        visit(&[], MetricRef::Callback(self));
    }
}

/// A counter read from a function at exposition time, for counts that already live elsewhere
/// (a pool's connections made, a library's own statistics):
///
/// ```
/// use meterbox::{metric, CallbackCounter};
///
/// fn reconnects() -> u64 {
///     3
/// }
///
/// /// Reconnections made by the pool.
/// #[metric]
/// static RECONNECTS_TOTAL: CallbackCounter = CallbackCounter::new(reconnects);
///
/// assert_eq!(meterbox::snapshot().counter("reconnects_total", &[]), Some(3));
/// ```
///
/// A total of something measured rather than counted (CPU seconds) is
/// [`CallbackCounter::measured`]; snapshots show it as [`Value::Total`](crate::Value::Total).
///
/// The function must only ever return more (or the same): it is exposed as a counter. If it
/// panics, the panic is caught and the value is 0 for that read.
#[derive(Debug, Clone, Copy)]
pub struct CallbackCounter {
    read: Read,
}

#[derive(Debug, Clone, Copy)]
enum Read {
    Count(fn() -> u64),
    Measured(fn() -> f64),
}

/// A counter's value: a count, or a total of something measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Total {
    Count(u64),
    Measured(f64),
}

impl CallbackCounter {
    /// A counter whose value is `read()`.
    #[must_use]
    pub const fn new(read: fn() -> u64) -> Self {
        Self {
            read: Read::Count(read),
        }
    }

    /// A counter of something measured, whose value is `read()`: seconds, bytes that are
    /// not whole.
    #[must_use]
    pub const fn measured(read: fn() -> f64) -> Self {
        Self {
            read: Read::Measured(read),
        }
    }

    /// Calls the function now; 0 if it panics. A measured total is rounded down.
    #[must_use]
    // Read through a reference, as every metric is.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    pub fn get(&self) -> u64 {
        match self.total() {
            Total::Count(n) => n,
            // Saturating: a negative or NaN total reads 0.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Total::Measured(v) => v as u64,
        }
    }

    /// The value now, as it is exposed.
    pub(crate) fn total(&self) -> Total {
        match self.read {
            Read::Count(read) => Total::Count(std::panic::catch_unwind(read).unwrap_or(0)),
            Read::Measured(read) => Total::Measured(std::panic::catch_unwind(read).unwrap_or(0.0)),
        }
    }
}

impl Collect for CallbackCounter {
    fn kind(&self) -> Kind {
        Kind::Counter
    }
    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        visit(&[], MetricRef::CallbackCounter(self));
    }
}
