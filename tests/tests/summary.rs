//! Summaries: the documented quantile error bound against exact quantiles of 10^6 samples,
//! the sliding window under a hand-stepped clock, and the exposition through the checkers.
// Sample generation and ranks convert between counts and floats on purpose.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use meterbox::{
    metric, render, snapshot, Family, Format, Summary, SUMMARY_MIN_VALUE, SUMMARY_RELATIVE_ERROR,
};
use meterbox_tests::{openmetrics_parse, promtool_check};

static NOW_MS: AtomicU64 = AtomicU64::new(0);

fn test_clock() -> Duration {
    Duration::from_millis(NOW_MS.load(Ordering::Relaxed))
}

/// Sizes of generated documents, for the accuracy check (time stands still).
#[metric(unit = "bytes")]
static DOC_BYTES: Summary = Summary::new()
    .with_quantiles(&[0.001, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999])
    .with_clock(|| Duration::ZERO);

/// Job latency over a one-minute window in 6 slices.
#[metric(unit = "seconds")]
static JOB_SECONDS: Summary = Summary::new()
    .with_window(Duration::from_secs(60), 6)
    .with_clock(test_clock);

/// Query latency by table.
#[metric(unit = "seconds")]
static QUERY_SECONDS: Family<Summary, 1> = Family::new(["table"]);

/// A deterministic spread over nine decades: x = 10^(9u − 6) for u uniform in [0, 1).
fn samples(n: usize) -> Vec<f64> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            10f64.powf(9.0 * u - 6.0)
        })
        .collect()
}

#[test]
fn quantiles_are_within_the_documented_error_of_the_exact_ones() {
    let mut values = samples(1_000_000);
    for &v in &values {
        DOC_BYTES.observe(v);
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    for &q in DOC_BYTES.quantiles() {
        // The nearest-rank definition the summary documents.
        let exact = values[((q * n as f64).ceil() as usize).max(1) - 1];
        let estimate = DOC_BYTES.quantile(q).expect("observations in the window");
        let error = (estimate - exact).abs() / exact;
        assert!(
            error <= SUMMARY_RELATIVE_ERROR + 1e-9,
            "q={q}: exact {exact}, estimate {estimate}, error {error}"
        );
    }
    assert_eq!(DOC_BYTES.count(), 1_000_000);
    let exact_sum: f64 = values.iter().sum();
    assert!((DOC_BYTES.sum() - exact_sum).abs() / exact_sum < 1e-9);
    assert_eq!(DOC_BYTES.quantile(1.5), None);
}

#[test]
fn the_window_forgets_old_slices_but_the_totals_do_not() {
    NOW_MS.store(0, Ordering::Relaxed);
    for _ in 0..100 {
        JOB_SECONDS.observe(1.0);
    }
    // 30 s later both values are in the window: the median is still the older one.
    NOW_MS.store(30_000, Ordering::Relaxed);
    for _ in 0..50 {
        JOB_SECONDS.observe(5.0);
    }
    let median = JOB_SECONDS.quantile(0.5).unwrap();
    assert!((median - 1.0).abs() <= 0.01, "{median}");
    assert!((JOB_SECONDS.quantile(0.99).unwrap() - 5.0).abs() <= 0.05);
    // At 65 s the slice of time 0–10 s has left the one-minute window.
    NOW_MS.store(65_000, Ordering::Relaxed);
    let median = JOB_SECONDS.quantile(0.5).unwrap();
    assert!((median - 5.0).abs() <= 0.05, "{median}");
    // Observing after a full window clears the reused slice before counting into it.
    NOW_MS.store(125_000, Ordering::Relaxed);
    assert_eq!(JOB_SECONDS.quantile(0.5), None);
    JOB_SECONDS.observe(0.0);
    JOB_SECONDS.observe(-3.0);
    assert_eq!(
        JOB_SECONDS.quantile(0.5),
        Some(0.0),
        "below {SUMMARY_MIN_VALUE} reads 0"
    );
    assert_eq!(JOB_SECONDS.count(), 152);
    assert!((JOB_SECONDS.sum() - (100.0 + 250.0 - 3.0)).abs() < 1e-9);
}

#[test]
fn summaries_are_exposed_as_prometheus_summaries() {
    QUERY_SECONDS.with(["users"]).observe(0.020);
    QUERY_SECONDS.with(["users"]).observe(0.040);
    QUERY_SECONDS.with(["orders \"x\""]).observe(0.5);
    let text = render(Format::Prometheus);
    assert!(text.contains("# TYPE query_seconds summary\n"), "{text}");
    let median: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("query_seconds{table=\"users\",quantile=\"0.5\"} "))
        .expect("a quantile line")
        .parse()
        .unwrap();
    assert!(
        (median - 0.02).abs() <= 0.02 * SUMMARY_RELATIVE_ERROR,
        "{median}"
    );
    assert!(
        text.contains("query_seconds_count{table=\"users\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains("query_seconds_sum{table=\"users\"} 0.06"),
        "{text}"
    );
    let s = snapshot();
    let users = s.summary("query_seconds", &[("table", "users")]).unwrap();
    assert_eq!(users.count, 2);
    assert!((users.quantile(0.99).unwrap() - 0.04).abs() <= 0.04 * 0.01);
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "promtool on:\n{text}");
    }
    if let Some(parsed) = openmetrics_parse(&render(Format::OpenMetrics)) {
        parsed.expect("strict OpenMetrics parser");
    }
    let json: serde_json::Value = serde_json::from_str(&render(Format::Json)).unwrap();
    let family = json["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "query_seconds")
        .expect("in the JSON");
    assert_eq!(family["type"], "summary");
    let table = render(Format::Table);
    assert!(table.contains("query_seconds"), "{table}");
}
