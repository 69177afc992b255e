//! Reading a series' cells and writing its sample lines after the pre-rendered prefixes.

use super::layout::SeriesLayout;
use super::text::{openmetrics_shows_sum, push_f64, push_u64};
use crate::metrics::WindowCounts;
use crate::registry::{Cell, Kind};

/// The current value of a gauge series, summing merged definitions.
pub(crate) fn gauge(series: &SeriesLayout) -> f64 {
    series
        .cells
        .iter()
        .map(|cell| match cell {
            Cell::Gauge(g) => g.get(),
            Cell::Callback(g) => g.get(),
            Cell::Rate(rates, window) => rates.rate(*window),
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
            Cell::Counter(c) => c.get(),
            Cell::Sharded(c) => c.get(),
            _ => 0,
        })
        .fold(0, u64::wrapping_add)
}

/// Non-cumulative bucket counts and the sum of a histogram series.
pub(crate) fn histogram(series: &SeriesLayout) -> (Vec<u64>, f64) {
    let mut buckets: Vec<u64> = Vec::new();
    let mut sum = 0.0;
    for cell in &series.cells {
        if let Cell::Histogram(h) = cell {
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
        if let Cell::Summary(s) = cell {
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
        Some(Cell::Summary(s)) => s.quantiles(),
        _ => &[],
    }
}

/// Writes the sample lines of one series; `openmetrics` leaves out the sums that format
/// cannot show (see `openmetrics_shows_sum`).
pub(crate) fn push_values(out: &mut String, kind: Kind, series: &SeriesLayout, openmetrics: bool) {
    match kind {
        Kind::Counter => {
            out.push_str(&series.prefixes[0]);
            push_u64(out, counter(series));
            out.push('\n');
        }
        Kind::Gauge => {
            out.push_str(&series.prefixes[0]);
            push_f64(out, gauge(series));
            out.push('\n');
        }
        Kind::Histogram => {
            let (buckets, sum) = histogram(series);
            let mut cumulative = 0u64;
            for (prefix, n) in series.prefixes.iter().zip(&buckets) {
                cumulative += n;
                out.push_str(prefix);
                push_u64(out, cumulative);
                out.push('\n');
            }
            let lowest = series.cells.first().and_then(|c| match c {
                Cell::Histogram(h) => h.bounds().first().copied(),
                _ => None,
            });
            if !openmetrics || openmetrics_shows_sum(Some(lowest.unwrap_or(0.0)), sum) {
                let n = series.prefixes.len();
                out.push_str(&series.prefixes[n - 2]);
                push_f64(out, sum);
                out.push('\n');
                out.push_str(&series.prefixes[n - 1]);
                push_u64(out, cumulative);
                out.push('\n');
            }
        }
        Kind::Summary => {
            let (window, count, sum) = summary(series);
            let n = series.prefixes.len();
            for (prefix, &q) in series.prefixes.iter().zip(summary_quantiles(series)) {
                out.push_str(prefix);
                // An empty window has no quantiles: NaN, as the client libraries write.
                push_f64(out, window.quantile(q).unwrap_or(f64::NAN));
                out.push('\n');
            }
            if !openmetrics || openmetrics_shows_sum(None, sum) {
                out.push_str(&series.prefixes[n - 2]);
                push_f64(out, sum);
                out.push('\n');
            }
            out.push_str(&series.prefixes[n - 1]);
            push_u64(out, count);
            out.push('\n');
        }
    }
}
