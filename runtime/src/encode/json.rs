//! JSON: one object per family, with labels as objects and cumulative histogram buckets.
//!
//! ```json
//! {"metrics":[{"help":"…","name":"orders_total","series":[{"labels":{"shop":"eu"},"value":3}],
//!   "type":"counter","unit":""}]}
//! ```
//!
//! A histogram series has `count`, `sum` and `buckets: [{"count": 2, "le": 0.1}, …,
//! {"count": 5, "le": "+Inf"}]`. Non-finite gauge values and sums, which JSON cannot
//! represent, are written as the strings `"NaN"`, `"+Inf"` and `"-Inf"`.
//!
//! The document is written as it is serialized, a series at a time, straight from the
//! registry's layout or from a snapshot: no tree of the whole document is built, so memory
//! does not grow with the number of series beyond the text itself.

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use super::layout::{FamilyLayout, Layout};
use crate::registry::Kind;
use crate::snapshot::{value_of, Snapshot, Value};

/// A float, or the string JSON needs for a non-finite one.
struct Number(f64);

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_nan() {
            s.serialize_str("NaN")
        } else if v.is_infinite() {
            s.serialize_str(if v > 0.0 { "+Inf" } else { "-Inf" })
        } else {
            s.serialize_f64(v)
        }
    }
}

struct Labels<'a>(&'a [(&'a str, &'a str)]);

impl Serialize for Labels<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A histogram's buckets, cumulative, `+Inf` last.
struct Buckets<'a>(&'a crate::HistogramValue);

impl Serialize for Buckets<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let h = self.0;
        let mut seq = s.serialize_seq(Some(h.buckets.len()))?;
        let mut cumulative = 0u64;
        for (i, n) in h.buckets.iter().enumerate() {
            cumulative += n;
            let le = h.bounds.get(i).copied().unwrap_or(f64::INFINITY);
            seq.serialize_element(&Bucket {
                count: cumulative,
                le: Number(le),
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct Bucket {
    count: u64,
    le: Number,
}

#[derive(Serialize)]
struct Quantile {
    quantile: Number,
    value: Number,
}

/// One series; keys in alphabetical order, as the format has always had them.
struct SeriesJson<'a> {
    labels: &'a [(&'a str, &'a str)],
    value: &'a Value,
}

impl Serialize for SeriesJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        match self.value {
            Value::Counter(v) => {
                map.serialize_entry("labels", &Labels(self.labels))?;
                map.serialize_entry("value", v)?;
            }
            Value::Gauge(v) => {
                map.serialize_entry("labels", &Labels(self.labels))?;
                map.serialize_entry("value", &Number(*v))?;
            }
            Value::Histogram(h) => {
                map.serialize_entry("buckets", &Buckets(h))?;
                map.serialize_entry("count", &h.count())?;
                map.serialize_entry("labels", &Labels(self.labels))?;
                map.serialize_entry("sum", &Number(h.sum))?;
            }
            Value::Summary(v) => {
                map.serialize_entry("count", &v.count)?;
                map.serialize_entry("labels", &Labels(self.labels))?;
                let quantiles: Vec<Quantile> = v
                    .quantiles
                    .iter()
                    .map(|&(q, value)| Quantile {
                        quantile: Number(q),
                        value: Number(value),
                    })
                    .collect();
                map.serialize_entry("quantiles", &quantiles)?;
                map.serialize_entry("sum", &Number(v.sum))?;
            }
        }
        map.end()
    }
}

/// A family's fields around its series, which `series` serializes.
fn family<S: SerializeSeq>(
    seq: &mut S,
    name: &str,
    help: &str,
    unit: &str,
    kind: Kind,
    series: impl Serialize,
) -> Result<(), S::Error> {
    #[derive(Serialize)]
    struct Family<'a, T> {
        help: &'a str,
        name: &'a str,
        series: T,
        #[serde(rename = "type")]
        kind: Kind,
        unit: &'a str,
    }
    seq.serialize_element(&Family {
        help,
        name,
        series,
        kind,
        unit,
    })
}

/// A snapshot's series.
struct SnapshotSeries<'a>(&'a [crate::Series]);

impl Serialize for SnapshotSeries<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|series| SeriesJson {
            labels: &series.labels,
            value: &series.value,
        }))
    }
}

/// A family of the layout's series, each read when it is written.
struct LayoutSeries<'a>(&'a FamilyLayout);

impl Serialize for LayoutSeries<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let family = self.0;
        let dynamic = family.dynamic_series();
        let mut seq = s.serialize_seq(None)?;
        for series in family.series.iter().chain(dynamic.iter()) {
            let value = value_of(family.kind, series);
            seq.serialize_element(&SeriesJson {
                labels: &series.labels,
                value: &value,
            })?;
        }
        seq.end()
    }
}

/// The whole document: `{"metrics":[…]}` and, when given, `"timestamp_ms"`.
struct Document<'a> {
    source: Source<'a>,
    timestamp_ms: Option<u64>,
}

enum Source<'a> {
    Layout(&'a Layout),
    Snapshot(&'a Snapshot),
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Metrics<'a>(&'a Source<'a>);
        impl Serialize for Metrics<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(None)?;
                match self.0 {
                    Source::Layout(layout) => {
                        for f in &layout.families {
                            family(&mut seq, f.name, f.help, f.unit, f.kind, LayoutSeries(f))?;
                        }
                    }
                    Source::Snapshot(snapshot) => {
                        for f in &snapshot.families {
                            let series = SnapshotSeries(&f.series);
                            family(&mut seq, f.name, f.help, f.unit, f.kind, series)?;
                        }
                    }
                }
                seq.end()
            }
        }
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("metrics", &Metrics(&self.source))?;
        if let Some(ms) = self.timestamp_ms {
            map.serialize_entry("timestamp_ms", &ms)?;
        }
        map.end()
    }
}

/// Appends `document` as compact JSON and a newline to `out`.
fn write(document: &Document<'_>, out: &mut String) {
    let mut bytes = std::mem::take(out).into_bytes();
    // Writing into a vector fails only on a non-string map key, which these have none of.
    let _ = serde_json::to_writer(&mut bytes, document);
    bytes.push(b'\n');
    // serde_json writes UTF-8 and the text before it was a String.
    *out = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
}

/// Appends the registry as compact JSON and a newline, reading each series as it goes.
pub(crate) fn encode_layout(layout: &Layout, out: &mut String) {
    write(
        &Document {
            source: Source::Layout(layout),
            timestamp_ms: None,
        },
        out,
    );
}

/// Appends the snapshot as compact JSON and a newline.
pub(crate) fn encode(snapshot: &Snapshot, out: &mut String) {
    write(
        &Document {
            source: Source::Snapshot(snapshot),
            timestamp_ms: None,
        },
        out,
    );
}

/// The snapshot as a JSON document with `"timestamp_ms"`, what `HttpJsonSurfacer` sends.
#[cfg(feature = "push")]
pub(crate) fn batch(snapshot: &Snapshot, timestamp_ms: u64) -> String {
    let mut out = String::new();
    write(
        &Document {
            source: Source::Snapshot(snapshot),
            timestamp_ms: Some(timestamp_ms),
        },
        &mut out,
    );
    out.pop();
    out
}
