//! The metric types users declare as statics.

mod counter;
mod gauge;
mod histogram;

pub use counter::Counter;
pub use gauge::Gauge;
pub use histogram::{Histogram, HistogramTimer, DEFAULT_DURATION_BUCKETS};
