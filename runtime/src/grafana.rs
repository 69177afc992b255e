//! A Grafana dashboard made from what the program exposes: a row per instrumented function
//! (its calls, error ratio and latency quantiles) and a panel per other metric, every query
//! a PromQL expression over the series as the text formats write them.

use serde_json::{json, Value};

use crate::metrics::Kind;
use crate::model::{layout, FamilyLayout};
use crate::sanitize::exposition_key;
use crate::syntax::promql_string;

/// Grafana's rate window variable: at least four scrape intervals, whatever the zoom.
const RATE: &str = "$__rate_interval";

/// The dashboard, as the JSON that Grafana imports (Dashboards, New, Import) or provisions
/// from a file. It asks for a Prometheus data source when imported (`${datasource}`).
///
/// Each instrumented function has a row: calls per second by result, the share that ended in
/// an error or a panic, and the 50th, 90th and 99th percentiles of its duration. Every other
/// family has a panel: a counter's rate per second by its labels, a gauge's values, a
/// histogram's percentiles, a summary's quantiles.
///
/// ```
/// /// Orders taken.
/// #[meterbox::metric]
/// static ORDERS_TOTAL: meterbox::Counter = meterbox::Counter::new();
///
/// let dashboard: serde_json::Value =
///     serde_json::from_str(&meterbox::grafana::dashboard("shop")).unwrap();
/// assert_eq!(dashboard["title"], "shop");
/// ```
#[must_use]
pub fn dashboard(title: &str) -> String {
    // A `Value` of strings, numbers and arrays: serialising cannot fail.
    serde_json::to_string_pretty(&build(title)).unwrap_or_default()
}

/// Every PromQL expression of the dashboard, with Grafana's rate window as `window`: for a
/// check by `promtool` or a query against a Prometheus.
#[must_use]
pub fn queries(title: &str, window: &str) -> Vec<String> {
    build(title)["panels"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["targets"].as_array().into_iter().flatten())
        .filter_map(|t| t["expr"].as_str().map(|e| e.replace(RATE, window)))
        .collect()
}

/// The dashboard as a JSON value.
fn build(title: &str) -> Value {
    let layout = layout();
    let mut others: Vec<&FamilyLayout> = Vec::new();
    let mut functions: Vec<Function> = Vec::new();
    for family in &layout.families {
        let mut instrumented = false;
        for d in &family.definitions {
            if let Some((module, function)) = d.function() {
                instrumented = true;
                let i = functions
                    .iter()
                    .position(|f| f.module == module && f.name == function)
                    .unwrap_or_else(|| {
                        functions.push(Function {
                            module,
                            name: function,
                            calls: None,
                            durations: None,
                        });
                        functions.len() - 1
                    });
                let name = family.exposed.to_string();
                if d.source.extra_label_names().contains(&"result") && family.kind == Kind::Counter
                {
                    functions[i].calls = Some(name);
                } else if family.kind == Kind::Histogram && family.unit == "seconds" {
                    let native = family.series.iter().any(|s| {
                        s.native()
                            && s.labels.contains(&("function", function))
                            && s.labels.contains(&("module", module))
                    });
                    functions[i].durations = Some((name, native));
                }
            }
        }
        if !instrumented {
            others.push(family);
        }
    }
    let mut panels = Grid::default();
    for f in &functions {
        panels.function(f);
    }
    panels.row("Metrics");
    for family in others {
        panels.metric(family);
    }
    json!({
        "title": title,
        "uid": uid(title),
        "tags": ["meterbox"],
        "timezone": "browser",
        "schemaVersion": 39,
        "editable": true,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {"list": [{
            "name": "datasource",
            "label": "Prometheus",
            "type": "datasource",
            "query": "prometheus",
        }]},
        "panels": panels.panels,
    })
}

/// An instrumented function and the families it records into.
struct Function {
    module: &'static str,
    name: &'static str,
    calls: Option<String>,
    /// The duration family's name, and whether the function's histogram is native.
    durations: Option<(String, bool)>,
}

/// A stable identifier from the title, so that a re-import replaces the dashboard.
fn uid(title: &str) -> String {
    let mut uid: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(32)
        .collect();
    uid.insert_str(0, "mb-");
    uid
}

/// Panels laid out in a grid 24 units wide, three to a line.
#[derive(Default)]
struct Grid {
    panels: Vec<Value>,
    y: u32,
    x: u32,
}

