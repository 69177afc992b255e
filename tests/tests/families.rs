//! Labelled families: children created once, escaping, the cardinality cap, and threads
//! racing to create the same child.

use std::sync::Barrier;

use meterbox::{metric, render, snapshot, Counter, Family, Format, Gauge, Histogram};
use meterbox_tests::{openmetrics_parse, promtool_check};

/// HTTP requests handled.
#[metric]
static HTTP_REQUESTS_TOTAL: Family<Counter, 2> = Family::new(["method", "status"]);

/// Files open, by path.
#[metric]
static OPEN_FILES: Family<Gauge, 1> = Family::new(["path"]);

/// Request latency by route.
#[metric(unit = "seconds")]
static ROUTE_LATENCY_SECONDS: Family<Histogram, 1> =
    Family::with_prototype(["route"], Histogram::new(&[0.1, 1.0]));

/// Logins by user, capped.
#[metric]
static LOGINS_TOTAL: Family<Counter, 1> = Family::new(["user"]).with_limit(3);

/// Sessions by user, capped to show an overflow series to the checkers.
#[metric]
static SESSIONS_TOTAL: Family<Counter, 1> = Family::new(["user"]).with_limit(1);

/// Jobs by worker, raced.
#[metric]
static RACED_TOTAL: Family<Counter, 1> = Family::new(["worker"]);

const AWKWARD: &str = "C:\\tmp \"quoted\"\nnext line, é ü 日本";

fn setup() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        HTTP_REQUESTS_TOTAL.with(["GET", "200"]).inc();
        HTTP_REQUESTS_TOTAL.with(["GET", "200"]).inc();
        HTTP_REQUESTS_TOTAL.with(["POST", "500"]).inc();
        OPEN_FILES.with([AWKWARD]).set(2.0);
        ROUTE_LATENCY_SECONDS.with(["/"]).observe(0.5);
    });
}

#[test]
fn children_are_series_of_one_family() {
    setup();
    let s = snapshot();
    let get = |method, status| {
        s.counter(
            "http_requests_total",
            &[("method", method), ("status", status)],
        )
    };
    assert_eq!(get("GET", "200"), Some(2));
    assert_eq!(get("POST", "500"), Some(1));
    let text = render(Format::Prometheus);
    assert_eq!(
        text.matches("# TYPE http_requests_total counter").count(),
        1
    );
    assert!(text.contains("http_requests_total{method=\"GET\",status=\"200\"} 2\n"));
    assert!(text.contains("route_latency_seconds_bucket{route=\"/\",le=\"1.0\"} 1\n"));
}

#[test]
fn awkward_label_values_are_escaped() {
    setup();
    let text = render(Format::Prometheus);
    assert!(
        text.contains(r#"open_files{path="C:\\tmp \"quoted\"\nnext line, é ü 日本"} 2.0"#),
        "{text}"
    );
    let s = snapshot();
    assert_eq!(s.gauge("open_files", &[("path", AWKWARD)]), Some(2.0));
}

#[test]
fn promtool_and_openmetrics_parser_accept_families() {
    setup();
    SESSIONS_TOTAL.with(["a"]).inc();
    SESSIONS_TOTAL.with(["b"]).inc();
    assert!(render(Format::Prometheus).contains("sessions_total{user=\"__overflow__\"} 1\n"));
    if let Some(out) = promtool_check(&render(Format::Prometheus)) {
        assert_eq!(out, "", "promtool check metrics reported problems");
    }
    if let Some(result) = openmetrics_parse(&render(Format::OpenMetrics)) {
        let families = result.unwrap_or_else(|e| panic!("rejected: {e}"));
        assert!(families.contains("open_files gauge - 1"), "{families}");
        assert!(
            families.contains("route_latency_seconds histogram seconds"),
            "{families}"
        );
    }
}

#[test]
fn overflow_at_the_limit_is_counted_not_grown() {
    for user in ["a", "b", "c", "d", "e", "d"] {
        LOGINS_TOTAL.with([user]).inc();
    }
    assert!(LOGINS_TOTAL.len() <= 3);
    let s = snapshot();
    let overflow = s
        .counter("logins_total", &[("user", "__overflow__")])
        .expect("overflow series");
    assert!(overflow >= 3, "{overflow}");
    assert_eq!(
        s.counter(
            "meterbox_dropped_label_sets_total",
            &[("metric", "logins_total")]
        ),
        Some(LOGINS_TOTAL.dropped())
    );
    assert!(LOGINS_TOTAL.dropped() >= 3);
    // Nothing else is reported as dropped.
    assert_eq!(
        s.counter(
            "meterbox_dropped_label_sets_total",
            &[("metric", "http_requests_total")]
        ),
        Some(0)
    );
}

#[test]
fn racing_threads_create_each_child_once() {
    const PER_THREAD: u64 = 20_000;
    const WORKERS: u64 = 50;
    let barrier = Barrier::new(2);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                barrier.wait();
                for i in 0..PER_THREAD {
                    let worker = (i % WORKERS).to_string();
                    RACED_TOTAL.with([&worker]).inc();
                }
            });
        }
    });
    assert_eq!(RACED_TOTAL.len(), 50);
    let s = snapshot();
    let series = s.series("raced_total", &[]);
    assert_eq!(series.len(), 50);
    assert_eq!(s.counter("raced_total", &[]), Some(2 * PER_THREAD));
    assert_eq!(
        s.counter("raced_total", &[("worker", "7")]),
        Some(2 * PER_THREAD / WORKERS)
    );
}

#[test]
fn kept_handles_are_the_children() {
    let handle: &'static Counter = HTTP_REQUESTS_TOTAL.with(["PUT", "204"]);
    handle.inc_by(5);
    assert_eq!(HTTP_REQUESTS_TOTAL.with(["PUT", "204"]).get(), 5);
}

/// Children, for the layout cache check.
#[metric]
static GROWING_TOTAL: Family<Counter, 1> = Family::new(["step"]);

#[test]
fn renders_show_new_children_and_new_values() {
    GROWING_TOTAL.with(["one"]).inc();
    let first = render(Format::Prometheus);
    assert!(first.contains("growing_total{step=\"one\"} 1\n"), "{first}");
    // A value changes with no new child: the same layout, the new value.
    GROWING_TOTAL.with(["one"]).inc();
    assert!(render(Format::Prometheus).contains("growing_total{step=\"one\"} 2\n"));
    // A new child: laid out again.
    GROWING_TOTAL.with(["two"]).inc_by(5);
    let third = render(Format::Prometheus);
    assert!(third.contains("growing_total{step=\"one\"} 2\n"), "{third}");
    assert!(third.contains("growing_total{step=\"two\"} 5\n"), "{third}");
}
