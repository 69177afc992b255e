//! OpenTelemetry's metrics protocol (OTLP), cumulative: counters as monotonic sums, gauges,
//! histograms with explicit buckets, native histograms as exponential ones, summaries; one
//! resource, one scope; the exemplars kept for counters and histograms. The messages are
//! those `opentelemetry-proto` generates from the official definitions.
//!
//! Why this file is long: OTLP has a message per kind of data, each filled here from the one
//! reading, and a native histogram's exponential form beside the explicit one of its family;
//! the test of a family with both kinds is at the end.

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, exponential_histogram_data_point::Buckets, metric::Data, number_data_point,
    summary_data_point::ValueAtQuantile, AggregationTemporality, Exemplar, ExponentialHistogram,
    ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, Sum, Summary, SummaryDataPoint,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message as _;

use super::native;
use super::view::{per_bucket, Exposition, FamilyView, Number, Reading, SeriesView, Visit};
use crate::metrics::{KeptExemplar, Kind};

/// What goes with the data points: the resource's attributes, the labels that are the
/// resource's rather than each series' (a reporter's tags), and the interval's ends.
pub(crate) struct Envelope<'a> {
    pub resource: &'a [(String, String)],
    pub resource_labels: &'a [(&'a str, &'a str)],
    pub start_unix_nano: u64,
    pub time_unix_nano: u64,
}

/// The encoded request for `exposition`.
pub(crate) fn encode<E: Exposition + ?Sized>(exposition: &E, envelope: &Envelope<'_>) -> Vec<u8> {
    let mut writer = Writer {
        envelope,
        metrics: Vec::new(),
        family_start: 0,
    };
    exposition.expose(&mut writer);
    let request = ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: envelope
                    .resource
                    .iter()
                    .map(|(k, v)| attribute(k, v))
                    .collect(),
                ..Resource::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: "meterbox".to_owned(),
                    version: env!("CARGO_PKG_VERSION").to_owned(),
                    ..InstrumentationScope::default()
                }),
                metrics: writer.metrics,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    };
    request.encode_to_vec()
}

fn attribute(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
        ..KeyValue::default()
    }
}

/// The unit in UCUM, as OTLP carries it: `s` for seconds, `By` for bytes.
fn ucum(unit: &str) -> &str {
    match unit {
        "seconds" => "s",
        "bytes" => "By",
        "ratio" => "1",
        other => other,
    }
}

struct Writer<'a> {
    envelope: &'a Envelope<'a>,
    metrics: Vec<Metric>,
    /// Where the current family's metrics start: a histogram family with native series is
    /// two metrics of one name, one explicit and one exponential.
    family_start: usize,
}

impl Writer<'_> {
    /// The data points of the current family's exponential metric, made beside its
    /// explicit one at its first native series.
    fn exponential_points(&mut self) -> Option<&mut Vec<ExponentialHistogramDataPoint>> {
        // The family's metric is at `family_start`, its twin, once made, just after it.
        let twin = self.family_start + 1;
        if twin == self.metrics.len() {
            let explicit = self.metrics.get(self.family_start)?;
            let twin = Metric {
                name: explicit.name.clone(),
                description: explicit.description.clone(),
                unit: explicit.unit.clone(),
                data: Some(Data::ExponentialHistogram(ExponentialHistogram {
                    data_points: Vec::new(),
                    aggregation_temporality: AggregationTemporality::Cumulative as i32,
                })),
                ..Metric::default()
            };
            self.metrics.push(twin);
        }
        match self.metrics.get_mut(twin)?.data.as_mut() {
            Some(Data::ExponentialHistogram(h)) => Some(&mut h.data_points),
            _ => None,
        }
    }

    fn attributes(&self, series: &SeriesView<'_>) -> Vec<KeyValue> {
        series
            .labels
            .iter()
            .filter(|label| !self.envelope.resource_labels.contains(label))
            .map(|(k, v)| attribute(k, v))
            .collect()
    }
}

/// A kept exemplar as OTLP has it: `trace_id` and `span_id`, when they are the hex ids
/// OpenTelemetry makes, in their own fields as bytes; any other label as an attribute.
fn exemplar(kept: &KeptExemplar) -> Exemplar {
    let mut out = Exemplar {
        // Nanoseconds since the epoch fit a u64 until 2554.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        time_unix_nano: (kept.timestamp * 1e9).max(0.0) as u64,
        value: Some(exemplar::Value::AsDouble(kept.value)),
        ..Exemplar::default()
    };
    for (name, value) in kept.exemplar.labels() {
        match (name.as_str(), hex_bytes(value)) {
            ("trace_id", Some(id)) if id.len() == 16 => out.trace_id = id,
            ("span_id", Some(id)) if id.len() == 8 => out.span_id = id,
            _ => out.filtered_attributes.push(attribute(name, value)),
        }
    }
    out
}