impl Grid {
    fn row(&mut self, title: &str) {
        self.newline();
        let id = self.panels.len() + 1;
        self.panels.push(json!({
            "id": id,
            "type": "row",
            "title": title,
            "collapsed": false,
            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y},
            "panels": [],
        }));
        self.y += 1;
    }

    fn newline(&mut self) {
        if self.x > 0 {
            self.x = 0;
            self.y += 8;
        }
    }

    /// A time series panel of `targets`, `(expression, legend)` pairs.
    fn chart(&mut self, title: &str, unit: &str, targets: &[(String, String)]) {
        let id = self.panels.len() + 1;
        let targets: Vec<Value> = targets
            .iter()
            .zip('A'..)
            .map(|((expr, legend), reference)| {
                json!({
                    "refId": reference.to_string(),
                    "expr": expr,
                    "legendFormat": legend,
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                })
            })
            .collect();
        self.panels.push(json!({
            "id": id,
            "type": "timeseries",
            "title": title,
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "gridPos": {"h": 8, "w": 8, "x": self.x, "y": self.y},
            "targets": targets,
        }));
        self.x += 8;
        if self.x >= 24 {
            self.newline();
        }
    }

    fn function(&mut self, f: &Function) {
        self.row(&format!("{}::{}", f.module, f.name));
        let of = format!(
            "function=\"{}\",module=\"{}\"",
            promql_string(f.name),
            promql_string(f.module)
        );
        if let Some(calls) = &f.calls {
            self.chart(
                "Calls per second",
                "reqps",
                &[(
                    format!("sum by (result) (rate({calls}{{{of}}}[{RATE}]))"),
                    "{{result}}".to_owned(),
                )],
            );
            self.chart(
                "Errors and panics",
                "percentunit",
                &[(
                    format!(
                        "sum(rate({calls}{{{of},result=~\"error|panic\"}}[{RATE}])) / sum(rate({calls}{{{of}}}[{RATE}]))"
                    ),
                    "share of calls".to_owned(),
                )],
            );
        }
        if let Some((durations, native)) = &f.durations {
            let quantiles: Vec<(String, String)> =
                [("0.5", "p50"), ("0.9", "p90"), ("0.99", "p99")]
                    .iter()
                    .map(|(q, legend)| {
                        let rate = if *native {
                            format!("sum(rate({durations}{{{of}}}[{RATE}]))")
                        } else {
                            format!("sum by (le) (rate({durations}_bucket{{{of}}}[{RATE}]))")
                        };
                        (
                            format!("histogram_quantile({q}, {rate})"),
                            (*legend).to_owned(),
                        )
                    })
                    .collect();
            self.chart("Duration", "s", &quantiles);
        }
    }

    fn metric(&mut self, family: &FamilyLayout) {
        let name = family.exposed.as_ref();
        let labels = label_names(family);
        let by = if labels.is_empty() {
            String::new()
        } else {
            format!(" by ({})", labels.join(", "))
        };
        let legend = if labels.is_empty() {
            name.to_owned()
        } else {
            labels
                .iter()
                .map(|l| format!("{{{{{l}}}}}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let unit = match family.unit {
            "seconds" => "s",
            "bytes" => "bytes",
            "ratio" => "percentunit",
            _ => "short",
        };
        let targets: Vec<(String, String)> = match family.kind {
            Kind::Counter => vec![(format!("sum{by} (rate({name}[{RATE}]))"), legend)],
            Kind::Gauge | Kind::Summary => vec![(name.to_owned(), legend)],
            Kind::Histogram => {
                let by_le = if labels.is_empty() {
                    "le".to_owned()
                } else {
                    format!("le, {}", labels.join(", "))
                };
                // A native histogram is one series, with no `_bucket` and no `le`; a family
                // with both kinds of series is read both ways.
                let native = family.series.iter().filter(|s| s.native()).count();
                [("0.5", "p50"), ("0.99", "p99")]
                    .iter()
                    .map(|(q, p)| {
                        let classic = format!(
                            "histogram_quantile({q}, sum by ({by_le}) (rate({name}_bucket[{RATE}])))"
                        );
                        let natively =
                            format!("histogram_quantile({q}, sum{by} (rate({name}[{RATE}])))");
                        let expression = match native {
                            0 => classic,
                            n if n == family.series.len() => natively,
                            _ => format!("{natively} or {classic}"),
                        };
                        (expression, format!("{p} {legend}"))
                    })
                    .collect()
            }
        };
        let unit = if family.kind == Kind::Counter && unit == "short" {
            "ops"
        } else {
            unit
        };
        let title = if family.help.is_empty() {
            name
        } else {
            family.help
        };
        self.chart(title, unit, &targets);
    }
}

/// The label names of a family's series, as the text formats show them.
fn label_names(family: &FamilyLayout) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for d in &family.definitions {
        for name in d.label_names() {
            let name = exposition_key(name).into_owned();
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}
