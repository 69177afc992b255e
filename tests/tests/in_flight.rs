//! `#[in_flight]` counts calls in progress and returns to zero on every way out;
//! `#[instrumented]` is counted + timed + in-flight; `CallbackGauge` is read at render time.

// In-flight counts are small whole numbers, exact in an f64.
#![allow(clippy::float_cmp)]
use std::panic::catch_unwind;

use meterbox::{in_flight, instrumented, metric, snapshot, CallbackGauge};
use meterbox_tests::{block_on, poll_once, Yield};

fn in_flight_now(function: &str) -> f64 {
    snapshot()
        .gauge("function_calls_in_flight", &[("function", function)])
        .unwrap_or_else(|| panic!("no in-flight series for {function}"))
}

#[in_flight]
fn observe_self() -> f64 {
    in_flight_now("observe_self")
}

#[in_flight]
fn explode() {
    panic!("boom");
}

#[in_flight]
async fn waits(rounds: u32) -> u32 {
    Yield(rounds).await;
    rounds
}

#[test]
fn in_flight_during_a_call_and_zero_after() {
    assert_eq!(in_flight_now("observe_self"), 0.0);
    assert_eq!(observe_self(), 1.0);
    assert_eq!(in_flight_now("observe_self"), 0.0);
}

#[test]
fn in_flight_returns_to_zero_after_a_panic() {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let caught = catch_unwind(explode);
    std::panic::set_hook(prev);
    assert!(caught.is_err());
    assert_eq!(in_flight_now("explode"), 0.0);
}

#[test]
fn in_flight_returns_to_zero_after_cancellation() {
    let mut first = Box::pin(waits(3));
    let mut second = Box::pin(waits(3));
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_once(&mut second).is_pending());
    assert_eq!(in_flight_now("waits"), 2.0);
    drop(first);
    assert_eq!(in_flight_now("waits"), 1.0);
    drop(second);
    assert_eq!(in_flight_now("waits"), 0.0);
    assert_eq!(block_on(waits(1)), 1);
    assert_eq!(in_flight_now("waits"), 0.0);
}

#[instrumented]
fn everything(fail: bool) -> Result<(), String> {
    if fail {
        return Err("failed".into());
    }
    Ok(())
}

#[test]
fn instrumented_is_counted_timed_and_in_flight() {
    assert!(everything(true).is_err());
    assert!(everything(false).is_ok());
    let s = snapshot();
    let f = [("function", "everything")];
    assert_eq!(
        s.counter(
            "function_calls_total",
            &[("function", "everything"), ("result", "error")]
        ),
        Some(1)
    );
    assert_eq!(
        s.histogram("function_duration_seconds", &f)
            .map(meterbox::HistogramValue::count),
        Some(2)
    );
    assert_eq!(s.gauge("function_calls_in_flight", &f), Some(0.0));
}

fn answer() -> f64 {
    42.0
}

fn broken() -> f64 {
    panic!("no value")
}

/// The answer, computed at render time.
#[metric]
static ANSWER: CallbackGauge = CallbackGauge::new(answer);

/// A callback that panics.
#[metric]
static BROKEN: CallbackGauge = CallbackGauge::new(broken);

#[test]
fn callback_gauges_are_read_at_render_time() {
    assert_eq!(snapshot().gauge("answer", &[]), Some(42.0));
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let text = meterbox::render(meterbox::Format::Prometheus);
    std::panic::set_hook(prev);
    assert!(text.contains("\nanswer 42.0\n"), "{text}");
    assert!(text.contains("\nbroken NaN\n"), "{text}");
    let _ = (&ANSWER, &BROKEN);
}
