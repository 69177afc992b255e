//! The `metrics` facade with `metrics-exporter-prometheus` as its recorder: the macros look
//! the metric up by name (and labels) at every call unless the handle is kept.

use std::hint::black_box;
use std::sync::{LazyLock, OnceLock};
use std::time::Instant;

use metrics::{counter, histogram, Counter};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

use crate::{with_buffer, Buffer, BOUNDS, OBSERVED, SERIES};

static GLOBAL: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
static HANDLE: LazyLock<Counter> =
    LazyLock::new(|| counter!("requests_total", "method" => "GET", "status" => "200"));

/// Installs the exporter's recorder as the global one, with histogram buckets (it renders
/// summaries otherwise). Idempotent; `None` if another recorder was there first.
pub fn install() -> Option<&'static PrometheusHandle> {
    GLOBAL
        .get_or_init(|| builder().install_recorder().ok())
        .as_ref()
}

fn builder() -> PrometheusBuilder {
    PrometheusBuilder::new()
        .set_buckets(&BOUNDS)
        .expect("the bounds are not empty")
}

/// `counter!(name).increment(1)`.
#[inline(never)]
pub fn count() {
    counter!("calls_total").increment(1);
}

/// `Instant` around the call, then `histogram!(name).record(elapsed)`.
#[inline(never)]
pub fn time() {
    let start = Instant::now();
    black_box(());
    histogram!("duration_seconds").record(start.elapsed());
}

/// `histogram!(name).record(value)`.
#[inline(never)]
pub fn observe() {
    histogram!("values").record(black_box(OBSERVED));
}

/// `counter!(name, labels).increment(1)` with string label values.
#[inline(never)]
pub fn label_str() {
    counter!("requests_total", "method" => black_box("GET"), "status" => black_box("200"))
        .increment(1);
}

/// Enums turned into static text for `counter!`, the facade having no typed labels.
#[inline(never)]
pub fn label_enum() {
    let (method, status) = black_box(("post", "not_found"));
    counter!("requests_total", "method" => method, "status" => status).increment(1);
}

/// A `Counter` handle kept by the caller.
#[inline(never)]
pub fn handle() {
    HANDLE.increment(1);
}

struct Rendered {
    recorder: PrometheusRecorder,
    buffer: Buffer,
}

static RENDERED: LazyLock<Rendered> = LazyLock::new(|| {
    // A recorder of its own, so that the operations' metrics are not in the render.
    let recorder = builder().build_recorder();
    metrics::with_local_recorder(&recorder, || {
        metrics::describe_counter!("requests_total", "Requests by path.");
        for i in 0..SERIES {
            let (path, value) = crate::series(i);
            counter!("requests_total", "path" => path).increment(value);
        }
    });
    Rendered {
        recorder,
        buffer: Buffer::new(String::new()),
    }
});

/// Creates the render rows' series.
pub fn fill() {
    LazyLock::force(&RENDERED);
}

/// `PrometheusHandle::render`: the exporter renders into a `String` of its own.
#[inline(never)]
pub fn render() -> usize {
    let text = RENDERED.recorder.handle().render();
    let len = text.len();
    with_buffer(&RENDERED.buffer, |out| *out = text);
    len
}

/// The last render.
pub fn text() -> String {
    with_buffer(&RENDERED.buffer, |out| out.clone())
}
