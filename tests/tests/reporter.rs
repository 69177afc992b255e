//! The reporter: interval, global tags, final flush, and its behaviour when a surfacer
//! fails: retries, a bounded backlog, exact totals after recovery, the error handler and
//! its own metrics.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use meterbox::{
    metric, snapshot, Counter, MemorySurfacer, Reporter, Snapshot, SurfaceError, Surfacer,
};

/// Events counted while a surfacer is down.
#[metric]
static REPORTED_EVENTS_TOTAL: Counter = Counter::new();

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn reports_tagged_snapshots_on_the_interval_and_flushes_at_stop() {
    let memory = Arc::new(MemorySurfacer::new());
    let reporter = Reporter::builder()
        .interval(Duration::from_millis(30))
        .surfacer(Arc::clone(&memory))
        .tag("service", "orders")
        .env_tags(false)
        .host_tag(true)
        .start()
        .unwrap();
    wait_until("two reports", || memory.snapshots().len() >= 2);
    reporter.stop();
    assert_eq!(memory.flushes(), 1);
    let last = memory.take().pop().unwrap();
    let build = last
        .series("meterbox_build_info", &[("service", "orders")])
        .pop()
        .expect("the tag is on every series");
    let host = build.label("host").expect("a host tag by default");
    assert!(!host.is_empty());
    // The series' own labels come first, the tags after.
    assert_eq!(build.labels[0].0, "version");
}

/// A surfacer that fails while `down` is set, and keeps what it delivered.
struct Flaky {
    down: AtomicBool,
    attempts: AtomicUsize,
    delivered: Mutex<Vec<Snapshot>>,
}

impl Surfacer for Flaky {
    fn name(&self) -> &'static str {
        "flaky"
    }
    fn surface(&self, snapshot: &Snapshot) -> Result<(), SurfaceError> {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        if self.down.load(Ordering::Relaxed) {
            return Err(SurfaceError::retryable("connection refused").with_status(503));
        }
        self.delivered.lock().unwrap().push(snapshot.clone());
        Ok(())
    }
}

#[test]
fn a_failing_surfacer_is_retried_bounded_and_exact_after_recovery() {
    let flaky = Arc::new(Flaky {
        down: AtomicBool::new(true),
        attempts: AtomicUsize::new(0),
        delivered: Mutex::new(Vec::new()),
    });
    let seen_errors = Arc::new(AtomicUsize::new(0));
    let seen_status = Arc::new(Mutex::new(None));
    let reporter = {
        let (seen_errors, seen_status) = (Arc::clone(&seen_errors), Arc::clone(&seen_status));
        Reporter::builder()
            .interval(Duration::from_millis(20))
            .surfacer(Arc::clone(&flaky))
            .retries(2, Duration::from_millis(1))
            .max_pending(3)
            .env_tags(false)
            .host_tag(false)
            .error_handler(move |report| {
                seen_errors.fetch_add(report.errors.len(), Ordering::Relaxed);
                *seen_status.lock().unwrap() = report.status;
            })
            .start()
            .unwrap()
    };
    // While it is down, counting goes on without waiting for the reporter.
    let started = Instant::now();
    for _ in 0..100_000 {
        REPORTED_EVENTS_TOTAL.inc();
    }
    assert!(started.elapsed() < Duration::from_secs(1));
    wait_until("ten failed attempts", || {
        flaky.attempts.load(Ordering::Relaxed) >= 10
    });
    assert!(flaky.delivered.lock().unwrap().is_empty());
    flaky.down.store(false, Ordering::Relaxed);
    wait_until("a delivery", || !flaky.delivered.lock().unwrap().is_empty());
    reporter.stop();

    let delivered = flaky.delivered.lock().unwrap();
    // The backlog held at most 3 snapshots: they and the newer ones arrive in order.
    assert!(delivered.len() >= 3);
    let last = delivered.last().unwrap();
    assert_eq!(last.counter("reported_events_total", &[]), Some(100_000));
    let counts: Vec<u64> = delivered
        .iter()
        .filter_map(|s| s.counter("reported_events_total", &[]))
        .collect();
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");

    let s = snapshot();
    let errors = s
        .counter(
            "meterbox_reporter_sends_total",
            &[("surfacer", "flaky"), ("outcome", "error")],
        )
        .unwrap();
    assert_eq!(errors, seen_errors.load(Ordering::Relaxed) as u64);
    assert!(errors >= 10);
    assert_eq!(*seen_status.lock().unwrap(), Some(503));
    assert!(
        s.counter(
            "meterbox_reporter_dropped_snapshots_total",
            &[("surfacer", "flaky")]
        )
        .unwrap()
            > 0,
        "a backlog of 3 overflowed while the surfacer was down"
    );
    assert!(s
        .histogram("meterbox_reporter_send_seconds", &[("surfacer", "flaky")])
        .is_some_and(|h| h.count() >= errors));
}

/// A server that accepts connections and never answers, nor closes them.
fn black_hole() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    addr
}

#[test]
fn a_dead_target_holds_up_no_other_surfacer_and_stop_is_bounded() {
    let hole = black_hole();
    // A listener that never accepts: connecting and writing succeed in the kernel alone.
    let deaf = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let memory = Arc::new(MemorySurfacer::new());
    let failures = Arc::new(AtomicUsize::new(0));
    let reporter = {
        let failures = Arc::clone(&failures);
        Reporter::builder()
            .interval(Duration::from_millis(50))
            .surfacer(
                meterbox::PushgatewaySurfacer::new(format!("http://{hole}"), "stuck")
                    .timeout(Duration::from_secs(1))
                    .delete_on_shutdown(true),
            )
            .surfacer(
                meterbox::GraphiteSurfacer::new(deaf.local_addr().unwrap().to_string())
                    .timeout(Duration::from_millis(300)),
            )
            .surfacer(Arc::clone(&memory))
            .retries(2, Duration::from_millis(100))
            .env_tags(false)
            .host_tag(false)
            .error_handler(move |report| {
                failures.fetch_add(report.errors.len(), Ordering::Relaxed);
            })
            .start()
            .unwrap()
    };
    std::thread::sleep(Duration::from_secs(2));
    let healthy = memory.snapshots().len();
    assert!(
        healthy >= 20,
        "the healthy surfacer got {healthy} of ~40 snapshots"
    );
    let started = Instant::now();
    reporter.stop();
    let stopping = started.elapsed();
    assert!(stopping < Duration::from_secs(6), "stop took {stopping:?}");
    assert_eq!(memory.flushes(), 1);
    // Graphite's data never reached a reader: every send failed, none counted as sent.
    let s = snapshot();
    assert_eq!(
        s.counter(
            "meterbox_reporter_sends_total",
            &[("surfacer", "graphite"), ("outcome", "ok")]
        )
        .unwrap_or(0),
        0
    );
    assert!(
        s.counter(
            "meterbox_reporter_sends_total",
            &[("surfacer", "graphite"), ("outcome", "error")]
        )
        .unwrap_or(0)
            > 0
    );
    assert!(failures.load(Ordering::Relaxed) > 0);
    drop(deaf);
}
