//! A real Prometheus with native histograms on scrapes `meterbox::serve` in the protobuf
//! format: a histogram on powers of two is stored as one native histogram, a classic one
//! keeps its buckets, and counters, gauges and summaries read as they do over text.

use meterbox::{metric, serve, Counter, Family, Gauge, Histogram, Summary};
use meterbox_tests::{http_get, serve_axum, tool, Prometheus};

/// Waits on powers of two, for the native histogram test.
#[metric(unit = "seconds")]
static NATIVE_WAIT_SECONDS: Histogram = Histogram::exponential(1.0 / 1024.0, 2.0, 16);

/// Waits in a native histogram, for the native histogram test.
#[metric(unit = "seconds")]
static NATIVE_ONLY_SECONDS: Histogram = Histogram::native(-10, 16);

/// Waits on bounds that are not powers of two, for the native histogram test.
#[metric(unit = "seconds")]
static CLASSIC_WAIT_SECONDS: Histogram = Histogram::new(&[0.3, 1.0]);

/// Jobs by queue and kind, for the native histogram test.
#[metric]
static NATIVE_JOBS_TOTAL: Family<Counter, 2> = Family::new(["queue", "kind"]);

/// Depth of the queue, for the native histogram test.
#[metric]
static NATIVE_DEPTH: Gauge = Gauge::new();

/// Job sizes, for the native histogram test.
#[metric]
static NATIVE_JOB_SIZE: Summary = Summary::new();

#[test]
fn prometheus_stores_powers_of_two_as_a_native_histogram() {
    let Some(binary) = tool("prometheus") else {
        return;
    };
    // The zero bucket (at most 2^-10), (2^-9, 2^-8] twice, (2^-4, 2^-3], and one past the
    // highest bound, 2^5.
    for v in [0.0005, 0.003, 0.003, 0.1, 1000.0] {
        NATIVE_WAIT_SECONDS.observe(v);
        NATIVE_ONLY_SECONDS.observe(v);
    }
    CLASSIC_WAIT_SECONDS.observe(0.2);
    NATIVE_JOBS_TOTAL.with(["email", "send"]).inc_by(4);
    NATIVE_JOBS_TOTAL.with(["sms", ""]).inc();
    NATIVE_DEPTH.set(-2.5);
    for v in 1..=5 {
        NATIVE_JOB_SIZE.observe(f64::from(v));
    }
    let server = serve(":0").unwrap();
    let addr = server.local_addr();

    // What a native-histogram Prometheus asks for is what it gets; others get text.
    let native_accept = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
        encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3";
    let answer = http_get(addr, "/metrics", &[("Accept", native_accept)]).unwrap();
    assert_eq!(
        answer.header("content-type"),
        Some(meterbox::PROTOBUF_CONTENT_TYPE)
    );
    let families = delimited(&answer.body);
    assert!(families > 5, "{families} messages");
    assert!(contains(&answer.body, b"native_wait_seconds"));
    let text = http_get(addr, "/metrics", &[("Accept", "text/plain")]).unwrap();
    assert!(text
        .text()
        .contains("native_wait_seconds_bucket{le=\"+Inf\"} 5\n"));

    let prometheus = Prometheus::scraping(
        &binary,
        addr.port(),
        &["--enable-feature=native-histograms"],
    );
    prometheus.wait_for("histogram_count(native_wait_seconds)", 5.0);
    let stored = prometheus.query_result("native_wait_seconds");
    assert!(
        stored[0]["histogram"].is_array() && stored[0]["value"].is_null(),
        "not stored as a native histogram: {stored}"
    );
    assert_eq!(
        prometheus.query_result("native_wait_seconds_bucket"),
        serde_json::json!([]),
        "a native histogram has no bucket series"
    );
    let sum = prometheus
        .query("histogram_sum(native_wait_seconds)")
        .unwrap();
    assert!((sum - 1000.1065).abs() < 1e-9, "sum {sum}");
    // The zero bucket and (2^-9, 2^-8] are under 4 ms; nothing else is.
    prometheus.wait_for("histogram_fraction(0, 0.004, native_wait_seconds)", 0.6);
    let buckets = &stored[0]["histogram"][1]["buckets"];
    let bounds: Vec<(String, String, String)> = buckets
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b[1].as_str().unwrap().to_owned(),
                b[2].as_str().unwrap().to_owned(),
                b[3].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("-0.0009765625", "0.0009765625", "1"),
        ("0.001953125", "0.00390625", "2"),
        ("0.0625", "0.125", "1"),
        ("32", "64", "1"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect();
    assert_eq!(bounds, expected);
    // A native histogram reads as its classic-and-native twin does.
    let only = prometheus.query_result("native_only_seconds");
    assert_eq!(only[0]["histogram"][1], stored[0]["histogram"][1], "{only}");

    // Everything else reads as it does over text.
    prometheus.wait_for(r#"classic_wait_seconds_bucket{le="0.3"}"#, 1.0);
    prometheus.wait_for(r#"classic_wait_seconds_bucket{le="+Inf"}"#, 1.0);
    prometheus.wait_for(r#"native_jobs_total{queue="email",kind="send"}"#, 4.0);
    // A label with no value is no label.
    prometheus.wait_for(r#"native_jobs_total{queue="sms",kind=""}"#, 1.0);
    prometheus.wait_for("native_depth", -2.5);
    prometheus.wait_for("native_job_size_count", 5.0);
    prometheus.wait_for("native_job_size_sum", 15.0);
    prometheus.wait_for(r#"up{job="meterbox"}"#, 1.0);
    drop(prometheus);
    server.shutdown();
}

#[test]
fn an_application_handler_answers_in_protobuf_too() {
    let router = axum::Router::new().route("/metrics", meterbox::http::metrics_handler());
    let addr = serve_axum(router);
    let native_accept = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
        encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3";
    let answer = http_get(addr, "/metrics", &[("Accept", native_accept)]).unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some(meterbox::PROTOBUF_CONTENT_TYPE)
    );
    assert!(delimited(&answer.body) > 5);
    assert!(contains(&answer.body, b"native_only_seconds"));
    let text = http_get(addr, "/metrics", &[("Accept", "text/plain")]).unwrap();
    assert!(text
        .text()
        .contains("# TYPE native_only_seconds histogram\n"));
}

/// How many length-delimited messages `body` holds, checking they end where it ends.
fn delimited(mut body: &[u8]) -> usize {
    let mut messages = 0;
    while !body.is_empty() {
        let (mut length, mut shift, mut read) = (0usize, 0, 0);
        loop {
            let byte = body[read];
            length |= usize::from(byte & 0x7f) << shift;
            read += 1;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        assert!(read + length <= body.len(), "a message runs past the body");
        body = &body[read + length..];
        messages += 1;
    }
    messages
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
