//! What the page asks for (`/api/dashboard`): the instrumented functions with their calls,
//! error share and latency per interval, and every other family with its series, from the
//! ring of past ticks and the values now.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use serde_json::{json, Map, Value as Json};

use super::history::{pack, History, Tick};
use crate::metrics::Kind;
use crate::model::layout;
use crate::snapshot::{holding, snapshot, FamilySnapshot, HistogramValue, Value};

/// The most series of one family sent to the page; the rest are counted.
const MAX_SERIES: usize = 200;

type Labels = Vec<(&'static str, &'static str)>;

/// The page's data as JSON.
pub(crate) fn json(history: &History) -> String {
    let now = snapshot();
    let mut ticks = history.ticks();
    let previous = ticks.last().map(|t| Arc::clone(&t.schema));
    ticks.push(Arc::new(pack(&now, previous)));
    let times: Vec<f64> = ticks
        .iter()
        .map(|t| {
            t.time
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64())
        })
        .collect();

    // Families that only the function attributes define; a family of one's own whose
    // labels happen to be `module` and `function` stays a family.
    let layout = layout();
    let by_functions: HashSet<&str> = layout
        .families
        .iter()
        .filter(|f| f.definitions.iter().all(|d| d.function().is_some()))
        .map(|f| f.name)
        .collect();
    let mut functions: BTreeMap<(&str, &str), Function> = BTreeMap::new();
    let mut families = Vec::new();
    for family in &now.families {
        if !by_functions.contains(family.name) {
            families.push(family_json(family, &ticks, &times));
            continue;
        }
        let mut instrumented = false;
        for series in &family.series {
            let (Some(module), Some(name)) = (series.label("module"), series.label("function"))
            else {
                continue;
            };
            let f = functions.entry((module, name)).or_default();
            match (family.kind, &series.value) {
                (Kind::Counter, _) if series.label("result").is_some() => {
                    instrumented = true;
                    f.calls.push((family.name, series.labels.clone()));
                }
                (Kind::Histogram, Value::Histogram(h)) if family.unit == "seconds" => {
                    instrumented = true;
                    f.durations
                        .push((family.name, series.labels.clone(), h.clone()));
                }
                (Kind::Gauge, Value::Gauge(v)) => {
                    instrumented = true;
                    *f.in_flight.get_or_insert(0.0) += v;
                }
                _ => {}
            }
        }
        if !instrumented {
            families.push(family_json(family, &ticks, &times));
        }
    }
    let functions: Vec<Json> = functions
        .iter()
        .filter(|(_, f)| !f.calls.is_empty() || !f.durations.is_empty())
        .map(|((module, name), f)| f.json(module, name, &ticks, &times))
        .collect();
    json!({
        "interval": history.interval.as_secs_f64(),
        "times": times,
        "functions": functions,
        "families": families,
    })
    .to_string()
}

