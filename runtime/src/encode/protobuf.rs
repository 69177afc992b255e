//! Prometheus' protobuf exposition format: length-delimited `MetricFamily` messages, the one
//! scrape format that carries native histograms. A histogram whose bounds fall on native
//! bucket boundaries goes out in both forms, so a Prometheus with native histograms stores
//! it as one series and one without reads its classic buckets.

use prost::Message;

use super::client_model::{
    Bucket, BucketSpan, Histogram, LabelPair, Metric, MetricFamily, MetricType, Quantile, Summary,
    Value,
};
use super::native;
use super::text::help_or_name;
use super::view::{per_bucket, Exposition, FamilyView, Number, Reading, SeriesView, Visit};
use crate::metrics::Kind;

/// The HTTP `Content-Type` of the protobuf exposition format.
pub const PROTOBUF_CONTENT_TYPE: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/// Appends `exposition` in the protobuf format to `out`.
pub(crate) fn encode<E: Exposition + ?Sized>(exposition: &E, out: &mut Vec<u8>) {
    exposition.expose(&mut Protobuf {
        out,
        family: MetricFamily::default(),
    });
}

struct Protobuf<'o> {
    out: &'o mut Vec<u8>,
    family: MetricFamily,
}

impl Visit for Protobuf<'_> {
    fn family(&mut self, family: &FamilyView<'_>) {
        self.family = MetricFamily {
            name: family.exposed.to_owned(),
            help: help_or_name(family.help, family.exposed).into_owned(),
            r#type: match family.kind {
                Kind::Counter => MetricType::Counter,
                Kind::Gauge => MetricType::Gauge,
                Kind::Histogram => MetricType::Histogram,
                Kind::Summary => MetricType::Summary,
            } as i32,
            metric: Vec::new(),
        };
    }

    fn series(&mut self, _family: &FamilyView<'_>, series: &SeriesView<'_>) {
        let label = series
            .labels
            .present()
            .map(|(name, value)| LabelPair { name, value })
            .collect();
        let mut metric = Metric {
            label,
            ..Metric::default()
        };
        match series.reading {
            Reading::Counter(v) => metric.counter = Some(Value { value: v.as_f64() }),
            Reading::Gauge(v) => metric.gauge = Some(Value { value: v.as_f64() }),
            Reading::Histogram {
                bounds,
                cumulative,
                sum,
                native,
            } => metric.histogram = Some(histogram(bounds, cumulative, *sum, *native)),
            Reading::Summary {
                quantiles,
                count,
                sum,
            } => {
                metric.summary = Some(Summary {
                    sample_count: count.count(),
                    sample_sum: sum.as_f64(),
                    quantile: quantiles
                        .iter()
                        .map(|&(quantile, v)| Quantile {
                            quantile,
                            value: v.as_f64(),
                        })
                        .collect(),
                });
            }
        }
        self.family.metric.push(metric);
    }

    fn end_family(&mut self, _family: &FamilyView<'_>) {
        // Writing to a Vec cannot fail: it grows as needed.
        let _ = self.family.encode_length_delimited(self.out);
    }
}

/// A histogram in its classic form, and in its native form too when its bounds allow; a
/// native histogram in its native form alone.
fn histogram(bounds: &[f64], cumulative: &[Number], sum: Number, native: bool) -> Histogram {
    let counts = per_bucket(cumulative);
    let cumulative: Vec<u64> = cumulative.iter().map(|n| n.count()).collect();
    let mut out = Histogram {
        sample_count: cumulative.last().copied().unwrap_or(0),
        sample_sum: sum.as_f64(),
        bucket: bounds
            .iter()
            .zip(&cumulative)
            .map(|(&upper_bound, &cumulative_count)| Bucket {
                cumulative_count,
                upper_bound,
            })
            .collect(),
        ..Histogram::default()
    };
    let schema = native::schema(bounds);
    if native && schema.is_some() {
        out.bucket.clear();
    }
    if let Some(schema) = schema {
        let sparse = native::sparse(schema, &counts);
        out.schema = schema.schema;
        out.zero_threshold = bounds[0];
        out.zero_count = sparse.zero_count;
        out.positive_span = sparse
            .spans
            .into_iter()
            .map(|(offset, length)| BucketSpan { offset, length })
            .collect();
        out.positive_delta = sparse.deltas;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_on_native_boundaries_goes_out_in_both_forms() {
        let counts = [Number::Count(1), Number::Count(3), Number::Count(4)];
        let both = histogram(&[0.5, 1.0], &counts, Number::Float(2.0), false);
        assert_eq!(both.bucket.len(), 2);
        assert_eq!(
            (both.schema, both.zero_threshold, both.zero_count),
            (0, 0.5, 1)
        );
        assert_eq!(
            both.positive_span,
            [BucketSpan {
                offset: 0,
                length: 2
            }]
        );
        assert_eq!(both.positive_delta, [2, -1]);
        assert_eq!(both.sample_count, 4);

        let native = histogram(&[0.5, 1.0], &counts, Number::Float(2.0), true);
        assert!(
            native.bucket.is_empty(),
            "a native histogram has no classic buckets"
        );
        assert_eq!(native.positive_delta, both.positive_delta);

        let classic = histogram(&[0.3, 1.0], &counts, Number::Float(2.0), false);
        assert_eq!(classic.bucket[1].cumulative_count, 3);
        assert!(classic.zero_threshold.to_bits() == 0, "no native form");
        assert!(classic.positive_span.is_empty());
    }
}