/// The bytes that `text` spells in hexadecimal, two digits a byte.
fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let digit = |c: u8| char::from(c).to_digit(16);
            // Two hex digits make at most 255.
            #[allow(clippy::cast_possible_truncation)]
            Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
        })
        .collect()
}

/// The exemplars of a series, in the order of its slots (buckets).
fn exemplars(series: &SeriesView<'_>) -> Vec<Exemplar> {
    series
        .exemplars
        .into_iter()
        .flatten()
        .flatten()
        .map(exemplar)
        .collect()
}

/// Whether a metric has no data point.
fn empty(metric: &Metric) -> bool {
    match metric.data.as_ref() {
        Some(Data::Sum(s)) => s.data_points.is_empty(),
        Some(Data::Gauge(g)) => g.data_points.is_empty(),
        Some(Data::Histogram(h)) => h.data_points.is_empty(),
        Some(Data::ExponentialHistogram(h)) => h.data_points.is_empty(),
        Some(Data::Summary(s)) => s.data_points.is_empty(),
        None => false,
    }
}

/// A native histogram's buckets as an exponential data point (without attributes, times
/// and exemplars), when its bounds are a native histogram's. OTLP's bucket `i` is
/// `(base^i, base^(i+1)]`, one below the Prometheus index of the same bucket; the first
/// classic bucket is the zero bucket.
fn exponential(
    bounds: &[f64],
    cumulative: &[Number],
    sum: Number,
) -> Option<ExponentialHistogramDataPoint> {
    let schema = native::schema(bounds)?;
    let counts = per_bucket(cumulative);
    let (&zero_count, above) = counts.split_first()?;
    // Only the populated stretch: leading and trailing empty buckets are left out.
    let first = above.iter().position(|&n| n > 0);
    let last = above.iter().rposition(|&n| n > 0);
    let positive = match (first, last) {
        (Some(first), Some(last)) => Some(Buckets {
            // At most 41 buckets: the index fits.
            #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
            offset: schema.lowest + first as i32,
            bucket_counts: above[first..=last].to_vec(),
        }),
        _ => None,
    };
    Some(ExponentialHistogramDataPoint {
        count: counts.iter().sum(),
        sum: Some(sum.as_f64()),
        scale: schema.schema,
        zero_count,
        zero_threshold: bounds[0],
        positive,
        ..ExponentialHistogramDataPoint::default()
    })
}

fn number(value: Number) -> number_data_point::Value {
    match value {
        Number::Count(n) => number_data_point::Value::AsInt(i64::try_from(n).unwrap_or(i64::MAX)),
        Number::Float(v) | Number::Stored(v) => number_data_point::Value::AsDouble(v),
    }
}

