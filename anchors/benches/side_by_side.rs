//! meterbox, the crates it is compared to, and the hand-written floors, in one run:
//! `cargo bench -p meterbox-anchors`. Groups are operations, functions are libraries;
//! `report.py` turns the results into the table in BENCHMARKS.md.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use meterbox_anchors::{setup, CONTENDED, OPERATIONS, RENDERS};

fn operations(c: &mut Criterion) {
    setup();
    let mut groups: Vec<&str> = OPERATIONS.iter().map(|op| op.operation).collect();
    groups.dedup();
    for operation in groups {
        let mut g = c.benchmark_group(operation);
        for op in OPERATIONS.iter().filter(|op| op.operation == operation) {
            g.bench_function(op.library, |b| b.iter(op.run));
        }
        g.finish();
    }
}

/// Each thread increments `iters` times while the others do the same; the time per
/// increment is the wall time divided by `iters`.
fn contended(c: &mut Criterion) {
    setup();
    for threads in [1, 2] {
        let mut g = c.benchmark_group(format!("contended_{threads}"));
        for counter in CONTENDED {
            g.bench_function(counter.library, |b| {
                b.iter_custom(|iters| {
                    let start = Instant::now();
                    std::thread::scope(|s| {
                        for _ in 0..threads {
                            s.spawn(|| {
                                for _ in 0..iters {
                                    (counter.inc)();
                                }
                            });
                        }
                    });
                    start.elapsed()
                });
            });
        }
        g.finish();
    }
}

fn render(c: &mut Criterion) {
    let mut g = c.benchmark_group("render");
    g.sample_size(20);
    for render in RENDERS {
        (render.fill)();
        g.bench_function(render.library, |b| b.iter(|| black_box((render.render)())));
    }
    g.finish();
}

criterion_group!(benches, operations, contended, render);
criterion_main!(benches);