/// The series an instrumented function records into.
#[derive(Default)]
struct Function {
    /// Call counters, one series per result (and per computed label value).
    calls: Vec<(&'static str, Labels)>,
    /// Duration histograms, with their values now.
    durations: Vec<(&'static str, Labels, HistogramValue)>,
    /// Calls running now, when counted.
    in_flight: Option<f64>,
}

impl Function {
    fn json(&self, module: &str, name: &str, ticks: &[Arc<Tick>], times: &[f64]) -> Json {
        // Calls and failed calls at each tick; `None` where the tick predates the series.
        let totals: Vec<Option<(f64, f64)>> = ticks
            .iter()
            .map(|tick| {
                let mut found = false;
                let (mut all, mut failed) = (0.0, 0.0);
                for (family, labels) in &self.calls {
                    if let Some(n) = tick.numbers_of(family, labels) {
                        found = true;
                        all += n[0];
                        let result = labels.iter().find(|(k, _)| *k == "result").map(|(_, v)| *v);
                        if matches!(result, Some("error" | "panic")) {
                            failed += n[0];
                        }
                    }
                }
                found.then_some((all, failed))
            })
            .collect();
        let mut rate = Vec::new();
        let mut errors = Vec::new();
        for (i, pair) in totals.windows(2).enumerate() {
            let seconds = times[i + 1] - times[i];
            match (pair[0], pair[1]) {
                (Some((a0, f0)), Some((a1, f1))) if seconds > 0.0 => {
                    let calls = a1 - a0;
                    rate.push(Json::from(calls / seconds));
                    errors.push(if calls > 0.0 {
                        Json::from((f1 - f0) / calls)
                    } else {
                        Json::Null
                    });
                }
                _ => {
                    rate.push(Json::Null);
                    errors.push(Json::Null);
                }
            }
        }
        let (all, failed) = totals.last().copied().flatten().unwrap_or((0.0, 0.0));

        let mut out = json!({
            "name": format!("{module}::{name}"),
            "module": module,
            "function": name,
            "calls": all,
            "errors": failed,
            "rate": rate,
            "error_ratio": errors,
            "in_flight": self.in_flight,
        });
        if let Some((_, _, first)) = self.durations.first() {
            let bounds = first.bounds.clone();
            let same: Vec<&(&str, Labels, HistogramValue)> = self
                .durations
                .iter()
                .filter(|d| d.2.bounds == bounds)
                .collect();
            // Bucket counts summed over the series at each tick.
            let buckets: Vec<Option<Vec<f64>>> = ticks
                .iter()
                .map(|tick| {
                    let mut sum: Option<Vec<f64>> = None;
                    for (family, labels, _) in &same {
                        if let Some(n) = tick.numbers_of(family, labels) {
                            let counts = &n[..n.len() - 1];
                            let total = sum.get_or_insert_with(|| vec![0.0; counts.len()]);
                            for (t, c) in total.iter_mut().zip(counts) {
                                *t += c;
                            }
                        }
                    }
                    sum
                })
                .collect();
            let mut quantiles = [Vec::new(), Vec::new(), Vec::new()];
            for pair in buckets.windows(2) {
                let delta = match (&pair[0], &pair[1]) {
                    (Some(a), Some(b)) if a.len() == b.len() => {
                        b.iter().zip(a).map(|(b, a)| (b - a).max(0.0)).collect()
                    }
                    _ => Vec::new(),
                };
                for (list, q) in quantiles.iter_mut().zip([0.5, 0.9, 0.99]) {
                    list.push(bucket_of(&delta, q).map_or(Json::Null, Json::from));
                }
            }
            let latest = buckets.last().cloned().flatten().unwrap_or_default();
            let sum: f64 = same.iter().map(|d| d.2.sum).sum();
            let count: f64 = latest.iter().sum();
            let [p50, p90, p99] = quantiles;
            out["bounds"] = json!(bounds);
            out["p50"] = json!(p50);
            out["p90"] = json!(p90);
            out["p99"] = json!(p99);
            out["latency"] = json!({
                "p50": bucket_of(&latest, 0.5),
                "p90": bucket_of(&latest, 0.9),
                "p99": bucket_of(&latest, 0.99),
                "mean": if count > 0.0 { Json::from(sum / count) } else { Json::Null },
            });
        }
        out
    }
}

/// The index of the bucket that holds the `q`-quantile of `counts` (not cumulative, whole
/// numbers); `None` when there are no observations.
fn bucket_of(counts: &[f64], q: f64) -> Option<usize> {
    // Counts of observations: whole, non-negative, far below 2^53.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let whole: Vec<u64> = counts.iter().map(|&c| c.max(0.0).round() as u64).collect();
    holding(&whole, q).map(|(i, _, _)| i)
}

fn labels_json(labels: &Labels) -> Json {
    let map: Map<String, Json> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Json::from(*v)))
        .collect();
    Json::Object(map)
}

