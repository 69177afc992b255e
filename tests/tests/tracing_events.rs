//! The tracing layer in a `tracing_subscriber::registry()`: exact counts per level, the
//! five levels at zero before any event, counts by target, and the family (both label sets)
//! accepted by promtool and the `OpenMetrics` parser.

use meterbox::{render, snapshot, Format};
use meterbox_tests::{openmetrics_parse, promtool_check};
use tracing_subscriber::layer::SubscriberExt as _;

mod billing {
    pub fn charge() {
        tracing::info!("charged");
        tracing::error!("card declined");
    }
}

fn count(labels: &[(&str, &str)]) -> Option<u64> {
    snapshot().counter("log_events_total", labels)
}

#[test]
fn events_are_counted_by_level_and_by_target() {
    let by_level = tracing_subscriber::registry().with(meterbox::tracing::layer());
    for level in ["error", "warn", "info", "debug", "trace"] {
        assert_eq!(count(&[("level", level)]), Some(0), "{level}");
    }
    tracing::subscriber::with_default(by_level, || {
        for _ in 0..3 {
            tracing::warn!("slow disk");
        }
        tracing::error!(code = 7, "failed");
        tracing::debug!("detail");
        tracing::event!(target: "audit", tracing::Level::INFO, "login");
    });
    assert_eq!(count(&[("level", "warn")]), Some(3));
    assert_eq!(count(&[("level", "error")]), Some(1));
    assert_eq!(count(&[("level", "debug")]), Some(1));
    assert_eq!(count(&[("level", "info")]), Some(1));
    assert_eq!(count(&[("level", "trace")]), Some(0));

    let by_target = tracing_subscriber::registry().with(meterbox::tracing::layer().by_target());
    tracing::subscriber::with_default(by_target, || {
        billing::charge();
        billing::charge();
        tracing::event!(target: "audit", tracing::Level::INFO, "login");
    });
    assert_eq!(
        count(&[("level", "error"), ("target", "tracing_events::billing")]),
        Some(2)
    );
    assert_eq!(count(&[("level", "info"), ("target", "audit")]), Some(1));
    // Counted by target, not again by level alone.
    assert_eq!(count(&[("level", "warn")]), Some(3));

    let text = render(Format::Prometheus);
    assert_eq!(text.matches("# TYPE log_events_total counter\n").count(), 1);
    assert!(
        text.contains("log_events_total{level=\"warn\"} 3\n"),
        "{text}"
    );
    assert!(
        text.contains("log_events_total{level=\"error\",target=\"tracing_events::billing\"} 2\n"),
        "{text}"
    );
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "{text}");
    }
    let openmetrics = render(Format::OpenMetrics);
    if let Some(parsed) = openmetrics_parse(&openmetrics) {
        parsed.unwrap_or_else(|e| panic!("{e}\n{openmetrics}"));
    }
}
