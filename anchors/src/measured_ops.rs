//! The `measured` crate: metrics in statics, label groups as types; fixed-cardinality labels
//! index a dense vector, others are interned (`paracord`).

use std::hint::black_box;
use std::sync::{LazyLock, Mutex};
use std::time::Instant;

use measured::label::StaticLabelSet;
use measured::metric::histogram::Thresholds;
use measured::text::BufferedTextEncoder;
use measured::{Counter, CounterVec, FixedCardinalityLabel, Histogram, LabelGroup, MetricGroup};
use paracord::ParaCord;

use crate::{with_buffer, Buffer, BOUNDS, OBSERVED, SERIES};

/// String labels, interned on first sight.
#[derive(Clone, Copy, LabelGroup)]
#[label(set = TextSet)]
pub struct TextLabels<'a> {
    #[label(dynamic_with = ParaCord)]
    method: &'a str,
    #[label(dynamic_with = ParaCord)]
    status: &'a str,
}

/// A request method.
#[derive(Clone, Copy, FixedCardinalityLabel)]
#[allow(dead_code)] // the variants not measured still size the vector
pub enum Method {
    /// `get`
    Get,
    /// `post`
    Post,
}

/// A response class.
#[derive(Clone, Copy, FixedCardinalityLabel)]
#[allow(dead_code)] // as above
pub enum Status {
    /// `ok`
    Ok,
    /// `not_found`
    NotFound,
    /// `error`
    Error,
}

/// Enum labels.
#[derive(Clone, Copy, LabelGroup)]
#[label(set = EnumSet)]
pub struct EnumLabels {
    method: Method,
    status: Status,
}

/// Path labels for the render rows.
#[derive(Clone, Copy, LabelGroup)]
#[label(set = PathSet)]
struct PathLabels<'a> {
    #[label(dynamic_with = ParaCord)]
    path: &'a str,
}

/// The render rows' metric group.
#[derive(MetricGroup)]
struct RenderGroup {
    /// Requests by path.
    requests_total: CounterVec<PathSet>,
}

static CALLS: LazyLock<Counter> = LazyLock::new(Counter::new);
static HISTOGRAM: LazyLock<Histogram<12>> =
    LazyLock::new(|| Histogram::with_metadata(Thresholds::with_buckets(BOUNDS)));
static BY_TEXT: LazyLock<CounterVec<TextSet>> = LazyLock::new(|| {
    CounterVec::with_label_set(TextSet {
        method: ParaCord::default(),
        status: ParaCord::default(),
    })
});
static BY_ENUM: LazyLock<CounterVec<EnumSet>> = LazyLock::new(|| {
    CounterVec::with_label_set(EnumSet {
        method: StaticLabelSet::new(),
        status: StaticLabelSet::new(),
    })
});

/// `Counter::inc` on a counter kept in a static.
#[inline(never)]
pub fn count() {
    CALLS.inc();
}

/// `Histogram::start_timer`, dropped at the end of the call.
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

/// `CounterVec::inc` with interned string labels.
#[inline(never)]
pub fn label_str() {
    BY_TEXT.inc(TextLabels {
        method: black_box("GET"),
        status: black_box("200"),
    });
}

/// `CounterVec::inc` with fixed-cardinality enum labels.
#[inline(never)]
pub fn label_enum() {
    BY_ENUM.inc(EnumLabels {
        method: black_box(Method::Post),
        status: black_box(Status::NotFound),
    });
}

struct Rendered {
    group: RenderGroup,
    encoder: Mutex<BufferedTextEncoder>,
    buffer: Buffer,
}

static RENDERED: LazyLock<Rendered> = LazyLock::new(|| {
    let group = RenderGroup {
        requests_total: CounterVec::with_label_set(PathSet {
            path: ParaCord::default(),
        }),
    };
    for i in 0..SERIES {
        let (path, value) = crate::series(i);
        group
            .requests_total
            .inc_by(PathLabels { path: &path }, value);
    }
    Rendered {
        group,
        encoder: Mutex::new(BufferedTextEncoder::new()),
        buffer: Buffer::new(String::new()),
    }
});

/// Creates the render rows' series.
pub fn fill() {
    LazyLock::force(&RENDERED);
}

/// `collect_group_into` a reused `BufferedTextEncoder`, then `finish`.
#[inline(never)]
pub fn render() -> usize {
    let mut encoder = RENDERED
        .encoder
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Ok(()) = RENDERED.group.collect_group_into(&mut *encoder);
    let bytes = encoder.finish();
    let len = bytes.len();
    with_buffer(&RENDERED.buffer, |out| {
        // Kept for `text` only when asked: copying here would charge measured for it.
        if out.is_empty() {
            *out = String::from_utf8_lossy(&bytes).into_owned();
        }
    });
    len
}

/// The first render.
pub fn text() -> String {
    with_buffer(&RENDERED.buffer, |out| out.clone())
}
