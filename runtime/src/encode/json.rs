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
//! The document is written a series at a time, straight from what it encodes: no tree of
//! the whole document is built, so memory does not grow with the number of series beyond
//! the text itself.

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use super::view::{Exposition, FamilyView, Labels, Number, Reading, SeriesView, Visit};

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
        match self.0.reading {
            Reading::Counter(v) | Reading::Gauge(v) => {
                map.serialize_entry("labels", &labels)?;
                map.serialize_entry("value", &Json(*v))?;
            }
            Reading::Histogram {
                bounds,
                cumulative,
                sum,
                ..
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

/// Writes the document as it is shown the families, a series at a time.
struct Writer {
    out: Vec<u8>,
    first_family: bool,
    first_series: bool,
}

impl Writer {
    /// Appends `value` as JSON. Writing into a vector fails only on a non-string map key,
    /// which these have none of.
    fn value(&mut self, value: &impl Serialize) {
        let _ = serde_json::to_writer(&mut self.out, value);
    }
}

impl Visit for Writer {
    fn family(&mut self, family: &FamilyView<'_>) {
        // Keys in alphabetical order, as the format has always had them.
        if !std::mem::take(&mut self.first_family) {
            self.out.push(b',');
        }
        self.out.extend_from_slice(b"{\"help\":");
        self.value(&family.help);
        self.out.extend_from_slice(b",\"name\":");
        self.value(&family.name);
        self.out.extend_from_slice(b",\"series\":[");
        self.first_series = true;
    }

    fn series(&mut self, _family: &FamilyView<'_>, series: &SeriesView<'_>) {
        if !std::mem::take(&mut self.first_series) {
            self.out.push(b',');
        }
        self.value(&SeriesJson(series));
    }

    fn end_family(&mut self, family: &FamilyView<'_>) {
        self.out.extend_from_slice(b"],\"type\":");
        self.value(&family.kind);
        self.out.extend_from_slice(b",\"unit\":");
        self.value(&family.unit);
        self.out.push(b'}');
    }
}

/// Appends `exposition` as compact JSON and a newline to `out`: `{"metrics":[…]}` and, with
/// `timestamp_ms`, `"timestamp_ms"` (what `HttpJsonSurfacer` sends).
pub(crate) fn encode<E: Exposition + ?Sized>(
    exposition: &E,
    timestamp_ms: Option<u64>,
    out: &mut String,
) {
    let mut writer = Writer {
        out: std::mem::take(out).into_bytes(),
        first_family: true,
        first_series: true,
    };
    writer.out.extend_from_slice(b"{\"metrics\":[");
    exposition.expose(&mut writer);
    writer.out.push(b']');
    if let Some(ms) = timestamp_ms {
        writer.out.extend_from_slice(b",\"timestamp_ms\":");
        writer.value(&ms);
    }
    writer.out.extend_from_slice(b"}\n");
    // serde_json writes UTF-8 and the text before it was a String.
    *out = String::from_utf8(writer.out)
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
