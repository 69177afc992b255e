//! The timer clock is measured without making any caller wait: the first timed call of a
//! process returns at once, and calls timed before and after the measure ends both record
//! their real durations (before, scaled by the measure so far). A binary of its own, so that
//! its first timer is the process's.

use std::thread::sleep;
use std::time::{Duration, Instant};

use meterbox::{snapshot, timed};

#[timed]
fn quick() {}

#[timed]
fn two_ms() {
    sleep(Duration::from_millis(2));
}

#[timed]
fn twenty_ms() {
    sleep(Duration::from_millis(20));
}

/// How many calls of `function` took between 10 and 100 ms (a 20 ms sleep, on a machine
/// that may be busy), and how many in all.
fn between_10_and_100_ms(function: &str) -> (u64, u64) {
    let s = snapshot();
    let h = s
        .histogram("function_duration_seconds", &[("function", function)])
        .expect("the function's durations");
    let at = |bound: f64| {
        let i = h
            .bounds
            .iter()
            .position(|b| b.to_bits() == bound.to_bits())
            .expect("a default bound");
        h.buckets[..=i].iter().sum::<u64>()
    };
    (at(0.1) - at(0.01), h.count())
}

#[test]
fn the_first_timer_does_not_wait_and_every_duration_is_right() {
    let start = Instant::now();
    quick();
    let first = start.elapsed();
    // Measuring the counter used to sleep 10 ms in the first timer.
    assert!(
        first < Duration::from_millis(8),
        "the first timed call took {first:?}"
    );

    // Timed while the counter's measure runs (10 ms from the first timer), scaled by the
    // measure so far: no shorter than the sleep, no longer than the call.
    let call = Instant::now();
    two_ms();
    let call = call.elapsed().as_secs_f64();
    let s = snapshot();
    let h = s
        .histogram("function_duration_seconds", &[("function", "two_ms")])
        .expect("the function's durations");
    assert_eq!(h.count(), 1);
    assert!(
        (0.002..=call).contains(&h.sum),
        "{} s recorded for a call of {call} s",
        h.sum
    );

    // The first ends the measure, more than 10 ms after the first timer, and is timed
    // with the counter, in ticks; so are the next two.
    for _ in 0..3 {
        twenty_ms();
    }
    assert_eq!(between_10_and_100_ms("twenty_ms"), (3, 3));
}
