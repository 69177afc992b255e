//! Memory: what a static metric occupies, and what each library keeps per labelled series
//! (the bytes still allocated after creating the render rows' 10,000 series, divided by
//! 10,000; the label text is part of it). `cargo run --release -p meterbox-anchors --example
//! footprint`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use meterbox::{Counter, Descriptor, Family, Gauge, Histogram, ShardedCounter, Summary};
use meterbox_anchors::{RENDERS, SERIES};

/// The system allocator, keeping count of the bytes in use.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The heap bytes a histogram takes when first used: its buckets, sized to its bounds, and
/// what holds them (bounds are shared, so a second histogram with the same ones is measured).
fn allocated_by_first_use(make: impl Fn() -> Histogram) -> usize {
    let first = make();
    first.observe(1.0);
    let second = make();
    let before = LIVE.load(Ordering::Relaxed);
    second.observe(1.0);
    let after = LIVE.load(Ordering::Relaxed);
    drop((first, second));
    usize::try_from(after - before).unwrap_or(0)
}

fn main() {
    println!("| static | bytes |");
    println!("|---|---:|");
    for (what, size) in [
        ("`Counter`", size_of::<Counter>()),
        ("`Gauge`", size_of::<Gauge>()),
        (
            "`Histogram` (the static; its buckets come at first use)",
            size_of::<Histogram>(),
        ),
        (
            "`Histogram` with the 22 default duration bounds, in use, static included",
            size_of::<Histogram>() + allocated_by_first_use(Histogram::for_durations),
        ),
        (
            "`Histogram` with 12 exponential bounds, in use, static included",
            size_of::<Histogram>()
                + allocated_by_first_use(|| Histogram::exponential(64.0, 2.0, 12)),
        ),
        ("`ShardedCounter`", size_of::<ShardedCounter>()),
        ("`Summary`", size_of::<Summary>()),
        (
            "`Family<Counter, 2>` before its first child",
            size_of::<Family<Counter, 2>>(),
        ),
        (
            "the `Descriptor` `#[metric]` adds to the registry",
            size_of::<Descriptor>(),
        ),
    ] {
        println!("| {what} | {size} |");
    }
    println!();
    println!("| library | bytes kept per labelled counter series |");
    println!("|---|---:|");
    for render in RENDERS.iter().filter(|r| !r.library.contains('(')) {
        let before = LIVE.load(Ordering::Relaxed);
        (render.fill)();
        let kept = LIVE.load(Ordering::Relaxed) - before;
        println!(
            "| {} | {} |",
            render.library,
            kept / isize::try_from(SERIES).unwrap_or(isize::MAX)
        );
    }
}
