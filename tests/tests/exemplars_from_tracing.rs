//! `tracing` spans as exemplars: with tracing-opentelemetry's layer beside meterbox's in a
//! `tracing_subscriber::registry()`, entering a `tracing` span makes it the current
//! OpenTelemetry context, and `#[timed]` and `#[counted]` keep that span's trace and span
//! ids as their exemplars, while meterbox's layer counts the span's events.

use meterbox::{counted, render, snapshot, timed, Format};
use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::layer::SubscriberExt as _;

#[timed(buckets = [10.0])]
#[counted]
fn place_order() {
    tracing::info!("order placed");
}

#[test]
fn a_tracing_span_is_the_exemplar() {
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("orders")))
        .with(meterbox::tracing::layer());
    let (trace, span) = tracing::subscriber::with_default(subscriber, || {
        let request = tracing::info_span!("checkout");
        let _entered = request.enter();
        place_order();
        let context = request.context();
        let ids = context.span().span_context().clone();
        (ids.trace_id().to_string(), ids.span_id().to_string())
    });
    assert_ne!(trace, "0".repeat(32), "a real trace id");

    let text = render(Format::OpenMetrics);
    let kept = format!("# {{trace_id=\"{trace}\",span_id=\"{span}\"}}");
    for start in [
        "function_duration_seconds_bucket{function=\"place_order\",module=\"exemplars_from_tracing\",le=\"10.0\"} 1 ",
        "function_calls_total{function=\"place_order\",module=\"exemplars_from_tracing\",result=\"ok\"} 1 ",
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line starting {start:?} in:\n{text}"));
        assert!(line.contains(&kept), "{line} lacks {kept}");
    }
    // The same subscriber's events are counted by meterbox's layer.
    assert_eq!(
        snapshot().counter("log_events_total", &[("level", "info")]),
        Some(1)
    );
}
