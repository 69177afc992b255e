//! A gauge whose value is computed when metrics are read.

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
