//! meterbox: the attributes, statics and families as users write them.

use std::hint::black_box;
use std::sync::{LazyLock, Once};

use meterbox::{
    counted, instrumented, metric, render_into, timed, Counter, Family, Format, Histogram,
    LabelSet, LabelValue, ShardedCounter, TypedFamily,
};

use crate::{with_buffer, Buffer, BOUNDS, OBSERVED, SERIES};

static HISTOGRAM: Histogram = Histogram::new(&BOUNDS);
static REQUESTS: Family<Counter, 2> = Family::new(["method", "status"]);
static TYPED_REQUESTS: TypedFamily<Counter, Request> = TypedFamily::new();
static SHARDED: ShardedCounter = ShardedCounter::new();
static HANDLE: LazyLock<&'static Counter> = LazyLock::new(|| REQUESTS.with(["GET", "200"]));

/// Requests by path: the render rows' series.
#[metric]
static REQUESTS_TOTAL: Family<Counter, 1> = Family::new(["path"]).with_limit(SERIES);

/// A request method.
#[derive(LabelValue, Clone, Copy)]
#[allow(dead_code)] // the variants not measured still size the family's array
pub enum Method {
    /// `get`
    Get,
    /// `post`
    Post,
}

/// A response class.
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

/// Lets meterbox's timer clock finish measuring the counter's rate (10 ms from the first
/// timer), so that every timed row is counted on its steady path: calls timed during the
/// measure take a slower one, and how many there are under valgrind varies from run to run.
pub fn measure_the_clock() {
    static WARM_UP: Histogram = Histogram::for_durations();
    drop(WARM_UP.start_timer());
    std::thread::sleep(std::time::Duration::from_millis(15));
    drop(WARM_UP.start_timer());
}

/// `#[counted]` on a function that does nothing.
#[inline(never)]
#[counted]
pub fn count() {
    black_box(());
}

/// `#[timed]` on a function that does nothing.
#[inline(never)]
#[timed]
pub fn time() {
    black_box(());
}

/// `Histogram::observe` of an `f64`.
#[inline(never)]
pub fn observe() {
    HISTOGRAM.observe(black_box(OBSERVED));
}

/// A string-labelled counter looked up on every call.
#[inline(never)]
pub fn label_str() {
    REQUESTS.with([black_box("GET"), black_box("200")]).inc();
}

/// An enum-labelled counter looked up on every call.
#[inline(never)]
pub fn label_enum() {
    let request = Request {
        method: Method::Post,
        status: Status::NotFound,
    };
    TYPED_REQUESTS.with(black_box(&request)).inc();
}

/// A family child whose handle is kept.
#[inline(never)]
pub fn handle() {
    HANDLE.inc();
}

/// The baseline: a call that does nothing.
#[inline(never)]
pub fn empty() {
    black_box(());
}

#[inline(never)]
#[counted]
fn counted_result(ok: bool) -> Result<u8, u8> {
    if ok {
        Ok(0)
    } else {
        Err(1)
    }
}

/// `#[counted]` on a function returning a `Result`: the variant picks the series.
#[inline(never)]
pub fn count_result() {
    let _ = black_box(counted_result(black_box(true)));
}

/// `#[counted]` and `#[timed]` together.
#[inline(never)]
#[counted]
#[timed]
pub fn count_and_time() {
    black_box(());
}

/// `#[instrumented]`: counted, timed and held in flight, under one guard.
#[inline(never)]
#[instrumented]
pub fn instrumented() {
    black_box(());
}

/// `Histogram::observe_ns`, the integer path `#[timed]` records through.
#[inline(never)]
pub fn observe_ns() {
    HISTOGRAM.observe_ns(black_box(700_000));
}

/// A sharded counter: the thread's cell, then one add.
#[inline(never)]
pub fn sharded() {
    SHARDED.inc();
}

static BUFFER: Buffer = Buffer::new(String::new());

/// Creates the render rows' series, once.
pub fn fill() {
    static FILLED: Once = Once::new();
    FILLED.call_once(|| {
        for i in 0..SERIES {
            let (path, value) = crate::series(i);
            REQUESTS_TOTAL.with([&path]).inc_by(value);
        }
    });
}

/// The whole registry in the Prometheus text format, into a reused buffer.
#[inline(never)]
pub fn render() -> usize {
    with_buffer(&BUFFER, |out| {
        render_into(out, Format::Prometheus);
        out.len()
    })
}

/// The whole registry in the OpenMetrics text format, into a reused buffer.
#[inline(never)]
pub fn render_openmetrics() -> usize {
    with_buffer(&BUFFER, |out| {
        render_into(out, Format::OpenMetrics);
        out.len()
    })
}

/// The last render.
pub fn text() -> String {
    with_buffer(&BUFFER, |out| out.clone())
}
