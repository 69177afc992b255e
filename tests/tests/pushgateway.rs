//! Pushing to a real Pushgateway (the Debian package `prometheus-pushgateway`), and what
//! happens when it is down at start, comes up, goes down and comes back: instrumented code
//! never waits, the backlog stays bounded, totals are exact after recovery, and every
//! failure reaches the error handler and the reporter's metrics.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use meterbox::{
    counted, metric, snapshot, Counter, Family, PushgatewaySurfacer, Reporter, Surfacer,
};
use meterbox_tests::{free_port, http_get, tool};

#[counted(name = "pushed_jobs")]
fn job() {}

/// Imports by the job and instance they came from: label names the grouping uses too.
#[metric]
static IMPORTS_TOTAL: Family<Counter, 2> = Family::new(["job", "instance"]);

/// A Pushgateway on a loopback port, killed on drop.
struct Gateway(Child);

impl Gateway {
    fn start(binary: &Path, port: u16) -> Self {
        let child = Command::new(binary)
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the pushgateway");
        Gateway(child)
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The value the gateway holds for `pushed_jobs_total` in this test's grouping.
fn pushed(port: u16) -> Option<u64> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let text = http_get(addr, "/metrics", &[]).ok()?.text();
    text.lines()
        .filter(|l| l.starts_with("pushed_jobs_total{"))
        .filter(|l| l.contains(r#"job="faults""#) && l.contains(r#"result="ok""#))
        .find_map(|l| l.rsplit(' ').next()?.parse().ok())
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run_jobs(n: usize) {
    let started = Instant::now();
    for _ in 0..n {
        job();
    }
    // However the gateway fares, the instrumented calls do not wait on it.
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn survives_the_gateway_going_down_and_coming_back() {
    let Some(binary) = tool("prometheus-pushgateway") else {
        return;
    };
    let port = free_port();
    let failures = Arc::new(AtomicUsize::new(0));
    let reporter = {
        let failures = Arc::clone(&failures);
        Reporter::builder()
            .interval(Duration::from_millis(100))
            .surfacer(
                PushgatewaySurfacer::new(format!("http://127.0.0.1:{port}"), "faults")
                    .instance("test")
                    .delete_on_shutdown(true),
            )
            .retries(1, Duration::from_millis(10))
            .max_pending(3)
            .env_tags(false)
            .host_tag(false)
            .error_handler(move |report| {
                failures.fetch_add(report.errors.len(), Ordering::Relaxed);
            })
            .start()
            .unwrap()
    };

    // Down at start.
    run_jobs(1_000);
    wait_until("failures while down", || {
        failures.load(Ordering::Relaxed) >= 10
    });

    // Up: the next push brings the exact total.
    let gateway = Gateway::start(&binary, port);
    wait_until("the first total", || pushed(port) == Some(1_000));

    // Down again, more work, up again: the total is exact once more.
    drop(gateway);
    let before = failures.load(Ordering::Relaxed);
    run_jobs(234);
    wait_until("failures while down again", || {
        failures.load(Ordering::Relaxed) >= before + 10
    });
    let gateway = Gateway::start(&binary, port);
    wait_until("the total after recovery", || pushed(port) == Some(1_234));

    // Stopping deletes the grouping. The gateway answers a DELETE with 202 Accepted and
    // applies it from its write queue, so the grouping goes away shortly after.
    reporter.stop();
    wait_until("the grouping deleted", || pushed(port).is_none());
    drop(gateway);

    // Every failed attempt was counted by the reporter as well as seen by the handler.
    let s = snapshot();
    let errors = s
        .counter(
            "meterbox_reporter_sends_total",
            &[("surfacer", "pushgateway"), ("outcome", "error")],
        )
        .unwrap();
    assert_eq!(errors, failures.load(Ordering::Relaxed) as u64);
    assert!(
        s.counter(
            "meterbox_reporter_dropped_snapshots_total",
            &[("surfacer", "pushgateway")]
        )
        .unwrap()
            > 0,
        "the backlog of 3 overflowed and was capped"
    );
}

#[test]
fn series_labels_that_the_grouping_also_names_are_exported() {
    let Some(binary) = tool("prometheus-pushgateway") else {
        return;
    };
    let port = free_port();
    let _gateway = Gateway::start(&binary, port);
    IMPORTS_TOTAL.with(["nightly", "db-2"]).inc_by(5);
    let push =
        PushgatewaySurfacer::new(format!("http://127.0.0.1:{port}"), "importer").instance("w1");
    // One value of `job` and two of `instance`: the gateway would replace the first and
    // refuse the second with 400, unless the series' own are sent under other names.
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stored = String::new();
    wait_until("the push accepted", || {
        if push.surface(&snapshot()).is_err() {
            return false;
        }
        stored = http_get(addr, "/metrics", &[])
            .map(|r| r.text())
            .unwrap_or_default();
        stored.contains("imports_total{")
    });
    let line = stored
        .lines()
        .find(|l| l.starts_with("imports_total{"))
        .unwrap_or_else(|| panic!("{stored}"));
    for pair in [
        r#"exported_job="nightly""#,
        r#"exported_instance="db-2""#,
        r#"job="importer""#,
        r#"instance="w1""#,
    ] {
        assert!(line.contains(pair), "{pair} in {line}");
    }
    assert!(line.ends_with(" 5"), "{line}");
}
