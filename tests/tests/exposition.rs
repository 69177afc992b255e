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

/// `text` without the process collector's families, whose values are the machine's.
fn without_process(json: bool, text: &str) -> String {
    if json {
        let mut document: serde_json::Value = serde_json::from_str(text).expect("JSON");
        if let Some(metrics) = document["metrics"].as_array_mut() {
            metrics.retain(|f| {
                !f["name"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("process_")
            });
        }
        return format!("{document}\n");
    }
    let own = |line: &str| {
        let name = ["# HELP ", "# TYPE ", "# UNIT "]
            .iter()
            .find_map(|p| line.strip_prefix(p))
            .unwrap_or(line);
        name.starts_with("process_")
    };
    let mut kept = String::new();
    for line in text.lines().filter(|l| !own(l)) {
        kept.push_str(line);
        kept.push('\n');
    }
    kept
}

fn golden(file: &str, actual: &str) {
    // The runtime version appears in meterbox_build_info; goldens are written for `VERSION`.
    let json = std::path::Path::new(file)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let actual = without_process(json, &actual.replace(env!("CARGO_PKG_VERSION"), "VERSION"));
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
    // Column widths follow every row: the process collector's rows are left out first.
    let mut own = meterbox::snapshot();
    own.families.retain(|f| !f.name.starts_with("process_"));
    golden("exposition.txt", &own.render(Format::Table));
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
        // The process collector's values move between two readings: left out of both.
        let comparable = |text: String| match format {
            Format::Table => text
                .lines()
                .filter(|l| !l.starts_with("process_"))
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
                .join("\n"),
            Format::Json => without_process(true, &text),
            _ => without_process(false, &text),
        };
        let from_snapshot = comparable(meterbox::snapshot().render(format));
        assert_eq!(from_snapshot, comparable(render(format)), "{format:?}");
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