/// A family as the page lists it: its series' values now and, for counters and gauges, at
/// each tick (a counter as its rate); for a histogram, a heatmap of its buckets per interval
/// over all its series.
fn family_json(family: &FamilySnapshot, ticks: &[Arc<Tick>], times: &[f64]) -> Json {
    let mut heatmap: Vec<Vec<f64>> = Vec::new();
    let mut bounds: Option<&[f64]> = None;
    let series: Vec<Json> = family
        .series
        .iter()
        .take(MAX_SERIES)
        .map(|s| {
            let at: Vec<Option<&[f64]>> = ticks
                .iter()
                .map(|t| t.numbers_of(family.name, &s.labels))
                .collect();
            let (value, points) = match &s.value {
                Value::Counter(_) | Value::Total(_) => {
                    let points: Vec<Json> = at
                        .windows(2)
                        .zip(times.windows(2))
                        .map(|(pair, time)| match (pair[0], pair[1]) {
                            (Some(a), Some(b)) if time[1] > time[0] => {
                                Json::from((b[0] - a[0]) / (time[1] - time[0]))
                            }
                            _ => Json::Null,
                        })
                        .collect();
                    (number(&s.value), points)
                }
                Value::Gauge(_) => {
                    let points = at
                        .iter()
                        .map(|n| n.map_or(Json::Null, |n| Json::from(n[0])))
                        .collect();
                    (number(&s.value), points)
                }
                Value::Histogram(h) => {
                    if bounds.is_none_or(|b| b == h.bounds.as_slice()) {
                        bounds = Some(&h.bounds);
                        add_heatmap(&mut heatmap, &at);
                    }
                    #[allow(clippy::cast_precision_loss)]
                    let counts: Vec<f64> = h.buckets.iter().map(|&n| n as f64).collect();
                    (
                        json!({
                            "count": h.count(),
                            "sum": h.sum,
                            "p50": bucket_of(&counts, 0.5),
                            "p90": bucket_of(&counts, 0.9),
                            "p99": bucket_of(&counts, 0.99),
                        }),
                        Vec::new(),
                    )
                }
                Value::Summary(summary) => (
                    json!({
                        "count": summary.count,
                        "sum": summary.sum,
                        "quantiles": summary.quantiles,
                    }),
                    Vec::new(),
                ),
            };
            json!({"labels": labels_json(&s.labels), "value": value, "points": points})
        })
        .collect();
    let mut out = json!({
        "name": family.name,
        "type": family.kind.as_str(),
        "unit": family.unit,
        "help": family.help,
        "series": series,
        "more": family.series.len().saturating_sub(MAX_SERIES),
    });
    if let Some(bounds) = bounds {
        out["bounds"] = json!(bounds);
        out["heatmap"] = json!(heatmap);
    }
    out
}

/// Adds one series' bucket counts per interval into `heatmap`.
fn add_heatmap(heatmap: &mut Vec<Vec<f64>>, at: &[Option<&[f64]>]) {
    for (i, pair) in at.windows(2).enumerate() {
        let (Some(a), Some(b)) = (pair[0], pair[1]) else {
            continue;
        };
        // The counts, without the sum at the end.
        let width = b.len().saturating_sub(1);
        if heatmap.len() <= i {
            heatmap.resize(i + 1, Vec::new());
        }
        let row = &mut heatmap[i];
        if row.len() < width {
            row.resize(width, 0.0);
        }
        for (cell, (b, a)) in row.iter_mut().zip(b[..width].iter().zip(a)) {
            *cell += (b - a).max(0.0);
        }
    }
}

fn number(value: &Value) -> Json {
    match value {
        #[allow(clippy::cast_precision_loss)]
        Value::Counter(n) => Json::from(*n as f64),
        Value::Total(v) | Value::Gauge(v) => Json::from(*v),
        _ => Json::Null,
    }
}
