//! With the `opentelemetry` feature, `#[timed]` and `#[counted]` keep the current
//! OpenTelemetry span as the exemplar of what they record, and only a valid, sampled one:
//! the `OpenMetrics` lines show it on the duration's bucket and the outcome's counter. Once
//! a bucket has one, later spans on the same thread wait for the next scrape.

use meterbox::{counted, render, timed, Format};
use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState,
};
use opentelemetry::Context;

#[timed(buckets = [10.0])]
#[counted]
fn traced_work(fail: bool) -> Result<(), String> {
    if fail {
        Err("no".into())
    } else {
        Ok(())
    }
}

#[timed(buckets = [10.0])]
fn untraced_work() {}

fn span(trace: &str, span: &str, flags: TraceFlags) -> Context {
    Context::current().with_remote_span_context(SpanContext::new(
        TraceId::from_hex(trace).unwrap(),
        SpanId::from_hex(span).unwrap(),
        flags,
        true,
        TraceState::default(),
    ))
}

fn line<'a>(text: &'a str, start: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start:?} in:\n{text}"))
}

#[test]
fn the_current_span_is_the_exemplar() {
    const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
    const SPAN: &str = "b7ad6b7169203331";
    const NEXT: &str = "1234567890abcdef1234567890abcdef";
    {
        let _in_span = span(TRACE, SPAN, TraceFlags::SAMPLED).attach();
        traced_work(false).unwrap();
        let _ = traced_work(true);
    }
    // Not sampled, or no span at all: nothing kept.
    {
        let _unsampled = span(
            "11111111111111111111111111111111",
            "2222222222222222",
            TraceFlags::default(),
        )
        .attach();
        untraced_work();
    }
    untraced_work();

    let text = render(Format::OpenMetrics);
    let exemplar = format!("# {{trace_id=\"{TRACE}\",span_id=\"{SPAN}\"}}");
    let bucket = line(
        &text,
        "function_duration_seconds_bucket{function=\"traced_work\",module=\"exemplars_from_context\",le=\"10.0\"} 2",
    );
    assert!(bucket.contains(&exemplar), "{bucket}");
    for result in ["ok", "error"] {
        let calls = line(
            &text,
            &format!(
                "function_calls_total{{function=\"traced_work\",module=\"exemplars_from_context\",result=\"{result}\"}} 1"
            ),
        );
        assert!(
            calls.ends_with(&format!(
                "{exemplar} 1.0 {}",
                calls.rsplit(' ').next().unwrap()
            )),
            "{calls}"
        );
    }
    let untraced = line(
        &text,
        "function_duration_seconds_bucket{function=\"untraced_work\",module=\"exemplars_from_context\",le=\"10.0\"} 2",
    );
    assert!(!untraced.contains('#'), "{untraced}");

    // After that scrape, the next span is kept; one more before the next scrape is not.
    {
        let _next = span(NEXT, "1111111111111111", TraceFlags::SAMPLED).attach();
        traced_work(false).unwrap();
    }
    {
        let _skipped = span(
            "fedcba0987654321fedcba0987654321",
            "3333333333333333",
            TraceFlags::SAMPLED,
        )
        .attach();
        traced_work(false).unwrap();
    }
    let text = render(Format::OpenMetrics);
    let bucket = line(
        &text,
        "function_duration_seconds_bucket{function=\"traced_work\",module=\"exemplars_from_context\",le=\"10.0\"} 4",
    );
    assert!(bucket.contains(NEXT), "{bucket}");
}
