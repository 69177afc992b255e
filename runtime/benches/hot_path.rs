//! The cost of instrumentation, side by side with a raw atomic add (the floor) and an
//! uninstrumented function, in one run: `cargo bench -p meterbox --bench hot_path`.

mod shapes;

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use shapes::{
    counted_and_timed, counted_fn, counted_result, empty, family_handle, family_with,
    histogram_observe, histogram_observe_ns, raw_atomic_add, request_handle, sharded_inc,
    shared_inc, timed_fn, two_clock_reads, typed_family_with, Method, Request, Status,
};

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
    g.bench_function("clock: 2x Instant::now", |b| b.iter(two_clock_reads));
    g.bench_function("Histogram::observe_ns", |b| {
        b.iter(|| histogram_observe_ns(black_box(700)));
    });
    g.bench_function("Histogram::observe", |b| {
        b.iter(|| histogram_observe(black_box(0.000_7)));
    });
    g.bench_function("Family::with([&str; 2]).inc()", |b| {
        b.iter(|| family_with(black_box("GET"), black_box("200")));
    });
    let request = Request {
        method: Method::Post,
        status: Status::NotFound,
    };
    g.bench_function("TypedFamily::with(&enum label set).inc()", |b| {
        b.iter(|| typed_family_with(black_box(&request)));
    });
    let handle = request_handle();
    g.bench_function("Family child, kept handle .inc()", |b| {
        b.iter(|| family_handle(black_box(handle)));
    });
    g.finish();

    // Contention: the time per increment when two threads count at once, each doing
    // `iters` increments, against one thread alone.
    let mut g = c.benchmark_group("contention");
    let on_threads = |threads: usize, inc: fn()| {
        move |b: &mut criterion::Bencher<'_>| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                std::thread::scope(|s| {
                    for _ in 0..threads {
                        s.spawn(|| {
                            for _ in 0..iters {
                                inc();
                            }
                        });
                    }
                });
                start.elapsed()
            });
        }
    };
    g.bench_function("ShardedCounter::inc, 1 thread", on_threads(1, sharded_inc));
    g.bench_function("ShardedCounter::inc, 2 threads", on_threads(2, sharded_inc));
    g.bench_function("Counter::inc, 1 thread", on_threads(1, shared_inc));
    g.bench_function("Counter::inc, 2 threads", on_threads(2, shared_inc));
    g.finish();
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
