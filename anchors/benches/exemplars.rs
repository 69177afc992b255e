//! What an exemplar adds to an observation: the same histogram observed plainly and with an
//! exemplar, side by side; and a `#[timed]` call outside any span and inside a sampled
//! OpenTelemetry span, which with meterbox's `opentelemetry` feature keeps it as the
//! exemplar (`cargo bench -p meterbox-anchors --bench exemplars --features
//! meterbox/opentelemetry`; without the feature both rows are the same call).

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

#[meterbox::timed]
#[inline(never)]
fn timed_call(n: u64) -> u64 {
    black_box(n)
}

fn timed_in_span(c: &mut Criterion) {
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState,
    };
    let mut group = c.benchmark_group("timed_call");
    group.bench_function("outside a span", |b| b.iter(|| timed_call(black_box(1))));
    let context = opentelemetry::Context::current().with_remote_span_context(SpanContext::new(
        TraceId::from(0x0af7_6519_16cd_43dd_8448_eb21_1c80_319c_u128),
        SpanId::from(0xb7ad_6b71_6920_3331_u64),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    ));
    let _in_span = context.attach();
    group.bench_function("in a sampled span", |b| b.iter(|| timed_call(black_box(1))));
    group.finish();
}

criterion_group!(benches, observe, timed_in_span);
criterion_main!(benches);
