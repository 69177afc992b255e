//! The `prometheus` crate: metrics created once and kept in statics, as its documentation
//! recommends for hot paths.

use std::hint::black_box;
use std::sync::LazyLock;

use prometheus::{
    Histogram, HistogramOpts, IntCounter, IntCounterVec, Opts, Registry, TextEncoder,
};

use crate::{with_buffer, Buffer, BOUNDS, OBSERVED, SERIES};

static CALLS: LazyLock<IntCounter> =
    LazyLock::new(|| IntCounter::new("calls_total", "Calls.").expect("valid name"));
static HISTOGRAM: LazyLock<Histogram> = LazyLock::new(|| {
    Histogram::with_opts(
        HistogramOpts::new("duration_seconds", "Durations.").buckets(BOUNDS.to_vec()),
    )
    .expect("valid histogram")
});
static REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    IntCounterVec::new(
        Opts::new("requests_total", "Requests."),
        &["method", "status"],
    )
    .expect("valid name")
});
static HANDLE: LazyLock<IntCounter> = LazyLock::new(|| REQUESTS.with_label_values(&["GET", "200"]));

/// A request method, as `prometheus` takes it: text.
#[derive(Clone, Copy)]
#[allow(dead_code)] // the variants not measured are still there to be matched
pub enum Method {
    /// `get`
    Get,
    /// `post`
    Post,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
        }
    }
}

/// A response class.
#[derive(Clone, Copy)]
#[allow(dead_code)] // as above
pub enum Status {
    /// `ok`
    Ok,
    /// `not_found`
    NotFound,
    /// `error`
    Error,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NotFound => "not_found",
            Status::Error => "error",
        }
    }
}

/// `IntCounter::inc` on a counter kept in a static.
#[inline(never)]
pub fn count() {
    CALLS.inc();
}

/// `Histogram::start_timer`, dropped at the end of the call.
#[inline(never)]
pub fn time() {
    let _timer = HISTOGRAM.start_timer();
    black_box(());
}

/// `Histogram::observe`.
#[inline(never)]
pub fn observe() {
    HISTOGRAM.observe(black_box(OBSERVED));
}

/// `IntCounterVec::with_label_values` on every call.
#[inline(never)]
pub fn label_str() {
    REQUESTS
        .with_label_values(&[black_box("GET"), black_box("200")])
        .inc();
}

/// `prometheus` has no typed labels: enums are turned into text and looked up.
#[inline(never)]
pub fn label_enum() {
    let (method, status) = black_box((Method::Post, Status::NotFound));
    REQUESTS
        .with_label_values(&[method.as_str(), status.as_str()])
        .inc();
}

/// A child of an `IntCounterVec` kept by the caller.
#[inline(never)]
pub fn handle() {
    HANDLE.inc();
}

struct Rendered {
    registry: Registry,
    buffer: Buffer,
}

static RENDERED: LazyLock<Rendered> = LazyLock::new(|| {
    let registry = Registry::new();
    let requests = IntCounterVec::new(Opts::new("requests_total", "Requests by path."), &["path"])
        .expect("valid name");
    registry
        .register(Box::new(requests.clone()))
        .expect("registered once");
    for i in 0..SERIES {
        let (path, value) = crate::series(i);
        requests.with_label_values(&[&path]).inc_by(value);
    }
    Rendered {
        registry,
        buffer: Buffer::new(String::new()),
    }
});

/// Creates the render rows' series.
pub fn fill() {
    LazyLock::force(&RENDERED);
}

/// `Registry::gather` and `TextEncoder::encode_utf8` into a reused buffer.
#[inline(never)]
pub fn render() -> usize {
    with_buffer(&RENDERED.buffer, |out| {
        out.clear();
        let families = RENDERED.registry.gather();
        TextEncoder::new()
            .encode_utf8(&families, out)
            .expect("encodes into a String");
        out.len()
    })
}

/// The last render.
pub fn text() -> String {
    with_buffer(&RENDERED.buffer, |out| out.clone())
}
