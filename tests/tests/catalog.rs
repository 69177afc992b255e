//! The catalog and its contract: every metric with its type, unit, help, labels (the values
//! of constant, fixed and typed labels), instrumented functions and sites, as JSON and
//! Markdown; the committed contract of this file's metrics passes, and a committed fixture
//! for each kind of breaking change fails naming it, while additions pass.

use std::path::{Path, PathBuf};

use meterbox::catalog::{Catalog, Change, ContractError, UPDATE_VARIABLE};
use meterbox::{
    counted, metric, timed, Counter, Family, Gauge, Histogram, Kind, LabelSet, LabelValue,
    TypedFamily,
};

#[derive(LabelValue, Clone, Copy)]
enum Method {
    Get,
    Post,
}

#[derive(LabelSet)]
struct Request {
    method: Method,
    cached: bool,
}

/// Orders taken, by region.
#[metric]
static CAT_ORDERS_TOTAL: Family<Counter, 1> = Family::new(["region"]);

/// Requests by method.
#[metric]
static CAT_REQUESTS_TOTAL: TypedFamily<Counter, Request> = TypedFamily::new();

/// Time to pack an order.
#[metric(unit = "seconds")]
static CAT_PACK_SECONDS: Histogram = Histogram::new(&[0.1, 1.0]);

/// Orders waiting.
#[metric(labels(queue = "main"))]
static CAT_QUEUE_DEPTH: Gauge = Gauge::new();

#[counted]
#[timed]
fn cat_checkout() {}

/// Async, so that it can be cancelled: the functions' `result` values are then all four.
#[counted]
async fn cat_refund() {}

/// This file's metrics: its statics and its functions' families.
fn mine() -> Catalog {
    meterbox::catalog().only(|m| {
        m.name.starts_with("cat_") || m.functions.iter().any(|f| f.starts_with("catalog::"))
    })
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/catalog")
        .join(name)
}

fn broken(name: &str) -> Vec<Change> {
    match mine().check_contract(fixture(name)) {
        Err(ContractError::Broken { changes, .. }) => changes,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn every_metric_with_its_labels_values_and_sites() {
    // Used or not, every metric is in the catalog: it is known at link time.
    cat_checkout();
    meterbox_tests::block_on(cat_refund());
    for method in [Method::Get, Method::Post] {
        CAT_REQUESTS_TOTAL
            .with(&Request {
                method,
                cached: false,
            })
            .inc();
    }
    let catalog = mine();
    let names: Vec<&str> = catalog.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "cat_orders_total",
            "cat_pack_seconds",
            "cat_queue_depth",
            "cat_requests_total",
            "function_calls_total",
            "function_duration_seconds",
        ]
    );

    let requests = catalog.metric("cat_requests_total").unwrap();
    assert_eq!(requests.kind, Kind::Counter);
    assert_eq!(requests.help, "Requests by method.");
    let labels: Vec<(&str, Option<Vec<&str>>)> = requests
        .labels
        .iter()
        .map(|l| {
            (
                l.name.as_str(),
                l.values
                    .as_ref()
                    .map(|v| v.iter().map(String::as_str).collect()),
            )
        })
        .collect();
    assert_eq!(
        labels,
        [
            ("method", Some(vec!["get", "post"])),
            ("cached", Some(vec!["false", "true"]))
        ]
    );

    let orders = catalog.metric("cat_orders_total").unwrap();
    assert_eq!(orders.labels[0].name, "region");
    assert_eq!(
        orders.labels[0].values, None,
        "a family's text labels are open"
    );
    let depth = catalog.metric("cat_queue_depth").unwrap();
    assert_eq!(depth.labels[0].values, Some(vec!["main".to_owned()]));
    let seconds = catalog.metric("cat_pack_seconds").unwrap();
    assert_eq!(
        (seconds.kind, seconds.unit.as_str()),
        (Kind::Histogram, "seconds")
    );
    assert_eq!(seconds.defined_at.len(), 1);
    assert!(
        seconds.defined_at[0].starts_with("tests/tests/catalog.rs:"),
        "{:?}",
        seconds.defined_at
    );

    let calls = catalog.metric("function_calls_total").unwrap();
    assert_eq!(
        calls.functions,
        ["catalog::cat_checkout", "catalog::cat_refund"]
    );
    let result = calls.labels.iter().find(|l| l.name == "result").unwrap();
    assert!(
        result
            .values
            .as_ref()
            .is_some_and(|v| v == &["ok", "error", "panic", "cancelled"]),
        "{result:?}"
    );
    let timed = catalog.metric("function_duration_seconds").unwrap();
    assert_eq!(timed.functions, ["catalog::cat_checkout"]);

    // JSON reads back as the same catalog.
    let json = catalog.to_json();
    let back: Catalog = serde_json::from_str(&json).unwrap();
    assert_eq!(back, catalog);
    assert!(json.contains("\"type\": \"histogram\""), "{json}");

    let markdown = catalog.to_markdown();
    assert!(markdown.starts_with("| Metric | Type | Unit | Labels | Help | Defined at |\n"));
    assert!(
        markdown.contains(
            "| `cat_requests_total` | counter |  | `method` (get, post), `cached` (false, true) | Requests by method. | tests/tests/catalog.rs:"
        ),
        "{markdown}"
    );
    assert!(
        markdown.contains("`catalog::cat_checkout`, `catalog::cat_refund` |"),
        "{markdown}"
    );
}

