//! Series that a Prometheus reads as one are one: definitions of one name whose labels
//! differ only by a label with an empty value, or by the order of their label names, are
//! summed into one series, never written twice (a duplicate sample in a scrape, a push a
//! remote-write receiver refuses).

use meterbox::{metric, render, Counter, Family, Format};
use meterbox_tests::{openmetrics_parse, promtool_check};

/// Orders taken.
#[metric(name = "identity_orders_total")]
static ORDERS: Counter = Counter::new();

/// Orders taken.
#[metric(name = "identity_orders_total")]
static ORDERS_BY_REGION: Family<Counter, 1> = Family::new(["region"]);

/// Jobs run.
#[metric(name = "identity_jobs_total")]
static JOBS_AB: Family<Counter, 2> = Family::new(["a", "b"]);

/// Jobs run.
#[metric(name = "identity_jobs_total")]
static JOBS_BA: Family<Counter, 2> = Family::new(["b", "a"]);

fn lines<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .collect()
}

#[test]
fn labels_a_prometheus_reads_as_one_series_are_one() {
    ORDERS.inc_by(2);
    ORDERS_BY_REGION.with([""]).inc_by(3);
    ORDERS_BY_REGION.with(["eu"]).inc();
    JOBS_AB.with(["1", "2"]).inc();
    JOBS_BA.with(["2", "1"]).inc_by(4);
    JOBS_BA.with(["2", ""]).inc_by(7);

    let text = render(Format::Prometheus);
    assert_eq!(
        lines(&text, "identity_orders_total"),
        [
            "identity_orders_total 5",
            "identity_orders_total{region=\"eu\"} 1"
        ],
        "{text}"
    );
    assert_eq!(
        lines(&text, "identity_jobs_total"),
        [
            "identity_jobs_total{a=\"1\",b=\"2\"} 5",
            "identity_jobs_total{b=\"2\",a=\"\"} 7"
        ],
        "{text}"
    );
    let snapshot = meterbox::snapshot();
    assert_eq!(snapshot.series("identity_orders_total", &[]).len(), 2);
    assert_eq!(meterbox::check(), Ok(()));
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "{text}");
    }
    if let Some(parsed) = openmetrics_parse(&render(Format::OpenMetrics)) {
        parsed.unwrap_or_else(|e| panic!("{e}"));
    }
}
