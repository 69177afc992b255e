//! What `#[allocations]` adds to a call, with the counting allocator installed as this
//! program's global allocator: the same function (one 64-byte box, made and freed) plain,
//! under `#[allocations]`, and under `#[timed]` for scale, side by side; and an async call,
//! measured per poll, against the same future unmeasured.

use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{criterion_group, criterion_main, Criterion};
use meterbox::alloc::CountingAllocator;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

#[inline(never)]
fn plain(n: u8) -> u8 {
    black_box(Box::new([n; 64]))[0]
}

#[meterbox::allocations]
#[inline(never)]
fn measured(n: u8) -> u8 {
    black_box(Box::new([n; 64]))[0]
}

#[meterbox::timed]
#[inline(never)]
fn timed(n: u8) -> u8 {
    black_box(Box::new([n; 64]))[0]
}

async fn plain_async(n: u8) -> u8 {
    black_box(Box::new([n; 64]))[0]
}

#[meterbox::allocations]
async fn measured_async(n: u8) -> u8 {
    black_box(Box::new([n; 64]))[0]
}

/// Polls a future that completes at once.
fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => unreachable!("the future completes on its first poll"),
    }
}

fn calls(c: &mut Criterion) {
    let mut group = c.benchmark_group("call_with_one_box");
    group.bench_function("plain", |b| b.iter(|| plain(black_box(7))));
    group.bench_function("#[allocations]", |b| b.iter(|| measured(black_box(7))));
    group.bench_function("#[timed]", |b| b.iter(|| timed(black_box(7))));
    group.bench_function("async plain", |b| {
        b.iter(|| ready(plain_async(black_box(7))));
    });
    group.bench_function("async #[allocations]", |b| {
        b.iter(|| ready(measured_async(black_box(7))));
    });
    group.finish();
}

criterion_group!(benches, calls);
criterion_main!(benches);
