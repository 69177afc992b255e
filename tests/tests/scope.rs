//! A `Scope` reports what changed while it was open, with its labels, and nothing else.

use meterbox::{metric, Counter, Gauge, Histogram, MemorySurfacer, Scope};

/// Rows read, for the scope test.
#[metric]
static SCOPED_ROWS_TOTAL: Counter = Counter::new();

/// Rows never touched inside a scope.
#[metric]
static SCOPED_IDLE_TOTAL: Counter = Counter::new();

/// Open cursors, for the scope test.
#[metric]
static SCOPED_CURSORS: Gauge = Gauge::new();

/// Query time, for the scope test.
#[metric(unit = "seconds")]
static SCOPED_QUERY_SECONDS: Histogram = Histogram::new(&[0.1, 1.0]);

#[test]
fn a_scope_reports_its_changes_with_its_labels() {
    SCOPED_ROWS_TOTAL.inc_by(100);
    SCOPED_IDLE_TOTAL.inc();
    SCOPED_QUERY_SECONDS.observe(0.05);
    let scope = Scope::begin().label("route", "/report");
    SCOPED_ROWS_TOTAL.inc_by(7);
    SCOPED_CURSORS.set(2.0);
    SCOPED_QUERY_SECONDS.observe(0.5);
    let memory = MemorySurfacer::new();
    scope.end_to(&memory).unwrap();

    let report = memory.take().pop().unwrap();
    assert_eq!(
        report.counter("scoped_rows_total", &[("route", "/report")]),
        Some(7)
    );
    assert_eq!(
        report.gauge("scoped_cursors", &[("route", "/report")]),
        Some(2.0)
    );
    let h = report
        .histogram("scoped_query_seconds", &[("route", "/report")])
        .unwrap();
    assert_eq!(h.buckets, [0, 1, 0]);
    assert!((h.sum - 0.5).abs() < 1e-12);
    assert!(report.family("scoped_idle_total").is_none(), "unchanged");
    assert!(report.family("meterbox_build_info").is_none(), "unchanged");
}