#[test]
fn the_committed_contract_holds_and_additions_pass() {
    mine()
        .check_contract(fixture("contract.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    // The contract before `cat_queue_depth`, a label, a value and a function were added.
    mine()
        .check_contract(fixture("before_additions.json"))
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn each_breaking_change_is_named() {
    let metric = |m: &str| m.to_owned();
    assert_eq!(
        broken("removed_metric.json"),
        [Change::MetricRemoved {
            metric: metric("cat_shipments_total"),
            renamed_to: None
        }]
    );
    assert_eq!(
        broken("renamed_metric.json"),
        [Change::MetricRemoved {
            metric: metric("cat_pack_time_seconds"),
            renamed_to: Some(metric("cat_pack_seconds"))
        }]
    );
    assert_eq!(
        broken("type_changed.json"),
        [Change::TypeChanged {
            metric: metric("cat_queue_depth"),
            was: Kind::Counter,
            now: Kind::Gauge
        }]
    );
    assert_eq!(
        broken("unit_changed.json"),
        [Change::UnitChanged {
            metric: metric("cat_pack_seconds"),
            was: "milliseconds".into(),
            now: "seconds".into()
        }]
    );
    assert_eq!(
        broken("label_removed.json"),
        [Change::LabelRemoved {
            metric: metric("cat_orders_total"),
            label: "channel".into(),
            renamed_to: None
        }]
    );
    assert_eq!(
        broken("label_renamed.json"),
        [Change::LabelRemoved {
            metric: metric("cat_orders_total"),
            label: "country".into(),
            renamed_to: Some("region".into())
        }]
    );
    assert_eq!(
        broken("value_removed.json"),
        [Change::LabelValueRemoved {
            metric: metric("cat_requests_total"),
            label: "method".into(),
            value: "delete".into()
        }]
    );
    assert_eq!(
        broken("function_removed.json"),
        [Change::FunctionRemoved {
            metric: metric("function_calls_total"),
            function: "catalog::cat_cancel".into()
        }]
    );
    let message = mine()
        .check_contract(fixture("renamed_metric.json"))
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(
            "metric `cat_pack_time_seconds` was removed (renamed to `cat_pack_seconds`?)"
        ),
        "{message}"
    );
    assert!(message.contains(UPDATE_VARIABLE), "{message}");
}
