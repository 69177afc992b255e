//! The metric types users declare as statics.

mod callback;
pub(crate) mod child;
pub(crate) mod children;
mod collect;
mod conditional;
mod counter;
mod exemplar;
pub(crate) mod expiry;
mod family;
mod gauge;
mod histogram;
mod measured;
mod meter;
pub(crate) mod recording;
mod sharded;
mod summary;
mod typed_family;

pub(crate) use callback::Total;
pub use callback::{CallbackCounter, CallbackGauge};
pub use child::ChildMetric;
pub(crate) use children::shown_changes;
pub use children::{DEFAULT_LABEL_SET_LIMIT, OVERFLOW_LABEL_VALUE};
pub use collect::{Collect, Kind, MetricRef};
pub use conditional::Conditional;
pub use counter::Counter;
pub(crate) use exemplar::{kept as kept_exemplars, of as exemplars_of, Table};
pub use exemplar::{Exemplar, ExemplarError, KeptExemplar, EXEMPLAR_MAX_CHARS};
pub use family::Family;
pub use gauge::Gauge;
pub use histogram::{Histogram, HistogramTimer, DEFAULT_BYTE_BUCKETS, DEFAULT_DURATION_BUCKETS};
pub use measured::MeasuredCounter;
pub use meter::{Meter, MeterRates, METER_TICK_SECONDS, METER_WINDOWS};
pub use sharded::ShardedCounter;
pub(crate) use summary::WindowCounts;
pub use summary::{
    Summary, DEFAULT_QUANTILES, SUMMARY_MAX_VALUE, SUMMARY_MIN_VALUE, SUMMARY_RELATIVE_ERROR,
};
pub use typed_family::TypedFamily;

use core::sync::atomic::{AtomicU64, Ordering};

/// Adds `delta` to an `f64` stored as bits: a compare-exchange loop, as there is no atomic
/// float add.
#[inline]
fn add_f64(bits: &AtomicU64, delta: f64) {
    let _ = bits.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
        Some((f64::from_bits(b) + delta).to_bits())
    });
}
