//! Tests that run in parallel and assert exact counts, each through its own `Capture`,
//! while another test hammers the same functions from several threads.
//!
//! Captures record in builds with debug assertions; `--release` runs leave them out.
#![cfg(debug_assertions)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use meterbox::{counted, metric, snapshot, timed, Capture, Gauge, Histogram, Summary};

#[counted]
#[timed]
fn checkout(items: u32) -> Result<u32, String> {
    if items == 0 {
        Err("empty cart".into())
    } else {
        Ok(items)
    }
}

#[counted]
async fn fetch(n: u32) -> u32 {
    tokio::task::yield_now().await;
    n
}

#[counted(sharded)]
fn browse() {}

/// Items per cart.
#[metric]
static CART_ITEMS: Histogram = Histogram::new(&[1.0, 5.0, 10.0]);

/// Carts open.
#[metric]
static OPEN_CARTS: Gauge = Gauge::new();

/// Cart sizes over a window.
#[metric]
static CART_SIZES: Summary = Summary::new();

const OK: [(&str, &str); 2] = [("function", "checkout"), ("result", "ok")];
const ERROR: [(&str, &str); 2] = [("function", "checkout"), ("result", "error")];

static HAMMERING: AtomicBool = AtomicBool::new(false);

/// Runs `checkout` from four threads for a while, alongside the exact tests.
#[test]
fn hammer() {
    HAMMERING.store(true, Ordering::Relaxed);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                for i in 0..50_000 {
                    let _ = checkout(i % 3);
                    CART_ITEMS.observe(2.0);
                    OPEN_CARTS.add(1.0);
                    browse();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(snapshot().counter("function_calls_total", &OK).unwrap() >= 100_000);
}

fn exact(round: u32) {
    let cap = Capture::start();
    for i in 0..=round {
        let _ = checkout(i);
    }
    CART_ITEMS.observe(7.0);
    OPEN_CARTS.set(2.0);
    OPEN_CARTS.add(1.0);
    CART_SIZES.observe(4.0);
    browse();
    let snap = cap.snapshot();
    assert_eq!(
        snap.counter("function_calls_total", &OK),
        Some(u64::from(round))
    );
    assert_eq!(snap.counter("function_calls_total", &ERROR), Some(1));
    let durations = snap
        .histogram("function_duration_seconds", &[("function", "checkout")])
        .expect("durations");
    assert_eq!(durations.count(), u64::from(round) + 1);
    let items = snap.histogram("cart_items", &[]).expect("items");
    assert_eq!((items.buckets.clone(), items.sum), (vec![0, 0, 1, 0], 7.0));
    assert_eq!(snap.gauge("open_carts", &[]), Some(3.0));
    let sizes = snap.summary("cart_sizes", &[]).expect("sizes");
    assert_eq!((sizes.count, sizes.quantile(0.5)), (1, Some(4.0)));
    let browsed = [("function", "browse"), ("result", "ok")];
    assert_eq!(snap.counter("function_calls_total", &browsed), Some(1));
}

#[test]
fn exact_a() {
    exact(3);
}

#[test]
fn exact_b() {
    std::thread::sleep(Duration::from_millis(5));
    exact(10);
}

#[test]
fn exact_c() {
    for round in 1..50 {
        exact(round);
    }
    // The process-wide view saw everything, the captures only their own.
    if HAMMERING.load(Ordering::Relaxed) {
        assert!(snapshot().counter("function_calls_total", &OK).unwrap() > 1_000);
    }
}

#[test]
fn other_threads_are_not_seen_and_captures_nest() {
    let outer = Capture::start();
    std::thread::spawn(|| {
        let _ = checkout(1);
    })
    .join()
    .unwrap();
    assert_eq!(
        outer.snapshot().counter("function_calls_total", &OK),
        Some(0)
    );
    let inner = Capture::start();
    let _ = checkout(1);
    drop(inner);
    let _ = checkout(2);
    assert_eq!(
        outer.snapshot().counter("function_calls_total", &OK),
        Some(2)
    );
    // Every series is there, at zero where this thread recorded nothing.
    let snap = outer.snapshot();
    assert_eq!(snap.counter("function_calls_total", &ERROR), Some(0));
    assert!(snap.family("meterbox_build_info").is_some());
}

#[tokio::test]
async fn tasks_of_a_current_thread_runtime_are_seen() {
    let cap = Capture::start();
    let (a, b) = tokio::join!(fetch(1), tokio::spawn(fetch(2)));
    assert_eq!(a + b.unwrap(), 3);
    assert_eq!(
        cap.snapshot().counter(
            "function_calls_total",
            &[("function", "fetch"), ("result", "ok")]
        ),
        Some(2)
    );
}
