//! Golden files for the four formats, and the external checkers on the two text formats:
//! `promtool check metrics` on the Prometheus format, and the strict `OpenMetrics` parser of
//! the Python client on `OpenMetrics` (`promtool check metrics` reads only the 0.0.4 format:
//! it cannot accept an `OpenMetrics` counter, whose family name has no `_total`).
//!
//! `METERBOX_BLESS=1 cargo test -p meterbox-tests --test exposition` rewrites the golden
//! files after an intended change; review the diff.

use std::path::PathBuf;
use std::sync::Once;

use meterbox::{counted, metric, render, Counter, Format, Gauge, Histogram};
use meterbox_tests::{openmetrics_parse, promtool_check};

/// Orders accepted by the checkout.
#[metric]
static ORDERS_TOTAL: Counter = Counter::new();

/// Requests; the name gets its `_total`.
#[metric]
static REQUESTS: Counter = Counter::new();

#[metric(
    name = "queue_depth",
    help = "Jobs waiting.\nSecond line with a \\ backslash and \"quotes\".",
    labels(queue = "email")
)]
static QUEUE: Gauge = Gauge::new();

/// Files open, by path.
#[metric(labels(path = "C:\\tmp \"x\"\ny é"))]
static OPEN_FILES: Gauge = Gauge::new();

/// Size of request payloads.
#[metric(unit = "bytes")]
static PAYLOAD: Histogram = Histogram::exponential(64.0, 2.0, 4);

#[counted]
fn checkout(ok: bool) -> Result<(), ()> {
    if ok {
        Ok(())
    } else {
        Err(())
    }
}

fn setup() {
    static SETUP: Once = Once::new();
    SETUP.call_once(|| {
        ORDERS_TOTAL.inc_by(3);
        REQUESTS.inc();
        QUEUE.set(2.5);
        OPEN_FILES.set(-1.0);
        for v in [10.0, 100.0, 300.0, 1000.0] {
            PAYLOAD.observe(v);
        }
        let _ = checkout(true);
        let _ = checkout(false);
        let _ = checkout(true);
    });
}

fn golden(file: &str, actual: &str) {
    // The runtime version appears in meterbox_build_info; goldens are written for `VERSION`.
    let actual = actual.replace(env!("CARGO_PKG_VERSION"), "VERSION");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(file);
    if std::env::var("METERBOX_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &actual).expect("write golden file");
        return;
    }
    let expected =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert_eq!(actual, expected, "{} differs", path.display());
}

#[test]
fn golden_prometheus() {
    setup();
    golden("exposition.prom", &render(Format::Prometheus));
}

#[test]
fn golden_openmetrics() {
    setup();
    golden("exposition.om", &render(Format::OpenMetrics));
}

#[test]
fn golden_json() {
    setup();
    let text = render(Format::Json);
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert!(parsed.is_object());
    golden("exposition.json", &text);
}

#[test]
fn golden_table() {
    setup();
    golden("exposition.txt", &render(Format::Table));
}

#[test]
fn a_snapshot_renders_as_the_registry_does() {
    setup();
    for format in [
        Format::Prometheus,
        Format::OpenMetrics,
        Format::Json,
        Format::Table,
    ] {
        let from_snapshot = meterbox::snapshot().render(format);
        assert_eq!(from_snapshot, render(format), "{format:?}");
    }
}

#[test]
fn encode_writes_what_render_returns() {
    setup();
    let mut out = Vec::new();
    meterbox::encode(&mut out, Format::OpenMetrics).unwrap();
    assert!(String::from_utf8(out).unwrap().ends_with("# EOF\n"));
}

#[test]
fn promtool_accepts_prometheus_text_without_a_warning() {
    setup();
    if let Some(out) = promtool_check(&render(Format::Prometheus)) {
        assert_eq!(out, "", "promtool check metrics reported problems");
    }
}

#[test]
fn strict_openmetrics_parser_accepts_the_output() {
    setup();
    let Some(result) = openmetrics_parse(&render(Format::OpenMetrics)) else {
        return;
    };
    let families = result.unwrap_or_else(|e| panic!("rejected: {e}"));
    assert!(families.contains("orders counter - 1"), "{families}");
    assert!(
        families.contains("payload_bytes histogram bytes"),
        "{families}"
    );
    assert!(families.contains("open_files gauge - 1"), "{families}");
}
