//! The cost of instrumentation, side by side with a raw atomic add (the floor) and an
//! uninstrumented function, in one run: `cargo bench -p meterbox --bench hot_path`.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use meterbox::{counted, timed, Histogram};

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

fn hot_path(c: &mut Criterion) {
    let mut g = c.benchmark_group("hot_path");
    g.bench_function("empty fn", |b| b.iter(empty));
    g.bench_function("raw static AtomicU64 add", |b| b.iter(raw_atomic_add));
    g.bench_function("#[counted]", |b| b.iter(counted_fn));
    g.bench_function("#[counted] -> Result", |b| {
        b.iter(|| counted_result(black_box(true)));
    });
    g.bench_function("#[timed]", |b| b.iter(timed_fn));
    g.bench_function("#[counted] #[timed]", |b| b.iter(counted_and_timed));
    g.bench_function("clock: 2x Instant::now", |b| {
        b.iter(|| {
            let start = Instant::now();
            black_box(start.elapsed())
        });
    });
    g.bench_function("Histogram::observe_ns", |b| {
        b.iter(|| HISTOGRAM.observe_ns(black_box(700)));
    });
    g.bench_function("Histogram::observe", |b| {
        b.iter(|| HISTOGRAM.observe(black_box(0.000_7)));
    });
    g.finish();
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
