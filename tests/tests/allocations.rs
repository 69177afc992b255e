//! The counting allocator installed as the global allocator of this test program: exact
//! counts on one thread, on threads that each own a slot, and on more threads than there
//! are slots; the four families in every format, accepted by the checkers.
//!
//! One test function: other tests running at the same time would allocate between the two
//! readings that each check takes.

use std::sync::{Arc, Barrier};

use meterbox::alloc::{totals, CountingAllocator, HeapTotals};
use meterbox::{render, snapshot, Format};
use meterbox_tests::{openmetrics_parse, promtool_check};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

const BOXES: usize = 100;
const BYTES: usize = 48;

fn difference(before: HeapTotals, after: HeapTotals) -> (u64, u64, u64) {
    (
        after.allocations - before.allocations,
        after.allocated_bytes - before.allocated_bytes,
        after.freed_bytes - before.freed_bytes,
    )
}

/// `threads` threads, started and waiting, then each allocating `BOXES` boxes of `BYTES`
/// bytes between two readings; the boxes are freed between a third and a fourth. Every step
/// is fenced by a barrier, so nothing else runs between two readings.
fn on_threads(threads: usize) {
    let barrier = || Arc::new(Barrier::new(threads + 1));
    let (ready, go, allocated, free, freed, read) = (
        barrier(),
        barrier(),
        barrier(),
        barrier(),
        barrier(),
        barrier(),
    );
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (ready, go, allocated, free, freed, read) = (
                ready.clone(),
                go.clone(),
                allocated.clone(),
                free.clone(),
                freed.clone(),
                read.clone(),
            );
            std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || {
                    let mut boxes = Vec::with_capacity(BOXES);
                    ready.wait();
                    go.wait();
                    for _ in 0..BOXES {
                        boxes.push(Box::new([7u8; BYTES]));
                    }
                    allocated.wait();
                    free.wait();
                    // Capacity kept, so only the boxes are freed.
                    boxes.clear();
                    freed.wait();
                    // A thread's end frees what it held: after the last reading.
                    read.wait();
                    drop(boxes);
                })
                .unwrap()
        })
        .collect();
    ready.wait();
    let before = totals();
    go.wait();
    allocated.wait();
    let after = totals();
    let n = (threads * BOXES) as u64;
    let bytes = BYTES as u64;
    assert_eq!(
        difference(before, after),
        (n, n * bytes, 0),
        "{threads} threads"
    );
    free.wait();
    freed.wait();
    let end = totals();
    read.wait();
    assert_eq!(
        difference(after, end),
        (0, 0, n * bytes),
        "{threads} threads"
    );
    for handle in handles {
        handle.join().unwrap();
    }
}

#[test]
fn the_counting_allocator_counts_exactly() {
    // One thread.
    let mut boxes = Vec::with_capacity(BOXES);
    let before = totals();
    for _ in 0..BOXES {
        boxes.push(Box::new([7u8; BYTES]));
    }
    let after = totals();
    let n = BOXES as u64;
    let bytes = BYTES as u64;
    assert_eq!(difference(before, after), (n, n * bytes, 0));
    assert_eq!(after.live_bytes() - before.live_bytes(), n * bytes);
    boxes.clear();
    let cleared = totals();
    assert_eq!(difference(after, cleared), (0, 0, n * bytes));
    // A realloc is one allocation of the new size and a free of the old.
    let mut grown: Vec<u8> = Vec::with_capacity(100);
    let before = totals();
    grown.reserve_exact(300);
    assert_eq!(difference(before, totals()), (1, 300, 100));
    drop(grown);

    // Threads that each own a slot, then more threads than there are slots.
    on_threads(8);
    on_threads(300);

    // The families, in every format, with the totals' values.
    let text = render(Format::Prometheus);
    for family in [
        "process_heap_allocations_total",
        "process_heap_allocated_bytes_total",
        "process_heap_freed_bytes_total",
        "process_heap_live_bytes",
    ] {
        assert!(text.contains(&format!("# TYPE {family} ")), "{family}");
    }
    let read = snapshot();
    let now = totals();
    let allocations = read.counter("process_heap_allocations_total", &[]).unwrap();
    assert!(allocations > 0 && allocations <= now.allocations);
    let freed = read.counter("process_heap_freed_bytes_total", &[]).unwrap();
    assert!(freed > 0 && freed <= now.freed_bytes);
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "{text}");
    }
    let openmetrics = render(Format::OpenMetrics);
    assert!(openmetrics.contains("# UNIT process_heap_live_bytes bytes\n"));
    if let Some(parsed) = openmetrics_parse(&openmetrics) {
        parsed.unwrap_or_else(|e| panic!("{e}\n{openmetrics}"));
    }
}
