//! Meters: the 1/5/15-minute moving averages against hand-computed EWMA values under a
//! hand-stepped clock, the mean rate, and the counter-plus-gauges exposition.
// Test times are far below u64 nanoseconds.
#![allow(clippy::cast_possible_truncation)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use meterbox::{metered, metric, render, snapshot, Family, Format, Meter};
use meterbox_tests::{openmetrics_parse, promtool_check};

static NOW_NS: AtomicU64 = AtomicU64::new(0);

/// The tests that step the shared clock take turns.
static CLOCK: Mutex<()> = Mutex::new(());

fn test_clock() -> Duration {
    Duration::from_nanos(NOW_NS.load(Ordering::Relaxed))
}

fn at(seconds: f64) {
    NOW_NS.store(
        Duration::from_secs_f64(seconds).as_nanos() as u64,
        Ordering::Relaxed,
    );
}

/// Messages consumed.
#[metric]
static MESSAGES: Meter = Meter::with_clock(test_clock);

/// Jobs by queue.
#[metric]
static JOBS: Family<Meter, 1> = Family::with_prototype(["queue"], Meter::with_clock(test_clock));

#[metered]
fn work() {}

#[metered(name = "queue_throughput", labels(queue = queue))]
fn enqueue(queue: &str) -> usize {
    queue.len()
}

fn alpha(minutes: f64) -> f64 {
    1.0 - (-5.0 / 60.0 / minutes).exp()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn rates_follow_the_dropwizard_ewma() {
    let _clock = CLOCK.lock().unwrap();
    let m = Meter::with_clock(test_clock);
    at(100.0); // the meter starts at its first mark
    m.mark_n(60);
    assert!(close(m.one_minute_rate(), 0.0), "no tick yet");

    // First tick: 60 events in 5 s is 12/s, the starting value of every average.
    at(105.001);
    assert!(close(m.one_minute_rate(), 12.0), "{}", m.one_minute_rate());
    assert!(close(m.five_minute_rate(), 12.0));
    assert!(close(m.fifteen_minute_rate(), 12.0));

    // An empty tick decays each average by 1 − α.
    at(110.001);
    let mut expected = [12.0, 12.0, 12.0];
    for (e, minutes) in expected.iter_mut().zip([1.0, 5.0, 15.0]) {
        *e *= 1.0 - alpha(minutes);
    }
    assert!(
        close(m.one_minute_rate(), expected[0]),
        "{}",
        m.one_minute_rate()
    );
    assert!(close(m.five_minute_rate(), expected[1]));
    assert!(close(m.fifteen_minute_rate(), expected[2]));
    assert!(close(expected[0], 12.0 * (-5.0f64 / 60.0).exp()));

    // 30 events in the next tick: an instant rate of 6/s pulls each average by α.
    at(112.0);
    m.mark_n(30);
    at(115.001);
    for (e, minutes) in expected.iter_mut().zip([1.0, 5.0, 15.0]) {
        *e += alpha(minutes) * (6.0 - *e);
    }
    assert!(close(m.one_minute_rate(), expected[0]));
    assert!(close(m.five_minute_rate(), expected[1]));
    assert!(close(m.fifteen_minute_rate(), expected[2]));
    assert!(close(m.mean_rate(), 90.0 / 15.001), "{}", m.mean_rate());

    // Ten idle minutes are 120 empty ticks, caught up at once.
    at(715.001);
    for (e, minutes) in expected.iter_mut().zip([1.0, 5.0, 15.0]) {
        *e *= (1.0 - alpha(minutes)).powi(120);
    }
    assert!(close(m.one_minute_rate(), expected[0]));
    assert!(close(m.fifteen_minute_rate(), expected[2]));
    assert_eq!(m.count(), 90);
}

#[test]
fn meters_are_a_counter_and_rate_gauges() {
    let _clock = CLOCK.lock().unwrap();
    at(0.0);
    MESSAGES.mark_n(10);
    JOBS.with(["email"]).mark();
    work();
    work();
    assert_eq!(enqueue("sms"), 3);
    at(5.5);
    let text = render(Format::Prometheus);
    assert!(
        text.contains("# TYPE messages_total counter\nmessages_total 10\n"),
        "{text}"
    );
    assert!(text.contains("# TYPE messages_rate gauge\n"), "{text}");
    assert!(
        text.contains("messages_rate{window=\"1m\"} 2.0\n"),
        "{text}"
    );
    assert!(
        text.contains("jobs_rate{queue=\"email\",window=\"15m\"} 0.2\n"),
        "{text}"
    );
    let s = snapshot();
    assert_eq!(s.counter("jobs_total", &[("queue", "email")]), Some(1));
    assert_eq!(
        s.counter("function_throughput_total", &[("function", "work")]),
        Some(2)
    );
    assert!(s
        .gauge(
            "function_throughput_rate",
            &[("function", "work"), ("window", "mean")]
        )
        .is_some_and(|r| r > 0.0));
    assert_eq!(
        s.counter("queue_throughput_total", &[("queue", "sms")]),
        Some(1)
    );
    assert!(s
        .gauge(
            "queue_throughput_rate",
            &[("queue", "sms"), ("window", "5m")]
        )
        .is_some());
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "promtool on:\n{text}");
    }
    if let Some(parsed) = openmetrics_parse(&render(Format::OpenMetrics)) {
        parsed.expect("strict OpenMetrics parser");
    }
}
