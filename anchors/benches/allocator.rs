//! An allocation and a free of 64 bytes through the system allocator, alone and wrapped in
//! meterbox's counting allocator, side by side. Both are called directly (neither is this
//! program's global allocator), so each row is the allocator and nothing else. And what one
//! reading of the process collector's figures costs a scrape.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use meterbox::alloc::CountingAllocator;

fn pair(c: &mut Criterion) {
    let layout = Layout::from_size_align(64, 8).expect("a valid layout");
    let counting = CountingAllocator::system();
    let mut group = c.benchmark_group("alloc_and_free");
    group.bench_function("System", |b| {
        b.iter(|| {
            // SAFETY: the layout is non-zero and the pointer is freed with it at once.
            unsafe {
                let ptr = System.alloc(black_box(layout));
                System.dealloc(black_box(ptr), layout);
            }
        });
    });
    group.bench_function("CountingAllocator<System>", |b| {
        b.iter(|| {
            // SAFETY: as above.
            unsafe {
                let ptr = counting.alloc(black_box(layout));
                counting.dealloc(black_box(ptr), layout);
            }
        });
    });
    group.finish();
}

fn process(c: &mut Criterion) {
    c.bench_function("process_collector_reading", |b| {
        b.iter(|| black_box(meterbox::__process_reading()));
    });
}

criterion_group!(benches, pair, process);
criterion_main!(benches);
