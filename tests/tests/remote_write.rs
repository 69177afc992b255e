//! `RemoteWriteSurfacer` against two real receivers, a Prometheus with its remote-write
//! receiver on and a `victoria-metrics`: every kind of series, pushed directly and through a
//! reporter with its tags, queried back exactly through their query APIs; exemplars stored
//! by Prometheus's exemplar storage.

use std::time::Duration;

use meterbox::{
    metric, snapshot, Counter, Exemplar, Family, Gauge, Histogram, RemoteWriteSurfacer, Reporter,
    Summary, Surfacer,
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

/// Time waiting, in a native histogram.
#[metric(unit = "seconds")]
static RW_WAIT_SECONDS: Histogram = Histogram::native(-3, 8);

/// Sizes of payloads.
#[metric]
static RW_PAYLOAD: Summary = Summary::new();

/// Requests by route; one route is empty, which a receiver reads as no label.
#[metric]
static RW_REQUESTS_TOTAL: Family<Counter, 1> = Family::new(["route"]);

/// Requests by route; one route is empty, which a receiver reads as no label.
#[metric(name = "rw_requests_total")]
static RW_UNROUTED_TOTAL: Counter = Counter::new();

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

fn record() {
    let traced = Exemplar::trace(TRACE, "00f067aa0ba902b7").unwrap();
    RW_JOBS_TOTAL.inc_by_with_exemplar(42, &traced);
    RW_QUEUE_DEPTH.set(7.5);
    RW_JOB_SECONDS.observe(0.5);
    RW_JOB_SECONDS.observe_with_exemplar(1.5, &traced);
    RW_JOB_SECONDS.observe(3.0);
    RW_PAYLOAD.observe(10.0);
    // The zero bucket (at most 2^-3), (2^-2, 2^-1] twice, and one past the highest bound.
    for v in [0.1, 0.3, 0.3, 100.0] {
        RW_WAIT_SECONDS.observe(v);
    }
    RW_REQUESTS_TOTAL.with(["/users/{id}"]).inc_by(3);
    RW_REQUESTS_TOTAL.with([""]).inc_by(5);
    // The same series to a receiver as `route=""`: one series of 6, not a duplicate.
    RW_UNROUTED_TOTAL.inc();
}

/// What both receivers must answer.
fn expected() -> [(&'static str, f64); 12] {
    [
        ("rw_jobs_total", 42.0),
        ("rw_queue_depth", 7.5),
        (r#"rw_job_seconds_bucket{le="1.0"}"#, 1.0),
        (r#"rw_job_seconds_bucket{le="2.0"}"#, 2.0),
        (r#"rw_job_seconds_bucket{le="+Inf"}"#, 3.0),
        ("rw_job_seconds_sum", 5.0),
        ("rw_job_seconds_count", 3.0),
        ("rw_payload_count", 1.0),
        // A native histogram as the text formats show it.
        (r#"rw_wait_seconds_bucket{le="+Inf"}"#, 4.0),
        ("rw_wait_seconds_count", 4.0),
        (r#"rw_requests_total{route="/users/{id}"}"#, 3.0),
        (r#"rw_requests_total{route=""}"#, 6.0),
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
    // The exemplars went along: the counter's, and the histogram's on its `le="2.0"` bucket.
    let jobs = prometheus.query_exemplars("rw_jobs_total");
    assert_eq!(
        jobs[0]["exemplars"][0]["labels"]["trace_id"], TRACE,
        "{jobs}"
    );
    assert_eq!(jobs[0]["exemplars"][0]["value"], "42", "{jobs}");
    let buckets = prometheus.query_exemplars("rw_job_seconds_bucket");
    let kept: Vec<(&str, &str)> = buckets
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|series| {
            let le = series["seriesLabels"]["le"].as_str().unwrap_or_default();
            series["exemplars"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |e| (le, e["value"].as_str().unwrap_or_default()))
        })
        .collect();
    assert!(kept.contains(&("2.0", "1.5")), "{buckets}");
    assert!(kept.iter().all(|(le, _)| *le == "2.0"), "{buckets}");
    // No bucket of a native histogram but `+Inf` went as a series.
    assert_eq!(
        prometheus.query(r#"count(rw_wait_seconds_bucket{instance=""})"#),
        Some(1.0)
    );
    // Asked to, the surfacer sends it as native histogram samples.
    RemoteWriteSurfacer::new(prometheus.write_url())
        .native_histograms()
        .surface(&snapshot())
        .expect("a native histogram is stored");
    prometheus.wait_for("histogram_count(rw_wait_seconds)", 4.0);
    prometheus.wait_for("histogram_sum(rw_wait_seconds)", 100.7);
    prometheus.wait_for("histogram_fraction(0, 0.5, rw_wait_seconds)", 0.75);
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
