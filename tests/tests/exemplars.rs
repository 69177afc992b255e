//! Exemplars on histograms (a static and a family's child) and counters: the `OpenMetrics`
//! lines exactly, the strict parser's acceptance, the Prometheus format without them, and a
//! real Prometheus with exemplar storage that scrapes the endpoint and answers them from
//! `/api/v1/query_exemplars`.

use meterbox::{metric, render, Counter, Exemplar, Family, Format, Histogram, Server};
use meterbox_tests::{openmetrics_parse, tool, Prometheus};

/// Checkout latency.
#[metric(unit = "seconds")]
static EX_CHECKOUT_SECONDS: Histogram = Histogram::new(&[0.1, 1.0]);

/// Payments taken.
#[metric]
static EX_PAYMENTS_TOTAL: Counter = Counter::new();

/// Latency by route.
#[metric(unit = "seconds")]
static EX_ROUTE_SECONDS: Family<Histogram, 1> =
    Family::with_prototype(["route"], Histogram::new(&[0.5]));

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

fn line_starting(text: &str, start: &str) -> String {
    text.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start:?} in:\n{text}"))
        .to_owned()
}

#[test]
fn exemplars_reach_openmetrics_and_a_real_prometheus() {
    let first = Exemplar::trace("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "1111111111111111").unwrap();
    let latest = Exemplar::trace(TRACE, "00f067aa0ba902b7").unwrap();
    EX_CHECKOUT_SECONDS.observe_with_exemplar(0.0625, &first);
    EX_CHECKOUT_SECONDS.observe_with_exemplar(0.03125, &latest);
    EX_CHECKOUT_SECONDS.observe(0.5);
    EX_CHECKOUT_SECONDS.observe_with_exemplar(4.0, &latest);
    EX_PAYMENTS_TOTAL.inc_by_with_exemplar(2, &latest);
    EX_ROUTE_SECONDS
        .with(["/pay"])
        .observe_with_exemplar(0.25, &latest);

    let text = render(Format::OpenMetrics);
    // The latest exemplar of each bucket; none where no observation carried one.
    let bucket = line_starting(&text, "ex_checkout_seconds_bucket{le=\"0.1\"} 2 # ");
    assert!(
        bucket.starts_with(&format!(
            "ex_checkout_seconds_bucket{{le=\"0.1\"}} 2 # {{trace_id=\"{TRACE}\",span_id=\"00f067aa0ba902b7\"}} 0.03125 "
        )),
        "{bucket}"
    );
    assert_eq!(
        line_starting(&text, "ex_checkout_seconds_bucket{le=\"1.0\"}"),
        "ex_checkout_seconds_bucket{le=\"1.0\"} 3"
    );
    assert!(
        line_starting(&text, "ex_checkout_seconds_bucket{le=\"+Inf\"} 4 # {").contains("} 4.0 ")
    );
    assert!(line_starting(&text, "ex_payments_total 2 # {").contains("} 2.0 "));
    assert!(line_starting(
        &text,
        "ex_route_seconds_bucket{route=\"/pay\",le=\"0.5\"} 1 # {"
    )
    .contains(TRACE));
    // No exemplar on a sum or a count.
    assert!(!line_starting(&text, "ex_checkout_seconds_count").contains('#'));
    if let Some(parsed) = openmetrics_parse(&text) {
        parsed.unwrap_or_else(|e| panic!("{e}\n{text}"));
    }
    // The Prometheus text format has no exemplars.
    assert!(!render(Format::Prometheus).contains(" # {"));

    let Some(binary) = tool("prometheus") else {
        return;
    };
    let server = Server::new("127.0.0.1:0").start().unwrap();
    let prometheus = Prometheus::scraping(
        &binary,
        server.local_addr().port(),
        &["--enable-feature=exemplar-storage"],
    );
    prometheus.wait_for("ex_payments_total", 2.0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let data = prometheus.query_exemplars("ex_checkout_seconds_bucket");
        let found: Vec<String> = data
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|series| series["exemplars"].as_array().cloned().unwrap_or_default())
            .filter_map(|e| e["labels"]["trace_id"].as_str().map(str::to_owned))
            .collect();
        if found.iter().any(|t| t == TRACE) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no exemplar in {data}"
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    let payments = prometheus.query_exemplars("ex_payments_total");
    assert!(payments.to_string().contains(TRACE), "{payments}");
}
