//! One `metrics::counter!` call with a label, through meterbox's recorder and through
//! `metrics-exporter-prometheus`'s, side by side: each recorder is the local recorder of
//! the benchmark's thread, so both rows pay the same facade dispatch and differ only in
//! the recorder's lookup and its increment. A raw atomic add is the floor.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{criterion_group, criterion_main, Criterion};

fn counter_call(c: &mut Criterion) {
    let meterbox = meterbox::facade::builder().recorder();
    let exporter = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let floor = AtomicU64::new(0);
    let mut group = c.benchmark_group("facade_counter_call");
    group.bench_function("atomic floor", |b| {
        b.iter(|| floor.fetch_add(black_box(1), Ordering::Relaxed));
    });
    group.bench_function("meterbox", |b| {
        metrics::with_local_recorder(&meterbox, || {
            b.iter(|| metrics::counter!("jobs_done", "queue" => "mail").increment(black_box(1)));
        });
    });
    group.bench_function("metrics-exporter-prometheus", |b| {
        metrics::with_local_recorder(&exporter, || {
            b.iter(|| metrics::counter!("jobs_done", "queue" => "mail").increment(black_box(1)));
        });
    });
    group.finish();
}

criterion_group!(benches, counter_call);
criterion_main!(benches);
