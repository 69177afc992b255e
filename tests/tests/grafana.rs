//! The Grafana dashboard: a row per instrumented function with its calls, error share and
//! duration percentiles, a panel per other metric, and every `PromQL` expression in it accepted
//! by `promtool check rules` as a recording rule.

use std::fmt::Write as _;

use meterbox::{counted, instrumented, metric, Counter, Family, Gauge, Histogram, Summary};
use meterbox_tests::promtool_on;
use serde_json::Value;

/// Orders taken, by region.
#[metric]
static GF_ORDERS_TOTAL: Family<Counter, 1> = Family::new(["region"]);

/// Orders waiting.
#[metric]
static GF_QUEUE_DEPTH: Gauge = Gauge::new();

/// Time to pack an order.
#[metric(unit = "seconds")]
static GF_PACK_SECONDS: Histogram = Histogram::new(&[0.1, 1.0]);

/// Time waiting, in a native histogram.
#[metric(unit = "seconds")]
static GF_WAIT_SECONDS: Histogram = Histogram::native(-10, 20);

/// Parcel weights.
#[metric]
static GF_PARCEL_WEIGHT: Summary = Summary::new();

#[instrumented]
fn gf_checkout() {}

#[counted]
fn gf_refund() -> Result<(), String> {
    Ok(())
}

fn panels(dashboard: &Value) -> &Vec<Value> {
    dashboard["panels"].as_array().expect("panels")
}

/// The panels after the row titled `title`, up to the next row.
fn row<'a>(dashboard: &'a Value, title: &str) -> Vec<&'a Value> {
    panels(dashboard)
        .iter()
        .skip_while(|p| p["title"] != title)
        .skip(1)
        .take_while(|p| p["type"] != "row")
        .collect()
}

fn exprs(panel: &Value) -> Vec<&str> {
    panel["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["expr"].as_str())
        .collect()
}

#[test]
fn a_row_per_function_and_a_panel_per_metric() {
    gf_checkout();
    gf_refund().unwrap();
    GF_ORDERS_TOTAL.with(["eu"]).inc();
    GF_QUEUE_DEPTH.set(1.0);
    GF_PACK_SECONDS.observe(0.2);
    GF_PARCEL_WEIGHT.observe(2.0);

    let dashboard: Value = serde_json::from_str(&meterbox::grafana::dashboard("Shop")).unwrap();
    assert_eq!(dashboard["title"], "Shop");
    assert_eq!(dashboard["uid"], "mb-shop");
    assert_eq!(dashboard["templating"]["list"][0]["query"], "prometheus");

    let of = r#"function="gf_checkout",module="grafana""#;
    let checkout = row(&dashboard, "grafana::gf_checkout");
    let titles: Vec<&Value> = checkout.iter().map(|p| &p["title"]).collect();
    assert_eq!(
        titles,
        ["Calls per second", "Errors and panics", "Duration"]
    );
    assert_eq!(
        exprs(checkout[0]),
        [format!(
            "sum by (result) (rate(function_calls_total{{{of}}}[$__rate_interval]))"
        )]
    );
    assert_eq!(
        exprs(checkout[1]),
        [format!(
            "sum(rate(function_calls_total{{{of},result=~\"error|panic\"}}[$__rate_interval])) / sum(rate(function_calls_total{{{of}}}[$__rate_interval]))"
        )]
    );
    assert_eq!(
        exprs(checkout[2])[2],
        format!("histogram_quantile(0.99, sum by (le) (rate(function_duration_seconds_bucket{{{of}}}[$__rate_interval])))")
    );
    assert_eq!(checkout[2]["fieldConfig"]["defaults"]["unit"], "s");
    // Counted only: no duration panel.
    let refund = row(&dashboard, "grafana::gf_refund");
    assert_eq!(refund.len(), 2);

    let metric = |title: &str| {
        panels(&dashboard)
            .iter()
            .find(|p| p["title"] == title)
            .unwrap_or_else(|| panic!("no panel {title}"))
    };
    assert_eq!(
        exprs(metric("Orders taken, by region.")),
        ["sum by (region) (rate(gf_orders_total[$__rate_interval]))"]
    );
    assert_eq!(exprs(metric("Orders waiting.")), ["gf_queue_depth"]);
    assert_eq!(
        exprs(metric("Time to pack an order."))[1],
        "histogram_quantile(0.99, sum by (le) (rate(gf_pack_seconds_bucket[$__rate_interval])))"
    );
    assert_eq!(exprs(metric("Parcel weights.")), ["gf_parcel_weight"]);
    // A native histogram is read as one: no `_bucket`, no `le`.
    assert_eq!(
        exprs(metric("Time waiting, in a native histogram."))[1],
        "histogram_quantile(0.99, sum (rate(gf_wait_seconds[$__rate_interval])))"
    );
    // Instrumented families are in the rows, not among the metrics.
    assert!(!panels(&dashboard)
        .iter()
        .any(|p| p["title"] == "Calls of instrumented functions, by function, module and result."));
    // Panels never overlap: each grid position is taken once.
    let mut positions: Vec<(u64, u64)> = panels(&dashboard)
        .iter()
        .map(|p| {
            (
                p["gridPos"]["y"].as_u64().unwrap(),
                p["gridPos"]["x"].as_u64().unwrap(),
            )
        })
        .collect();
    let all = positions.len();
    positions.sort_unstable();
    positions.dedup();
    assert_eq!(positions.len(), all);
}

#[test]
fn every_query_is_valid_promql() {
    let queries = meterbox::grafana::queries("Shop", "5m");
    assert!(queries.len() > 10, "{queries:?}");
    let mut rules = String::from("groups:\n- name: dashboard\n  rules:\n");
    for (i, query) in queries.iter().enumerate() {
        let _ = writeln!(
            rules,
            "  - record: dashboard:query{i}\n    expr: '{}'",
            query.replace('\'', "''")
        );
    }
    let Some((ok, out)) = promtool_on(
        &[("queries.yml", &rules)],
        ["check", "rules"],
        "queries.yml",
    ) else {
        return;
    };
    assert!(ok, "{out}\n{rules}");
    assert!(
        out.contains(&format!("SUCCESS: {} rules found", queries.len())),
        "{out}"
    );
}
