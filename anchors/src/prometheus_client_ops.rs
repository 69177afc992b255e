//! The `prometheus-client` crate: metrics are cheap clones of shared cells, kept in statics;
//! label sets are types deriving `EncodeLabelSet`.

use std::hint::black_box;
use std::sync::LazyLock;
use std::time::Instant;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::{with_buffer, Buffer, BOUNDS, OBSERVED, SERIES};

/// String labels, borrowed for the program's life: the cheapest form `Family` takes, as it
/// clones the label set only when it creates a child.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TextLabels {
    method: &'static str,
    status: &'static str,
}

/// A request method.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(dead_code)] // the variants not measured are still encodable values
pub enum Method {
    /// `Get`
    Get,
    /// `Post`
    Post,
}

/// A response class.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(dead_code)] // as above
pub enum Status {
    /// `Ok`
    Ok,
    /// `NotFound`
    NotFound,
    /// `Error`
    Error,
}

/// Enum labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EnumLabels {
    method: Method,
    status: Status,
}

/// Path labels for the render rows.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PathLabels {
    path: String,
}

static CALLS: LazyLock<Counter> = LazyLock::new(Counter::default);
static HISTOGRAM: LazyLock<Histogram> = LazyLock::new(|| Histogram::new(BOUNDS));
static BY_TEXT: LazyLock<Family<TextLabels, Counter>> = LazyLock::new(Family::default);
static BY_ENUM: LazyLock<Family<EnumLabels, Counter>> = LazyLock::new(Family::default);
static HANDLE: LazyLock<Counter> = LazyLock::new(|| {
    BY_TEXT.get_or_create_owned(&TextLabels {
        method: "GET",
        status: "200",
    })
});

/// `Counter::inc` on a counter kept in a static.
#[inline(never)]
pub fn count() {
    CALLS.inc();
}

/// `Instant` around the call, then `Histogram::observe` of the seconds: the crate has no
/// timer of its own.
#[inline(never)]
pub fn time() {
    let start = Instant::now();
    black_box(());
    HISTOGRAM.observe(start.elapsed().as_secs_f64());
}

/// `Histogram::observe`.
#[inline(never)]
pub fn observe() {
    HISTOGRAM.observe(black_box(OBSERVED));
}

/// `Family::get_or_create` with string labels on every call.
#[inline(never)]
pub fn label_str() {
    let labels = TextLabels {
        method: black_box("GET"),
        status: black_box("200"),
    };
    BY_TEXT.get_or_create(&labels).inc();
}

/// `Family::get_or_create` with enum labels on every call.
#[inline(never)]
pub fn label_enum() {
    let labels = EnumLabels {
        method: black_box(Method::Post),
        status: black_box(Status::NotFound),
    };
    BY_ENUM.get_or_create(&labels).inc();
}

/// A child counter cloned out of its family and kept.
#[inline(never)]
pub fn handle() {
    HANDLE.inc();
}

struct Rendered {
    registry: Registry,
    buffer: Buffer,
}

static RENDERED: LazyLock<Rendered> = LazyLock::new(|| {
    let mut registry = Registry::default();
    let requests = Family::<PathLabels, Counter>::default();
    registry.register("requests", "Requests by path", requests.clone());
    for i in 0..SERIES {
        let (path, value) = crate::series(i);
        requests.get_or_create(&PathLabels { path }).inc_by(value);
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

/// `encoding::text::encode` into a reused buffer.
#[inline(never)]
pub fn render() -> usize {
    with_buffer(&RENDERED.buffer, |out| {
        out.clear();
        prometheus_client::encoding::text::encode(out, &RENDERED.registry)
            .expect("encodes into a String");
        out.len()
    })
}

/// The last render.
pub fn text() -> String {
    with_buffer(&RENDERED.buffer, |out| out.clone())
}
