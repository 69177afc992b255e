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
//! The document is written as it is serialized, a series at a time, straight from what
//! it encodes: no tree of the whole document is built, so memory
//! does not grow with the number of series beyond the text itself.

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use super::view::{Exposition, FamilyView, Labels, Number, Reading, SeriesOf, SeriesView};

/// A number, with the strings JSON needs for a non-finite float.
struct Json(Number);

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Number::Count(n) => s.serialize_u64(n),
            number @ (Number::Float(v) | Number::Stored(v)) => {
                if let Some(whole) = number.whole() {
                    s.serialize_i64(whole)
                } else if v.is_nan() {
                    s.serialize_str("NaN")
                } else if v.is_infinite() {
                    s.serialize_str(if v > 0.0 { "+Inf" } else { "-Inf" })
                } else {
                    s.serialize_f64(v)
                }
            }
        }
    }
}

fn float(v: f64) -> Json {
    Json(Number::Float(v))
}

struct LabelsJson<'a>(Labels<'a>);

impl Serialize for LabelsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter())
    }
}

/// A histogram's buckets, cumulative, `+Inf` last.
struct Buckets<'a>(&'a [f64], &'a [Number]);

impl Serialize for Buckets<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Buckets(bounds, cumulative) = *self;
        let mut seq = s.serialize_seq(Some(cumulative.len()))?;
        for (i, &count) in cumulative.iter().enumerate() {
            let le = bounds.get(i).copied().unwrap_or(f64::INFINITY);
            seq.serialize_element(&Bucket {
                count: Json(count),
                le: float(le),
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct Bucket {
    count: Json,
    le: Json,
}

#[derive(Serialize)]
struct Quantile {
    quantile: Json,
    value: Json,
}

/// One series; keys in alphabetical order, as the format has always had them.
struct SeriesJson<'a, 'b>(&'a SeriesView<'b>);

impl Serialize for SeriesJson<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let labels = LabelsJson(self.0.labels);
        let mut map = s.serialize_map(None)?;
        match &self.0.reading {
            Reading::Counter(v) | Reading::Gauge(v) => {
                map.serialize_entry("labels", &labels)?;
                map.serialize_entry("value", &Json(*v))?;
            }
            Reading::Histogram {
                bounds,
                cumulative,
                sum,
            } => {
                let count = cumulative.last().copied().unwrap_or(Number::Count(0));
                map.serialize_entry("buckets", &Buckets(bounds, cumulative))?;
                map.serialize_entry("count", &Json(count))?;
                map.serialize_entry("labels", &labels)?;
                map.serialize_entry("sum", &Json(*sum))?;
            }
            Reading::Summary {
                quantiles,
                count,
                sum,
            } => {
                map.serialize_entry("count", &Json(*count))?;
                map.serialize_entry("labels", &labels)?;
                let quantiles: Vec<Quantile> = quantiles
                    .iter()
                    .map(|&(q, value)| Quantile {
                        quantile: float(q),
                        value: Json(value),
                    })
                    .collect();
                map.serialize_entry("quantiles", &quantiles)?;
                map.serialize_entry("sum", &Json(*sum))?;
            }
        }
        map.end()
    }
}

/// A family's series, each read as it is written.
struct SeriesJsonOf<'a>(&'a SeriesOf<'a>);

impl Serialize for SeriesJsonOf<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        let mut failed = None;
        (self.0)(&mut |series| {
            if failed.is_none() {
                failed = seq.serialize_element(&SeriesJson(series)).err();
            }
        });
        match failed {
            Some(e) => Err(e),
            None => seq.end(),
        }
    }
}

/// A family: its fields around its series.
#[derive(Serialize)]
struct Family<'a> {
    help: &'a str,
    name: &'a str,
    series: SeriesJsonOf<'a>,
    #[serde(rename = "type")]
    kind: crate::metrics::Kind,
    unit: &'a str,
}

/// The whole document: `{"metrics":[…]}` and, when given, `"timestamp_ms"`.
struct Document<'a> {
    exposition: &'a dyn Exposition,
    timestamp_ms: Option<u64>,
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Metrics<'a>(&'a dyn Exposition);
        impl Serialize for Metrics<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(None)?;
                let mut failed: Option<S::Error> = None;
                self.0.each_family(&mut |f: &FamilyView<'_>, series| {
                    if failed.is_none() {
                        let family = Family {
                            help: f.help,
                            name: f.name,
                            series: SeriesJsonOf(series),
                            kind: f.kind,
                            unit: f.unit,
                        };
                        failed = seq.serialize_element(&family).err();
                    }
                });
                match failed {
                    Some(e) => Err(e),
                    None => seq.end(),
                }
            }
        }
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("metrics", &Metrics(self.exposition))?;
        if let Some(ms) = self.timestamp_ms {
            map.serialize_entry("timestamp_ms", &ms)?;
        }
        map.end()
    }
}

/// Appends `exposition` as compact JSON and a newline to `out`; with `timestamp_ms`, the
/// document carries it (what `HttpJsonSurfacer` sends).
pub(crate) fn encode(exposition: &dyn Exposition, timestamp_ms: Option<u64>, out: &mut String) {
    let document = Document {
        exposition,
        timestamp_ms,
    };
    let mut bytes = std::mem::take(out).into_bytes();
    // Writing into a vector fails only on a non-string map key, which these have none of.
    let _ = serde_json::to_writer(&mut bytes, &document);
    bytes.push(b'\n');
    // serde_json writes UTF-8 and the text before it was a String.
    *out = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
}

/// The snapshot as a JSON document with `"timestamp_ms"`, without the newline.
#[cfg(feature = "push")]
pub(crate) fn batch(snapshot: &crate::Snapshot, timestamp_ms: u64) -> String {
    let mut out = String::new();
    encode(snapshot, Some(timestamp_ms), &mut out);
    out.pop();
    out
}