impl Visit for Writer<'_> {
    const EXEMPLARS: bool = true;

    fn family(&mut self, family: &FamilyView<'_>) {
        let cumulative = AggregationTemporality::Cumulative as i32;
        let (name, data) = match family.kind {
            // The protocol's sums say what `_total` says in the text formats.
            Kind::Counter => (
                family.name.strip_suffix("_total").unwrap_or(family.name),
                Data::Sum(Sum {
                    data_points: Vec::new(),
                    aggregation_temporality: cumulative,
                    is_monotonic: true,
                }),
            ),
            Kind::Gauge => (family.name, Data::Gauge(Gauge::default())),
            Kind::Histogram => (
                family.name,
                Data::Histogram(Histogram {
                    data_points: Vec::new(),
                    aggregation_temporality: cumulative,
                }),
            ),
            Kind::Summary => (family.name, Data::Summary(Summary::default())),
        };
        self.family_start = self.metrics.len();
        self.metrics.push(Metric {
            name: name.to_owned(),
            description: family.help.to_owned(),
            unit: ucum(family.unit).to_owned(),
            data: Some(data),
            ..Metric::default()
        });
    }

    fn series(&mut self, _family: &FamilyView<'_>, series: &SeriesView<'_>) {
        let attributes = self.attributes(series);
        let start_time_unix_nano = self.envelope.start_unix_nano;
        let time_unix_nano = self.envelope.time_unix_nano;
        if let Reading::Histogram {
            bounds,
            cumulative,
            sum,
            native: true,
        } = series.reading
        {
            let point = exponential(bounds, cumulative, *sum);
            let exemplars = exemplars(series);
            // The twin is always there, made when it is not; were it not, the series would
            // go with the explicit ones below rather than nowhere.
            if let (Some(point), Some(points)) = (point, self.exponential_points()) {
                points.push(ExponentialHistogramDataPoint {
                    attributes,
                    start_time_unix_nano,
                    time_unix_nano,
                    exemplars,
                    ..point
                });
                return;
            }
        }
        // The family's own metric, not its exponential twin, which may be the last one.
        let Some(Metric {
            data: Some(data), ..
        }) = self.metrics.get_mut(self.family_start)
        else {
            return;
        };
        let point = |value: Number, exemplars: Vec<Exemplar>| NumberDataPoint {
            attributes: attributes.clone(),
            start_time_unix_nano,
            time_unix_nano,
            value: Some(number(value)),
            exemplars,
            ..NumberDataPoint::default()
        };
        match (data, series.reading) {
            (Data::Sum(sum), Reading::Counter(v)) => {
                sum.data_points.push(point(*v, exemplars(series)));
            }
            (Data::Gauge(gauge), Reading::Gauge(v)) => {
                gauge.data_points.push(point(*v, Vec::new()));
            }
            (
                Data::Histogram(histogram),
                Reading::Histogram {
                    bounds,
                    cumulative,
                    sum,
                    ..
                },
            ) => {
                let bucket_counts = per_bucket(cumulative);
                histogram.data_points.push(HistogramDataPoint {
                    attributes: attributes.clone(),
                    start_time_unix_nano,
                    time_unix_nano,
                    count: bucket_counts.iter().sum(),
                    sum: Some(sum.as_f64()),
                    bucket_counts,
                    explicit_bounds: bounds.to_vec(),
                    exemplars: exemplars(series),
                    ..HistogramDataPoint::default()
                });
            }
            (
                Data::Summary(summary),
                Reading::Summary {
                    quantiles,
                    count: n,
                    sum,
                },
            ) => summary.data_points.push(SummaryDataPoint {
                attributes: attributes.clone(),
                start_time_unix_nano,
                time_unix_nano,
                count: n.count(),
                sum: sum.as_f64(),
                quantile_values: quantiles
                    .iter()
                    .map(|&(quantile, v)| ValueAtQuantile {
                        quantile,
                        value: v.as_f64(),
                    })
                    .collect(),
                ..SummaryDataPoint::default()
            }),
            // A series whose reading is not of its family's type has no place here; the
            // layout never makes one.
            _ => {}
        }
    }

    fn end_family(&mut self, _family: &FamilyView<'_>) {
        // A family with no series yet has nothing to say; nor has the explicit half of one
        // whose histograms are all native.
        let mut i = self.family_start;
        while i < self.metrics.len() {
            if empty(&self.metrics[i]) {
                self.metrics.remove(i);
            } else {
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{FamilySnapshot, HistogramValue, Series, Snapshot, Value};

    fn histogram(labels: Vec<(&'static str, &'static str)>, native: bool) -> Series {
        Series {
            labels,
            value: Value::Histogram(HistogramValue {
                bounds: vec![0.5, 1.0],
                buckets: vec![1, 0, 2],
                sum: 7.0,
                native,
            }),
            exemplars: Vec::new(),
        }
    }

    #[test]
    fn a_family_with_both_kinds_is_two_metrics_of_one_name() {
        let snapshot = Snapshot {
            time: std::time::SystemTime::now(),
            tags: Vec::new(),
            families: vec![FamilySnapshot {
                name: "wait_seconds",
                help: "Waits.",
                unit: "seconds",
                kind: Kind::Histogram,
                series: vec![
                    histogram(vec![("queue", "a")], true),
                    histogram(vec![("queue", "b")], false),
                ],
            }],
        };
        let envelope = Envelope {
            resource: &[],
            resource_labels: &[],
            start_unix_nano: 1,
            time_unix_nano: 2,
        };
        let body = encode(&snapshot, &envelope);
        let request = ExportMetricsServiceRequest::decode(&body[..]).expect("decodes");
        let metrics = &request.resource_metrics[0].scope_metrics[0].metrics;
        assert_eq!(metrics.len(), 2);
        assert!(metrics
            .iter()
            .all(|m| m.name == "wait_seconds" && m.unit == "s"));
        let Some(Data::Histogram(explicit)) = &metrics[0].data else {
            panic!("explicit first: {metrics:?}");
        };
        assert_eq!(explicit.data_points.len(), 1);
        assert_eq!(explicit.data_points[0].bucket_counts, [1, 0, 2]);
        let Some(Data::ExponentialHistogram(native)) = &metrics[1].data else {
            panic!("exponential second: {metrics:?}");
        };
        let point = &native.data_points[0];
        // 0.5 and 1 are 2^-1 and 2^0: the zero bucket at 0.5, then (1, 2] for `+Inf`.
        assert_eq!((point.scale, point.zero_count, point.count), (0, 1, 3));
        assert!((point.zero_threshold - 0.5).abs() < 1e-12);
        let positive = point.positive.as_ref().expect("populated buckets");
        assert_eq!(
            (positive.offset, &positive.bucket_counts[..]),
            (0, &[2][..])
        );
        assert_eq!(point.attributes[0].key, "queue");
    }
}
