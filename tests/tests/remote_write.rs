//! `RemoteWriteSurfacer` against two real receivers, a Prometheus with its remote-write
//! receiver on and a `victoria-metrics`: every kind of series, pushed directly and through a
//! reporter with its tags, queried back exactly through their query APIs.

use std::time::Duration;

use meterbox::{
    metric, snapshot, Counter, Family, Gauge, Histogram, RemoteWriteSurfacer, Reporter, Summary,
    Surfacer,
};
use meterbox_tests::{tool, Prometheus, VictoriaMetrics};

/// Jobs finished.
#[metric]
static RW_JOBS_TOTAL: Counter = Counter::new();

/// Items waiting.
#[metric]
static RW_QUEUE_DEPTH: Gauge = Gauge::new();

/// Time per job.
#[metric(unit = "seconds")]
static RW_JOB_SECONDS: Histogram = Histogram::new(&[1.0, 2.0]);

/// Sizes of payloads.
#[metric]
static RW_PAYLOAD: Summary = Summary::new();

/// Requests by route; one route is empty, which a receiver reads as no label.
#[metric]
static RW_REQUESTS_TOTAL: Family<Counter, 1> = Family::new(["route"]);

fn record() {
    RW_JOBS_TOTAL.inc_by(42);
    RW_QUEUE_DEPTH.set(7.5);
    for v in [0.5, 1.5, 3.0] {
        RW_JOB_SECONDS.observe(v);
    }
    RW_PAYLOAD.observe(10.0);
    RW_REQUESTS_TOTAL.with(["/users/{id}"]).inc_by(3);
    RW_REQUESTS_TOTAL.with([""]).inc_by(5);
}

/// What both receivers must answer.
fn expected() -> [(&'static str, f64); 10] {
    [
        ("rw_jobs_total", 42.0),
        ("rw_queue_depth", 7.5),
        (r#"rw_job_seconds_bucket{le="1.0"}"#, 1.0),
        (r#"rw_job_seconds_bucket{le="2.0"}"#, 2.0),
        (r#"rw_job_seconds_bucket{le="+Inf"}"#, 3.0),
        ("rw_job_seconds_sum", 5.0),
        ("rw_job_seconds_count", 3.0),
        ("rw_payload_count", 1.0),
        (r#"rw_requests_total{route="/users/{id}"}"#, 3.0),
        (r#"rw_requests_total{route=""}"#, 5.0),
    ]
}

fn push_and_check(url: &str, query: &dyn Fn(&str, f64)) {
    let surfacer = RemoteWriteSurfacer::new(url);
    surfacer
        .surface(&snapshot())
        .unwrap_or_else(|e| panic!("push to {url}: {e}"));
    for (series, want) in expected() {
        query(series, want);
    }
    // Through a reporter: its tags are labels of every series.
    let reporter = Reporter::builder()
        .interval(Duration::from_secs(3600))
        .tag("instance", "worker-3")
        .surfacer(RemoteWriteSurfacer::new(url))
        .start()
        .unwrap();
    reporter.stop();
    query(r#"rw_jobs_total{instance="worker-3"}"#, 42.0);
    query(r#"rw_job_seconds_count{instance="worker-3"}"#, 3.0);
}

#[test]
fn prometheus_and_victoria_metrics_store_exact_values() {
    record();
    let Some(binary) = tool("prometheus") else {
        return;
    };
    let prometheus = Prometheus::receiver(&binary, "remote-write");
    push_and_check(&prometheus.write_url(), &|q, want| {
        prometheus.wait_for(q, want);
    });
    let Some(victoria) = VictoriaMetrics::start("remote-write") else {
        return;
    };
    push_and_check(&victoria.write_url(), &|q, want| victoria.wait_for(q, want));
}

#[test]
fn a_dead_receiver_is_an_error_worth_retrying() {
    let port = meterbox_tests::free_port();
    let error = RemoteWriteSurfacer::new(format!("http://127.0.0.1:{port}/api/v1/write"))
        .timeout(Duration::from_secs(2))
        .surface(&snapshot())
        .unwrap_err();
    assert!(error.retryable, "{error}");
}
