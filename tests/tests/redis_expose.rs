//! What `meterbox-expose` runs, scraped by a real Prometheus: the totals that processes
//! wrote into a shared Redis, one namespace or several; and the same totals in every format.

use std::process::Command;

use meterbox::Format;
use meterbox_tests::{openmetrics_parse, promtool_check, tool, Prometheus, RedisServer};

const WORKER: &str = env!("CARGO_BIN_EXE_redis_worker");

fn run_worker(url: &str, namespace: &str, increments: &str) {
    let status = Command::new(WORKER)
        .args([url, namespace, increments, "0", "last", "0"])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn prometheus_sees_the_totals_of_the_shared_store() {
    let Some(binary) = tool("prometheus") else {
        return;
    };
    let Some(redis) = RedisServer::start("expose") else {
        return;
    };
    let url = redis.url();
    run_worker(&url, "shop", "3000");
    run_worker(&url, "shop", "1000");
    run_worker(&url, "billing", "200");

    let one = meterbox::redis::serve(&url, &["shop"], ":0").unwrap();
    let prometheus = Prometheus::start(&binary, one.local_addr().port());
    prometheus.wait_for("worker_jobs_total", 4000.0);
    prometheus.wait_for(r#"worker_jobs_by_kind_total{kind="sms"}"#, 1000.0);
    prometheus.wait_for(r#"worker_job_seconds_bucket{le="0.5"}"#, 2000.0);
    drop(prometheus);

    let several = meterbox::redis::serve(&url, &["shop", "billing"], ":0").unwrap();
    let prometheus = Prometheus::start(&binary, several.local_addr().port());
    prometheus.wait_for(r#"worker_jobs_total{namespace="shop"}"#, 4000.0);
    prometheus.wait_for(r#"worker_jobs_total{namespace="billing"}"#, 200.0);
}

#[test]
fn a_namespace_reads_back_in_every_format() {
    let Some(redis) = RedisServer::start("formats") else {
        return;
    };
    let url = redis.url();
    run_worker(&url, "shop", "3000");
    run_worker(&url, "shop", "1000");
    let mut connection = redis::Client::open(url.as_str())
        .and_then(|c| c.get_connection())
        .unwrap();
    let mut render = |format| meterbox::redis::render(&mut connection, "shop", format).unwrap();

    let json: serde_json::Value = serde_json::from_str(&render(Format::Json)).unwrap();
    let family = |name: &str| {
        json["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {json}"))
            .clone()
    };
    let jobs = family("worker_jobs_total");
    assert_eq!(jobs["type"], "counter");
    assert_eq!(jobs["series"][0]["value"], 4000);
    let seconds = family("worker_job_seconds");
    assert_eq!(seconds["type"], "histogram");
    let series = &seconds["series"][0];
    assert_eq!(series["count"], 4000);
    let buckets = series["buckets"].as_array().unwrap();
    assert_eq!(buckets.last().unwrap()["le"], "+Inf");
    assert_eq!(buckets.last().unwrap()["count"], 4000);

    let table = render(Format::Table);
    let row = table
        .lines()
        .find(|l| l.starts_with("worker_jobs_total "))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(row.split_whitespace().any(|cell| cell == "4000"), "{row}");

    let openmetrics = render(Format::OpenMetrics);
    assert!(openmetrics.ends_with("# EOF\n"), "{openmetrics}");
    assert!(
        openmetrics.contains("# TYPE worker_jobs counter\n"),
        "{openmetrics}"
    );
    assert!(
        openmetrics.contains("worker_jobs_total 4000\n"),
        "{openmetrics}"
    );
    if let Some(parsed) = openmetrics_parse(&openmetrics) {
        parsed.unwrap_or_else(|e| panic!("{e}\n{openmetrics}"));
    }
    let prometheus = render(Format::Prometheus);
    assert!(
        prometheus.contains("worker_jobs_total 4000\n"),
        "{prometheus}"
    );
    if let Some(warnings) = promtool_check(&prometheus) {
        assert_eq!(warnings, "", "{prometheus}");
    }
}
