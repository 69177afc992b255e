//! What an exemplar adds to an observation: the same histogram observed plainly and with an
//! exemplar, side by side.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use meterbox::{Counter, Exemplar, Histogram};

static PLAIN: Histogram = Histogram::new(&[0.001, 0.01, 0.1, 1.0]);
static TRACED: Histogram = Histogram::new(&[0.001, 0.01, 0.1, 1.0]);
static COUNT: Counter = Counter::new();
static COUNT_TRACED: Counter = Counter::new();

fn observe(c: &mut Criterion) {
    let exemplar = Exemplar::trace("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")
        .expect("valid labels");
    let mut group = c.benchmark_group("exemplars");
    group.bench_function("histogram observe", |b| {
        b.iter(|| PLAIN.observe(black_box(0.05)));
    });
    group.bench_function("histogram observe_with_exemplar", |b| {
        b.iter(|| TRACED.observe_with_exemplar(black_box(0.05), &exemplar));
    });
    group.bench_function("counter inc_by", |b| b.iter(|| COUNT.inc_by(black_box(1))));
    group.bench_function("counter inc_by_with_exemplar", |b| {
        b.iter(|| COUNT_TRACED.inc_by_with_exemplar(black_box(1), &exemplar));
    });
    group.finish();
}

criterion_group!(benches, observe);
criterion_main!(benches);
