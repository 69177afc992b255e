//! Calls each instrumented shape a million times, for instruction counts per call under
//! callgrind (repeatable, unlike wall time on a shared machine):
//!
//! ```text
//! cargo build --release --example hot_path_instructions
//! valgrind --tool=callgrind --callgrind-out-file=cg.out target/release/examples/hot_path_instructions
//! callgrind_annotate --inclusive=yes cg.out | grep hot_path_instructions::
//! ```
//!
//! Each function's inclusive count divided by 1,000,000 is its cost per call, call and
//! return included (the same for every row, so differences are the instrumentation).

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use meterbox::{counted, timed, Histogram};

const CALLS: u32 = 1_000_000;

static RAW: AtomicU64 = AtomicU64::new(0);
static HISTOGRAM: Histogram = Histogram::for_durations();

#[inline(never)]
fn empty() {
    black_box(());
}

#[inline(never)]
fn raw_atomic_add() {
    RAW.fetch_add(1, Ordering::Relaxed);
}

#[inline(never)]
#[counted]
fn counted_fn() {
    black_box(());
}

#[inline(never)]
#[counted]
fn counted_result(ok: bool) -> Result<(), ()> {
    if ok {
        Ok(())
    } else {
        Err(())
    }
}

#[inline(never)]
#[timed]
fn timed_fn() {
    black_box(());
}

#[inline(never)]
#[counted]
#[timed]
fn counted_and_timed() {
    black_box(());
}

#[inline(never)]
fn two_clock_reads() -> std::time::Duration {
    black_box(Instant::now()).elapsed()
}

#[inline(never)]
fn histogram_observe_ns(ns: u64) {
    HISTOGRAM.observe_ns(ns);
}

fn main() {
    for _ in 0..CALLS {
        empty();
        raw_atomic_add();
        counted_fn();
        let _ = black_box(counted_result(black_box(true)));
        timed_fn();
        counted_and_timed();
        black_box(two_clock_reads());
        histogram_observe_ns(black_box(700));
    }
    println!(
        "{}",
        meterbox::render(meterbox::Format::Table).lines().count()
    );
}
