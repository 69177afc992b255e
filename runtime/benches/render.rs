//! Rendering 10,000 series: `cargo bench -p meterbox --bench render`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use meterbox::{metric, render, render_into, Counter, Family, Format};

/// Requests by path: 10,000 children.
#[metric]
static REQUESTS_TOTAL: Family<Counter, 1> = Family::new(["path"]).with_limit(10_000);

fn ten_thousand(c: &mut Criterion) {
    for i in 0..10_000u64 {
        REQUESTS_TOTAL.with([&format!("/item/{i}")]).inc_by(i);
    }
    let mut g = c.benchmark_group("render 10,000 series");
    g.bench_function("Prometheus text, new String", |b| {
        b.iter(|| black_box(render(Format::Prometheus)));
    });
    let mut buffer = String::new();
    g.bench_function("Prometheus text, reused buffer", |b| {
        b.iter(|| {
            render_into(&mut buffer, Format::Prometheus);
            black_box(buffer.len())
        });
    });
    g.bench_function("OpenMetrics text, reused buffer", |b| {
        b.iter(|| {
            render_into(&mut buffer, Format::OpenMetrics);
            black_box(buffer.len())
        });
    });
    g.finish();
}

criterion_group!(benches, ten_thousand);
criterion_main!(benches);
