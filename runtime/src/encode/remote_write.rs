//! Prometheus remote write 1.0: every sample the text formats show, as a series of its own
//! (`__name__` and the labels, sorted by name) with one sample at the snapshot's time and
//! the exemplar kept for it, a native histogram as one series with a histogram sample, and
//! each family's metadata; protobuf, then snappy's block format, as the protocol says.

use prost::Message as _;

use super::native;
use super::prompb::{
    BucketSpan, Exemplar, Histogram, Label, MetricMetadata, MetricType, Sample, TimeSeries,
    WriteRequest,
};
use super::view::{per_bucket, Exposition, FamilyView, Number, Reading, SeriesView, Visit};
use crate::metrics::{KeptExemplar, Kind};
use crate::syntax::push_f64;

/// The body of one push of `exposition` at `timestamp_ms`, native histograms as such when
/// `native`: the encoded request, compressed.
pub(crate) fn encode<E: Exposition + ?Sized>(
    exposition: &E,
    timestamp_ms: i64,
    native: bool,
) -> Vec<u8> {
    let mut writer = Writer {
        request: WriteRequest::default(),
        timestamp_ms,
        native,
    };
    exposition.expose(&mut writer);
    let encoded = writer.request.encode_to_vec();
    // Compressing a buffer held in memory fails only for inputs over 4 GiB, which a
    // snapshot is not; an empty body would then be refused by the receiver, not lost here.
    snap::raw::Encoder::new()
        .compress_vec(&encoded)
        .unwrap_or_default()
}

struct Writer {
    request: WriteRequest,
    timestamp_ms: i64,
    /// Whether native histograms go as native histogram samples.
    native: bool,
}

impl Writer {
    /// One series of `name` with `labels` and `extra`, holding `value` and `exemplar`.
    fn push(
        &mut self,
        name: String,
        labels: &[Label],
        extra: Option<(&str, f64)>,
        value: f64,
        exemplar: Option<&KeptExemplar>,
    ) {
        let all = series_labels(name, labels, extra);
        self.request.timeseries.push(TimeSeries {
            labels: all,
            samples: vec![Sample {
                value,
                timestamp: self.timestamp_ms,
            }],
            exemplars: exemplar.map(exemplar_message).into_iter().collect(),
            histograms: Vec::new(),
        });
    }

    /// A native histogram's one series, when `bounds` are a native histogram's.
    fn push_native(
        &mut self,
        name: String,
        labels: &[Label],
        bounds: &[f64],
        cumulative: &[Number],
        sum: Number,
    ) -> bool {
        let Some(schema) = native::schema(bounds) else {
            return false;
        };
        let counts = per_bucket(cumulative);
        let sparse = native::sparse(schema, &counts);
        self.request.timeseries.push(TimeSeries {
            labels: series_labels(name, labels, None),
            histograms: vec![Histogram {
                count_int: counts.iter().sum(),
                sum: sum.as_f64(),
                schema: schema.schema,
                zero_threshold: bounds[0],
                zero_count_int: sparse.zero_count,
                positive_spans: sparse
                    .spans
                    .into_iter()
                    .map(|(offset, length)| BucketSpan { offset, length })
                    .collect(),
                positive_deltas: sparse.deltas,
                timestamp: self.timestamp_ms,
            }],
            ..TimeSeries::default()
        });
        true
    }
}

/// A series' labels: `__name__`, `labels`, and `extra` (`le` or `quantile`), sorted by name.
fn series_labels(name: String, labels: &[Label], extra: Option<(&str, f64)>) -> Vec<Label> {
    let mut all = Vec::with_capacity(labels.len() + 2);
    all.push(Label {
        name: "__name__".to_owned(),
        value: name,
    });
    all.extend(labels.iter().cloned());
    if let Some((key, bound)) = extra {
        let mut text = String::new();
        push_f64(&mut text, bound);
        all.push(Label {
            name: key.to_owned(),
            value: text,
        });
    }
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

fn exemplar_message(kept: &KeptExemplar) -> Exemplar {
    // Milliseconds since the epoch fit an i64 for 292 million years.
    #[allow(clippy::cast_possible_truncation)]
    let timestamp = (kept.timestamp * 1000.0).round() as i64;
    Exemplar {
        labels: kept
            .exemplar
            .labels()
            .iter()
            .map(|(name, value)| Label {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
        value: kept.value,
        timestamp,
    }
}

impl Visit for Writer {
    const EXEMPLARS: bool = true;

    fn family(&mut self, family: &FamilyView<'_>) {
        let kind = match family.kind {
            Kind::Counter => MetricType::Counter,
            Kind::Gauge => MetricType::Gauge,
            Kind::Histogram => MetricType::Histogram,
            Kind::Summary => MetricType::Summary,
        };
        self.request.metadata.push(MetricMetadata {
            r#type: kind as i32,
            metric_family_name: family.exposed.to_owned(),
            help: family.help.to_owned(),
            unit: family.unit.to_owned(),
        });
    }

    fn series(&mut self, family: &FamilyView<'_>, series: &SeriesView<'_>) {
        let labels: Vec<Label> = series
            .labels
            .present()
            .map(|(name, value)| Label { name, value })
            .collect();
        let name = |suffix: &str| format!("{}{suffix}", family.exposed);
        let exemplar = |slot: usize| series.exemplars.and_then(|e| e.get(slot)?.as_ref());
        match series.reading {
            Reading::Counter(v) => self.push(name(""), &labels, None, v.as_f64(), exemplar(0)),
            Reading::Gauge(v) => self.push(name(""), &labels, None, v.as_f64(), None),
            Reading::Histogram {
                bounds,
                cumulative,
                sum,
                native,
            } => {
                if *native
                    && self.native
                    && self.push_native(name(""), &labels, bounds, cumulative, *sum)
                {
                    return;
                }
                // Otherwise as the text formats show it: a native one from `+Inf`.
                let skip = if *native { bounds.len() } else { 0 };
                let bounds = bounds.iter().copied().chain([f64::INFINITY]);
                for (slot, (bound, count)) in bounds.zip(cumulative).enumerate().skip(skip) {
                    self.push(
                        name("_bucket"),
                        &labels,
                        Some(("le", bound)),
                        count.as_f64(),
                        exemplar(slot),
                    );
                }
                let count = cumulative.last().copied().unwrap_or(Number::Count(0));
                self.push(name("_sum"), &labels, None, sum.as_f64(), None);
                self.push(name("_count"), &labels, None, count.as_f64(), None);
            }
            Reading::Summary {
                quantiles,
                count,
                sum,
            } => {
                for (q, v) in quantiles {
                    self.push(name(""), &labels, Some(("quantile", *q)), v.as_f64(), None);
                }
                self.push(name("_sum"), &labels, None, sum.as_f64(), None);
                self.push(name("_count"), &labels, None, count.as_f64(), None);
            }
        }
    }
}
