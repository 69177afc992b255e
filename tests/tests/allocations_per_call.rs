//! `#[allocations]` with the counting allocator installed: exact bytes per call for sync
//! functions (returns and panics), async functions measured per poll (what runs between
//! two polls on the same thread is not the call's), returned futures, cancelled calls,
//! computed labels and chosen buckets; the family in every format, accepted by the
//! checkers.
//!
//! Each call is measured on its own thread, so tests running side by side do not disturb
//! one another's figures.

// Byte counts far below 2^53 are exact in an f64.
#![allow(clippy::float_cmp)]

use std::future::Future;
use std::hint::black_box;
use std::pin::{pin, Pin};
use std::task::Poll;

use meterbox::alloc::CountingAllocator;
use meterbox::{allocations, render, snapshot, Format, HistogramValue, DEFAULT_BYTE_BUCKETS};
use meterbox_tests::{block_on, openmetrics_parse, poll_once, promtool_check, Yield};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

const FAMILY: &str = "function_allocated_bytes";

/// `n` boxes of `K` bytes, each freed at once: exactly `n * K` bytes allocated.
fn boxes<const K: usize>(n: usize) {
    for _ in 0..n {
        black_box(Box::new([0u8; K]));
    }
}

fn histogram(function: &str) -> HistogramValue {
    snapshot()
        .histogram(FAMILY, &[("function", function)])
        .unwrap_or_else(|| panic!("no {FAMILY} series for {function}"))
        .clone()
}

#[allocations]
fn seven_boxes() {
    boxes::<100>(7);
}

#[allocations]
fn nothing(x: u64) -> u64 {
    x + 1
}

#[allocations]
fn boxes_then_panic() {
    boxes::<64>(3);
    panic!("after three boxes");
}

#[test]
fn a_sync_call_records_what_it_allocated() {
    seven_boxes();
    seven_boxes();
    let h = histogram("seven_boxes");
    assert_eq!(h.count(), 2);
    assert_eq!(h.sum, 1400.0);
    assert_eq!(h.bounds, DEFAULT_BYTE_BUCKETS.to_vec());
    // 700 bytes: above 256, at most 1024.
    let at = DEFAULT_BYTE_BUCKETS
        .iter()
        .position(|b| *b == 1024.0)
        .unwrap();
    assert_eq!(h.buckets[at], 2, "{h:?}");

    assert_eq!(nothing(1), 2);
    let h = histogram("nothing");
    assert_eq!((h.count(), h.sum, h.buckets[0]), (1, 0.0, 1), "le=0: {h:?}");
}

#[test]
fn a_panicking_call_records_what_it_allocated_before() {
    let caught = std::panic::catch_unwind(boxes_then_panic);
    assert!(caught.is_err());
    let h = histogram("boxes_then_panic");
    assert_eq!(h.count(), 1);
    // The panic's own payload is allocated on the way out; the three boxes come first.
    assert!(h.sum >= 192.0, "{h:?}");
}

#[allocations]
async fn polled(first: usize, then: usize) -> Result<usize, String> {
    boxes::<100>(first);
    Yield(1).await;
    boxes::<100>(then);
    let parsed: usize = "5".parse().map_err(|_| String::from("not a number"))?;
    Ok(first + then + parsed)
}

#[test]
fn an_async_call_counts_its_own_polls_only() {
    let mut future = pin!(polled(3, 2));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(future.as_mut().poll(&mut cx).is_pending());
    // Another task on the same thread, between the two polls.
    boxes::<1000>(10);
    assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(Ok(10)));
    let h = histogram("polled");
    assert_eq!((h.count(), h.sum), (1, 500.0), "{h:?}");
}

#[test]
fn an_async_call_dropped_early_records_what_it_allocated_so_far() {
    #[allocations]
    async fn abandoned() {
        boxes::<50>(4);
        Yield(1).await;
        boxes::<50>(100);
    }
    let mut future = Box::pin(abandoned());
    assert!(poll_once(&mut future).is_pending());
    drop(future);
    let h = histogram("abandoned");
    assert_eq!((h.count(), h.sum), (1, 200.0), "{h:?}");
}

#[allocations]
fn returned_future(n: usize) -> impl Future<Output = usize> {
    // Made when the function is called; the future's polls are what is measured.
    let label = String::from("made before");
    async move {
        boxes::<10>(n);
        Yield(1).await;
        label.len() + n
    }
}

#[allocations]
#[allow(clippy::type_complexity)]
fn boxed_future(n: usize) -> Pin<Box<dyn Future<Output = usize> + Send>> {
    Box::pin(async move {
        boxes::<20>(n);
        n
    })
}

#[test]
fn returned_futures_are_measured_across_their_polls() {
    assert_eq!(block_on(returned_future(4)), 15);
    let h = histogram("returned_future");
    assert_eq!((h.count(), h.sum), (1, 40.0), "{h:?}");
    assert_eq!(block_on(boxed_future(5)), 5);
    let h = histogram("boxed_future");
    assert_eq!((h.count(), h.sum), (1, 100.0), "{h:?}");
}

#[allocations(
    name = "upload_allocated_bytes",
    labels(size = if big { "big" } else { "small" }),
    buckets = [1000.0, 10000.0]
)]
fn upload(big: bool) {
    if big {
        boxes::<4000>(1);
    } else {
        boxes::<16>(1);
    }
}

#[test]
fn labels_and_buckets_are_the_attribute_s() {
    upload(true);
    upload(false);
    upload(false);
    let read = snapshot();
    let big = read
        .histogram("upload_allocated_bytes", &[("size", "big")])
        .unwrap();
    assert_eq!((big.buckets.clone(), big.sum), (vec![0, 1, 0], 4000.0));
    let small = read
        .histogram("upload_allocated_bytes", &[("size", "small")])
        .unwrap();
    assert_eq!((small.buckets.clone(), small.sum), (vec![2, 0, 0], 32.0));
}

#[test]
fn every_format_shows_the_family_and_the_checkers_accept_it() {
    seven_boxes();
    let text = render(Format::Prometheus);
    assert!(
        text.contains(&format!("# TYPE {FAMILY} histogram\n")),
        "{text}"
    );
    assert!(
        text.contains(
            r#"function_allocated_bytes_bucket{function="seven_boxes",module="allocations_per_call",le="0.0"} 0"#
        ),
        "{text}"
    );
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "{text}");
    }
    let openmetrics = render(Format::OpenMetrics);
    assert!(openmetrics.contains(&format!("# UNIT {FAMILY} bytes\n")));
    if let Some(parsed) = openmetrics_parse(&openmetrics) {
        parsed.unwrap_or_else(|e| panic!("{e}\n{openmetrics}"));
    }
    let json = render(Format::Json);
    assert!(json.contains(FAMILY), "{json}");
    let table = render(Format::Table);
    assert!(table.contains("seven_boxes"), "{table}");
}
