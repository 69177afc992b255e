//! JSON: one object per family, with labels as objects and cumulative histogram buckets.
//!
//! ```json
//! {"metrics":[{"name":"orders_total","type":"counter","help":"…","unit":"",
//!   "series":[{"labels":{"shop":"eu"},"value":3}]}]}
//! ```
//!
//! A histogram series has `count`, `sum` and `buckets: [{"le": 0.1, "count": 2}, …,
//! {"le": "+Inf", "count": 5}]`. Non-finite gauge values and sums, which JSON cannot
//! represent, are written as the strings `"NaN"`, `"+Inf"` and `"-Inf"`.

use serde_json::{json, Map, Value as Json};

use crate::snapshot::{Snapshot, Value};

fn number(v: f64) -> Json {
    if v.is_nan() {
        Json::from("NaN")
    } else if v.is_infinite() {
        Json::from(if v > 0.0 { "+Inf" } else { "-Inf" })
    } else {
        Json::from(v)
    }
}

/// The snapshot as a JSON document.
pub(crate) fn to_json(snapshot: &Snapshot) -> Json {
    let metrics: Vec<Json> = snapshot
        .families
        .iter()
        .map(|family| {
            let series: Vec<Json> = family
                .series
                .iter()
                .map(|s| {
                    let labels: Map<String, Json> = s
                        .labels
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), Json::from(*v)))
                        .collect();
                    match &s.value {
                        Value::Counter(v) => json!({ "labels": labels, "value": v }),
                        Value::Gauge(v) => json!({ "labels": labels, "value": number(*v) }),
                        Value::Histogram(h) => {
                            let mut cumulative = 0;
                            let buckets: Vec<Json> = h
                                .buckets
                                .iter()
                                .enumerate()
                                .map(|(i, n)| {
                                    cumulative += n;
                                    let le =
                                        h.bounds.get(i).map_or(Json::from("+Inf"), |b| number(*b));
                                    json!({ "le": le, "count": cumulative })
                                })
                                .collect();
                            json!({
                                "labels": labels,
                                "count": h.count(),
                                "sum": number(h.sum),
                                "buckets": buckets,
                            })
                        }
                        Value::Summary(v) => {
                            let quantiles: Vec<Json> = v
                                .quantiles
                                .iter()
                                .map(|(q, value)| {
                                    json!({ "quantile": number(*q), "value": number(*value) })
                                })
                                .collect();
                            json!({
                                "labels": labels,
                                "count": v.count,
                                "sum": number(v.sum),
                                "quantiles": quantiles,
                            })
                        }
                    }
                })
                .collect();
            json!({
                "name": family.name,
                "type": family.kind,
                "help": family.help,
                "unit": family.unit,
                "series": series,
            })
        })
        .collect();
    json!({ "metrics": metrics })
}

/// Appends the snapshot as compact JSON and a newline.
pub(crate) fn encode(snapshot: &Snapshot, out: &mut String) {
    out.push_str(&to_json(snapshot).to_string());
    out.push('\n');
}
