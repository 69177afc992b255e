//! A process that shares metrics through Redis, for the store's tests:
//! `redis_worker <url> <namespace> <increments> <pause ms per 1000> <gauge mode> <index>`.
//!
//! It counts `increments` jobs into a counter, a family and a histogram while a reporter
//! transfers every 20 ms, sets a gauge to its index, and before exiting makes sure its
//! last changes were transferred, however long Redis is away.

use std::sync::Arc;
use std::time::{Duration, Instant};

use meterbox::redis::{GaugeMode, RedisSurfacer};
use meterbox::{metric, Counter, Family, Gauge, Histogram, Reporter};

/// Jobs done by the workers.
#[metric]
static WORKER_JOBS_TOTAL: Counter = Counter::new();

/// Jobs by kind.
#[metric]
static WORKER_JOBS_BY_KIND_TOTAL: Family<Counter, 1> = Family::new(["kind"]);

/// Job time.
#[metric(unit = "seconds")]
static WORKER_JOB_SECONDS: Histogram = Histogram::new(&[0.25, 0.5, 1.0]);

/// The worker's index, to see how gauges of several processes share a field.
#[metric]
static WORKER_INDEX: Gauge = Gauge::new();

const KINDS: [&str; 4] = ["email", "sms", "push", "fax \"legacy\""];
const TIMES: [f64; 4] = [0.1, 0.3, 0.7, 2.0];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, namespace, increments, pause, mode, index] = &args[..] else {
        eprintln!("usage: redis_worker <url> <namespace> <increments> <pause ms> <last|per-process> <index>");
        std::process::exit(2);
    };
    let increments: usize = increments.parse().expect("increments");
    let pause = Duration::from_millis(pause.parse().expect("pause"));
    let mode = if mode == "per-process" {
        GaugeMode::PerProcess
    } else {
        GaugeMode::LastWrite
    };
    let store = Arc::new(
        RedisSurfacer::new(url, namespace)
            .expect("a redis URL")
            .gauges(mode)
            .timeout(Duration::from_secs(1)),
    );
    let reporter = Reporter::builder()
        .interval(Duration::from_millis(20))
        .surfacer(Arc::clone(&store))
        .host_tag(false)
        .env_tags(false)
        .retries(0, Duration::ZERO)
        .error_handler(|_| {})
        .start()
        .expect("start the reporter");
    WORKER_INDEX.set(index.parse().expect("index"));
    for i in 0..increments {
        WORKER_JOBS_TOTAL.inc();
        WORKER_JOBS_BY_KIND_TOTAL.with([KINDS[i % 4]]).inc();
        WORKER_JOB_SECONDS.observe(TIMES[i % 4]);
        if i % 1000 == 999 {
            std::thread::sleep(pause);
        }
    }
    reporter.stop();
    let deadline = Instant::now() + Duration::from_secs(120);
    while let Err(err) = store.transfer() {
        assert!(
            Instant::now() < deadline,
            "the last transfer never landed: {err}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
