//! The instrumented shapes measured by `benches/hot_path.rs` (nanoseconds) and by
//! `examples/hot_path_instructions.rs` (instructions), defined once for both. Each is
//! `#[inline(never)]` so that every row pays the same call and return.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use meterbox::{
    counted, timed, Counter, Family, Histogram, LabelSet, LabelValue, ShardedCounter, TypedFamily,
};

static RAW: AtomicU64 = AtomicU64::new(0);
static SHARDED: ShardedCounter = ShardedCounter::new();
static SHARED: Counter = Counter::new();
static HISTOGRAM: Histogram = Histogram::for_durations();
static REQUESTS: Family<Counter, 2> = Family::new(["method", "status"]);
static TYPED_REQUESTS: TypedFamily<Counter, Request> = TypedFamily::new();

/// An enum label value.
#[derive(LabelValue, Clone, Copy)]
#[allow(dead_code)] // the variants not measured still size the family's array
pub enum Method {
    /// `get`
    Get,
    /// `post`
    Post,
}

/// An enum label value.
#[derive(LabelValue, Clone, Copy)]
#[allow(dead_code)] // as above
pub enum Status {
    /// `ok`
    Ok,
    /// `not_found`
    NotFound,
    /// `error`
    Error,
}

/// The label set of the enum-labelled family.
#[derive(LabelSet)]
pub struct Request {
    /// The request method.
    pub method: Method,
    /// The response class.
    pub status: Status,
}

/// The baseline: a call that does nothing.
#[inline(never)]
pub fn empty() {
    black_box(());
}

/// The floor: what `#[counted]` would be if written by hand.
#[inline(never)]
pub fn raw_atomic_add() {
    RAW.fetch_add(1, Ordering::Relaxed);
}

#[inline(never)]
#[counted]
pub fn counted_fn() {
    black_box(());
}

#[inline(never)]
#[counted]
pub fn counted_result(ok: bool) -> Result<u8, u8> {
    if ok {
        Ok(0)
    } else {
        Err(1)
    }
}

#[inline(never)]
#[timed]
pub fn timed_fn() {
    black_box(());
}

#[inline(never)]
#[counted]
#[timed]
pub fn counted_and_timed() {
    black_box(());
}

/// The clock `#[timed]` uses, alone: two reads and a subtraction.
#[inline(never)]
pub fn two_clock_reads() -> Duration {
    black_box(Instant::now()).elapsed()
}

/// Recording a duration, without the clock.
#[inline(never)]
pub fn histogram_observe_ns(ns: u64) {
    HISTOGRAM.observe_ns(ns);
}

/// Recording an `f64`.
#[inline(never)]
pub fn histogram_observe(value: f64) {
    HISTOGRAM.observe(value);
}

/// A string-labelled counter looked up on every call.
#[inline(never)]
pub fn family_with(method: &str, status: &str) {
    REQUESTS.with([method, status]).inc();
}

/// An enum-labelled counter looked up on every call: an array index.
#[inline(never)]
pub fn typed_family_with(request: &Request) {
    TYPED_REQUESTS.with(request).inc();
}

/// A sharded counter: the thread's cell, then one add.
#[inline(never)]
pub fn sharded_inc() {
    SHARDED.inc();
}

/// A plain counter, for the contended comparison.
#[inline(never)]
pub fn shared_inc() {
    SHARED.inc();
}

/// A family child whose handle the caller kept.
#[inline(never)]
pub fn family_handle(handle: &Counter) {
    handle.inc();
}

/// The handle `family_handle` takes.
pub fn request_handle() -> &'static Counter {
    REQUESTS.with(["GET", "200"])
}
