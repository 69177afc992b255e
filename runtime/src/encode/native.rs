//! Prometheus native histograms from classic buckets whose bounds fall on native bucket
//! boundaries: consecutive powers of `2^(2^-schema)`, as `Histogram::exponential(2^k, 2.0, n)`
//! makes for schema 0. Such a histogram needs no second set of counters to be native: each
//! classic bucket is one native bucket.
//!
//! The classic first bucket (at or under the lowest bound) becomes the zero bucket, whose
//! threshold is that bound; the `+Inf` bucket becomes the native bucket just above the highest
//! bound, the one place a native histogram has for it.

/// A native histogram's form of a set of classic bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Schema {
    /// Each power of two is split into `2^schema` buckets; from -4 to 8.
    pub schema: i32,
    /// The native index of the lowest bound: bucket `i` ends at `2^(i * 2^-schema)`.
    pub lowest: i32,
}

/// The native form of `bounds`, when every bound is a native boundary and they follow each
/// other with no boundary between: at least two bounds, all positive.
pub(crate) fn schema(bounds: &[f64]) -> Option<Schema> {
    let (&first, &second) = (bounds.first()?, bounds.get(1)?);
    if first <= 0.0 {
        return None;
    }
    // The factor between bounds is 2^(2^-schema), so log2(log2(factor)) = -schema.
    let steps = -(second / first).log2().log2();
    let schema = whole(steps)?;
    if !(-4..=8).contains(&schema) {
        return None;
    }
    let per_doubling = 2f64.powi(schema);
    let lowest = whole(first.log2() * per_doubling)?;
    let on_boundaries = bounds.iter().enumerate().all(|(i, &b)| {
        let index = b.log2() * per_doubling;
        // Bounds made by repeated multiplication drift by a few ulps: an index within a
        // millionth of a bucket is that bucket's boundary.
        #[allow(clippy::cast_precision_loss)] // at most 40 bounds
        let want = f64::from(lowest) + i as f64;
        (index - want).abs() < 1e-6
    });
    on_boundaries.then_some(Schema { schema, lowest })
}

/// The integer `x` is, to within a millionth.
#[allow(clippy::cast_possible_truncation)] // checked to be a small whole number first
fn whole(x: f64) -> Option<i32> {
    let r = x.round();
    ((x - r).abs() < 1e-6 && r.abs() < 1e6).then_some(r as i32)
}

/// A native histogram's buckets: the zero bucket, then runs of populated buckets.
#[cfg_attr(
    not(any(feature = "protobuf", feature = "remote-write")),
    allow(dead_code)
)]
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Sparse {
    pub zero_count: u64,
    /// `(offset, length)`: the first run's offset is its first index, a later run's is the
    /// gap since the run before.
    pub spans: Vec<(i32, u32)>,
    /// Each populated bucket's count less the one before it, the first less zero.
    pub deltas: Vec<i64>,
}

/// `counts` (one per classic bucket, not cumulative, `+Inf` last) as native buckets.
#[cfg_attr(
    not(any(feature = "protobuf", feature = "remote-write")),
    allow(dead_code)
)]
pub(crate) fn sparse(schema: Schema, counts: &[u64]) -> Sparse {
    let Some((&zero_count, above)) = counts.split_first() else {
        return Sparse::default();
    };
    let mut out = Sparse {
        zero_count,
        ..Sparse::default()
    };
    // The native index of `above[i]` is `lowest + 1 + i`.
    let mut next_index = None::<i32>;
    let mut previous = 0i64;
    for (i, &count) in above.iter().enumerate() {
        if count == 0 {
            continue;
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)] // at most 41
        let index = schema.lowest + 1 + i as i32;
        match (next_index, out.spans.last_mut()) {
            (Some(next), Some(span)) if next == index => span.1 += 1,
            (Some(next), _) => out.spans.push((index - next, 1)),
            (None, _) => out.spans.push((index, 1)),
        }
        next_index = Some(index + 1);
        // Counts stay far below 2^63.
        #[allow(clippy::cast_possible_wrap)]
        let count = count as i64;
        out.deltas.push(count - previous);
        previous = count;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_of_two_and_their_roots_are_native() {
        let twos: Vec<f64> = (0..5).map(|i| 2f64.powi(i - 20)).collect();
        assert_eq!(
            schema(&twos),
            Some(Schema {
                schema: 0,
                lowest: -20
            })
        );
        // Made as Histogram::exponential makes them, by repeated multiplication.
        let factor = 2f64.powf(0.25);
        let mut b = 0.5;
        let quarters: Vec<f64> = (0..30)
            .map(|_| {
                let this = b;
                b *= factor;
                this
            })
            .collect();
        assert_eq!(
            schema(&quarters),
            Some(Schema {
                schema: 2,
                lowest: -4
            })
        );
        let fours = [1.0, 4.0, 16.0, 64.0];
        assert_eq!(
            schema(&fours),
            Some(Schema {
                schema: -1,
                lowest: 0
            })
        );
    }

    #[test]
    fn other_bounds_are_not() {
        assert_eq!(schema(&[0.001, 0.0025, 0.005]), None);
        assert_eq!(schema(&[1.0, 2.0, 3.0]), None, "not every step doubles");
        assert_eq!(schema(&[3.0, 6.0, 12.0]), None, "3 is no boundary");
        assert_eq!(schema(&[0.0, 1.0, 2.0]), None);
        assert_eq!(schema(&[1.0]), None, "one bound has no factor");
        assert_eq!(schema(&[1.0, 2f64.powi(300)]), None, "beyond schema -4");
    }

    #[test]
    fn counts_become_runs_of_deltas() {
        let s = Schema {
            schema: 0,
            lowest: -2,
        };
        // Bounds 0.25, 0.5, 1, 2, then +Inf: indexes -2 (zero bucket), -1, 0, 1, and 2.
        let native = sparse(s, &[4, 3, 0, 5, 1]);
        assert_eq!(native.zero_count, 4);
        assert_eq!(native.spans, vec![(-1, 1), (1, 2)]);
        assert_eq!(native.deltas, vec![3, 2, -4]);
        assert_eq!(sparse(s, &[0, 0, 0, 0, 0]), Sparse::default());
    }
}
