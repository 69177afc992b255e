//! What `meterbox-expose` runs, scraped by a real Prometheus: the totals that processes
//! wrote into a shared Redis, one namespace or several.

use std::process::Command;

use meterbox_tests::{tool, Prometheus, RedisServer};

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
