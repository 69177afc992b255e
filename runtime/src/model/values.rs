//! Reading a series' values from the metrics behind it, summing merged definitions.

use super::series::SeriesLayout;
use crate::metrics::MetricRef;
use crate::metrics::WindowCounts;

/// The current value of a gauge series, summing merged definitions.
pub(crate) fn gauge(series: &SeriesLayout) -> f64 {
    series
        .cells
        .iter()
        .map(|cell| match cell {
            MetricRef::Gauge(g) => g.get(),
            MetricRef::Callback(g) => g.get(),
            MetricRef::Rate(rates, window) => rates.rate(*window),
            _ => 0.0,
        })
        .sum()
}

/// The integer value of a counter series.
pub(crate) fn counter(series: &SeriesLayout) -> u64 {
    series
        .cells
        .iter()
        .map(|cell| match cell {
            MetricRef::Counter(c) => c.get(),
            MetricRef::Sharded(c) => c.get(),
            MetricRef::CallbackCounter(c) => c.get(),
            _ => 0,
        })
        .fold(0, u64::wrapping_add)
}

/// Non-cumulative bucket counts and the sum of a histogram series.
pub(crate) fn histogram(series: &SeriesLayout) -> (Vec<u64>, f64) {
    let mut buckets: Vec<u64> = Vec::new();
    let mut sum = 0.0;
    for cell in &series.cells {
        if let MetricRef::Histogram(h) = cell {
            let counts = h.bucket_counts();
            if buckets.is_empty() {
                buckets = counts;
            } else {
                for (total, n) in buckets.iter_mut().zip(counts) {
                    *total += n;
                }
            }
            sum += h.sum();
        }
    }
    (buckets, sum)
}

/// A summary series' merged window, total count and total sum.
pub(crate) fn summary(series: &SeriesLayout) -> (WindowCounts, u64, f64) {
    let mut window = WindowCounts::default();
    let (mut count, mut sum) = (0, 0.0);
    for cell in &series.cells {
        if let MetricRef::Summary(s) = cell {
            s.merge_window(&mut window);
            count += s.count();
            sum += s.sum();
        }
    }
    (window, count, sum)
}

/// The quantiles a summary series exports.
pub(crate) fn summary_quantiles(series: &SeriesLayout) -> &'static [f64] {
    match series.cells.first() {
        Some(MetricRef::Summary(s)) => s.quantiles(),
        _ => &[],
    }
}
