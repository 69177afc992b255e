//! `#[instrumented]` records through one guard: on every way out of a function (a value, an
//! error, an early return, `?`, a panic, a cancelled or panicking future, a returned future,
//! a function measured by the guard alone) it counts the outcome, records one duration and
//! lets the call out of `function_calls_in_flight`.

use std::future::Future;
use std::panic::catch_unwind;
use std::time::{Duration, Instant};

use meterbox::{instrumented, snapshot, HistogramValue};
use meterbox_tests::{block_on, poll_once, Yield};

/// The calls of `function` by result, durations recorded, and calls in flight now.
fn recorded(function: &str) -> ([u64; 4], u64, f64) {
    let s = snapshot();
    let labels = [("function", function)];
    let results = ["ok", "error", "panic", "cancelled"]
        .map(|r| s.counter("function_calls_total", &[labels[0], ("result", r)]));
    let durations = s
        .histogram("function_duration_seconds", &labels)
        .map_or(0, HistogramValue::count);
    let in_flight = s
        .gauge("function_calls_in_flight", &labels)
        .unwrap_or(f64::NAN);
    (results.map(|n| n.unwrap_or(0)), durations, in_flight)
}

/// Runs `f` with the panic message kept off the test output.
fn quietly<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> std::thread::Result<T> {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let caught = catch_unwind(f);
    std::panic::set_hook(prev);
    caught
}

#[instrumented]
fn checked(s: &str) -> Result<u32, std::num::ParseIntError> {
    if s.is_empty() {
        return Ok(0);
    }
    let n: u32 = s.parse()?;
    assert!(n != 13, "unlucky");
    Ok(n)
}

#[test]
fn a_sync_function_records_every_way_out() {
    assert_eq!(checked(""), Ok(0));
    assert_eq!(checked("4"), Ok(4));
    assert!(checked("x").is_err());
    assert!(quietly(|| checked("13")).is_err());
    assert_eq!(recorded("checked"), ([2, 1, 1, 0], 4, 0.0));
}

#[instrumented]
async fn job(rounds: u32) -> Result<(), String> {
    Yield(rounds).await;
    assert!(rounds != 13, "unlucky");
    if rounds == 7 {
        return Err("seven".into());
    }
    Ok(())
}

#[test]
// The gauge counts whole calls, which an f64 holds exactly.
#[allow(clippy::float_cmp)]
fn an_async_function_records_cancellation_and_panics() {
    drop(job(1));
    assert_eq!(recorded("job"), ([0; 4], 0, 0.0), "never polled, never run");

    let mut pending = Box::pin(job(3));
    assert!(poll_once(&mut pending).is_pending());
    assert_eq!(recorded("job").2, 1.0, "in flight while pending");
    drop(pending);
    assert_eq!(recorded("job"), ([0, 0, 0, 1], 1, 0.0));

    assert_eq!(block_on(job(2)), Ok(()));
    assert!(block_on(job(7)).is_err());
    assert!(quietly(|| block_on(job(13))).is_err());
    assert_eq!(recorded("job"), ([1, 1, 1, 1], 4, 0.0));
}

#[instrumented]
#[allow(clippy::manual_async_fn)]
fn later(ms: u64) -> impl Future<Output = u64> {
    async move {
        let until = Instant::now() + Duration::from_millis(ms);
        while Instant::now() < until {
            Yield(1).await;
        }
        ms
    }
}

#[test]
fn a_returned_future_is_measured_across_its_awaits() {
    let future = later(20);
    assert_eq!(recorded("later"), ([0; 4], 0, 0.0), "made, not yet run");
    assert_eq!(block_on(future), 20);
    assert_eq!(recorded("later"), ([1, 0, 0, 0], 1, 0.0));
    let duration = snapshot()
        .histogram("function_duration_seconds", &[("function", "later")])
        .map_or(0.0, |h| h.sum);
    // The timer's clock agrees with the OS clock within 1%.
    assert!(duration >= 0.020 * 0.99, "timed {duration}s for 20 ms");
}

/// `#[track_caller]` keeps the body as it is, so the guard alone sees its end.
#[instrumented]
#[track_caller]
fn located(fail: bool) -> u8 {
    assert!(!fail, "asked to");
    1
}

#[test]
fn a_function_measured_by_the_guard_alone_records_returns_and_panics() {
    assert_eq!(located(false), 1);
    assert!(quietly(|| located(true)).is_err());
    assert_eq!(recorded("located"), ([1, 0, 1, 0], 2, 0.0));
}
