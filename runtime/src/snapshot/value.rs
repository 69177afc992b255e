//! A series' value in a snapshot, with the statistics people and tests ask of it.

/// A series' value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A counter.
    Counter(u64),
    /// A counter of something measured rather than counted, such as CPU seconds.
    Total(f64),
    /// A gauge.
    Gauge(f64),
    /// A histogram.
    Histogram(HistogramValue),
    /// A summary.
    Summary(SummaryValue),
}

/// A summary's quantiles over its window, and its totals.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryValue {
    /// `(quantile, value)` for each exported quantile; the value is NaN when the window
    /// holds no observation.
    pub quantiles: Vec<(f64, f64)>,
    /// Observations since start.
    pub count: u64,
    /// Sum of the observations since start.
    pub sum: f64,
}

impl SummaryValue {
    /// Mean of the observations since start, `None` when there are none.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }

    /// The value exported for quantile `q`, if it is one of the exported quantiles.
    #[must_use]
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.quantiles
            .iter()
            .find(|(k, _)| (*k - q).abs() < 1e-12)
            .map(|(_, v)| *v)
    }
}

/// A histogram's buckets and sum.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramValue {
    /// Finite upper bounds.
    pub bounds: Vec<f64>,
    /// Non-cumulative counts, one per bound and a last one for `+Inf`.
    pub buckets: Vec<u64>,
    /// Sum of the observed values.
    pub sum: f64,
    /// Whether it is a [native](crate::Histogram::native) histogram, whose buckets the
    /// text formats do not list.
    pub native: bool,
}

impl HistogramValue {
    /// Number of observations.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.buckets.iter().sum()
    }

    /// Mean of the observations, `None` when there are none.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn mean(&self) -> Option<f64> {
        let n = self.count();
        (n > 0).then(|| self.sum / n as f64)
    }

    /// The upper bound of the bucket that holds the `q`-quantile (0 ≤ q ≤ 1), `+Inf` past
    /// the last bound: all that the buckets say for certain, that the quantile is at most
    /// this. `None` when empty.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn quantile_bound(&self, q: f64) -> Option<f64> {
        let (i, _, _) = holding(&self.buckets, q)?;
        Some(self.bounds.get(i).copied().unwrap_or(f64::INFINITY))
    }

    /// The `q`-quantile (0 ≤ q ≤ 1) estimated from the buckets by linear interpolation
    /// within the bucket that holds it, as PromQL's `histogram_quantile` does: the lowest
    /// bucket is taken to start at 0 (or at its bound if that is negative), and a quantile
    /// in the `+Inf` bucket is reported as the highest finite bound. `None` when empty.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let (i, below, rank) = holding(&self.buckets, q)?;
        let Some(&upper) = self.bounds.get(i) else {
            return self.bounds.last().copied();
        };
        let lower = if i == 0 {
            upper.min(0.0)
        } else {
            self.bounds[i - 1]
        };
        let within = (rank - below as f64) / self.buckets[i] as f64;
        Some(lower + (upper - lower) * within.clamp(0.0, 1.0))
    }

    /// The upper bound of the highest bucket that holds an observation
    /// (`f64::INFINITY` for the `+Inf` bucket); `None` when empty.
    #[must_use]
    pub fn max_bucket(&self) -> Option<f64> {
        let i = self.buckets.iter().rposition(|&n| n > 0)?;
        Some(self.bounds.get(i).copied().unwrap_or(f64::INFINITY))
    }
}

/// The bucket of `counts` (not cumulative) that holds the `q`-quantile: its index, the count
/// of the buckets below it, and the quantile's rank among the observations. `None` when
/// there are none or `q` is outside 0 to 1.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn holding(counts: &[u64], q: f64) -> Option<(usize, u64, f64)> {
    let total: u64 = counts.iter().sum();
    if total == 0 || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let rank = q * total as f64;
    let mut below = 0u64;
    for (i, &n) in counts.iter().enumerate() {
        if n > 0 && (below + n) as f64 >= rank {
            return Some((i, below, rank));
        }
        below += n;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(bounds: &[f64], buckets: &[u64], sum: f64) -> HistogramValue {
        HistogramValue {
            bounds: bounds.to_vec(),
            native: false,
            buckets: buckets.to_vec(),
            sum,
        }
    }

    #[test]
    fn quantiles_interpolate_within_buckets() {
        let h = hist(&[1.0, 2.0, 4.0], &[10, 10, 0, 0], 25.0);
        assert_eq!(h.quantile(0.5), Some(1.0));
        assert_eq!(h.quantile(0.75), Some(1.5));
        assert_eq!(h.quantile(0.25), Some(0.5));
        assert_eq!(h.max_bucket(), Some(2.0));
        assert_eq!(h.mean(), Some(1.25));
    }

    #[test]
    fn quantile_in_inf_bucket_is_highest_bound() {
        let h = hist(&[1.0], &[1, 3], 10.0);
        assert_eq!(h.quantile(0.9), Some(1.0));
        assert_eq!(h.max_bucket(), Some(f64::INFINITY));
        assert_eq!(hist(&[1.0], &[0, 0], 0.0).quantile(0.5), None);
    }
}
