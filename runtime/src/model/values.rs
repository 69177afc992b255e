//! Reading a series' values from the metrics behind it, summing merged definitions.

use super::series::SeriesLayout;
use crate::metrics::{MetricRef, Total, WindowCounts};

/// The current value of a gauge series, summing merged definitions.
pub(crate) fn gauge(series: &SeriesLayout) -> f64 {
    let mut sum = 0.0;
    series.cells.each(|cell| {
        sum += match cell {
            MetricRef::Gauge(g) => g.get(),
            MetricRef::Callback(g) => g.get(),
            MetricRef::Rate(rates, window) => rates.rate(*window),
            _ => 0.0,
        };
    });
    sum
}

/// The value of a counter series: a count, unless a measured total is among its metrics.
#[inline]
pub(crate) fn counter(series: &SeriesLayout) -> Total {
    let mut count = 0u64;
    let mut measured: Option<f64> = None;
    series.cells.each(|cell| match cell {
        MetricRef::Counter(c) => count = count.wrapping_add(c.get()),
        MetricRef::Sharded(c) => count = count.wrapping_add(c.get()),
        MetricRef::Measured(c) => *measured.get_or_insert(0.0) += c.get(),
        MetricRef::CallbackCounter(c) => match c.total() {
            Total::Count(n) => count = count.wrapping_add(n),
            Total::Measured(v) => *measured.get_or_insert(0.0) += v,
        },
        _ => {}
    });
    match measured {
        None => Total::Count(count),
        // Counts below 2^53 are exact in the sum.
        #[allow(clippy::cast_precision_loss)]
        Some(v) => Total::Measured(v + count as f64),
    }
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
