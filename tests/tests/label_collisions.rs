//! No line ever carries a label name twice: a scope's labels, a reporter's global tags and
//! keys sanitized at run time meet a series' own labels under one rule, the outer layer
//! keeping the name and the series' own label exposed as `exported_<name>`.

use std::sync::Arc;
use std::time::Duration;

use meterbox::{
    metric, set_sanitize, Counter, Family, Format, MemorySurfacer, RegisterError, Reporter,
    RuntimeFamily, Sanitize, Scope,
};
use meterbox_tests::{openmetrics_parse, promtool_check};

/// Requests by route.
#[metric]
static ROUTED_TOTAL: Family<Counter, 1> = Family::new(["route"]);

/// Work by service.
#[metric]
static SERVICE_WORK_TOTAL: Family<Counter, 1> = Family::new(["service"]);

/// Both text formats of `snapshot` pass promtool and the strict `OpenMetrics` parser.
fn assert_valid(snapshot: &meterbox::Snapshot) {
    let text = snapshot.render(Format::Prometheus);
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "{text}");
    }
    if let Some(parsed) = openmetrics_parse(&snapshot.render(Format::OpenMetrics)) {
        parsed.unwrap_or_else(|e| panic!("{e}"));
    }
    let json: serde_json::Value =
        serde_json::from_str(&snapshot.render(Format::Json)).expect("valid JSON");
    assert!(json["metrics"].is_array());
}

#[test]
fn a_scope_label_the_series_has_takes_the_name() {
    let scope = Scope::begin().label("route", "/cart").label("le", "x");
    ROUTED_TOTAL.with(["/api"]).inc_by(2);
    let changed = scope.end();
    let series = changed.series("routed_total", &[]);
    assert_eq!(series.len(), 1, "{changed:?}");
    assert_eq!(
        series[0].labels,
        vec![
            ("exported_route", "/api"),
            ("route", "/cart"),
            ("exported_le", "x")
        ]
    );
    assert_valid(&changed);
}

#[test]
fn a_global_tag_the_series_has_takes_the_name() {
    SERVICE_WORK_TOTAL.with(["billing"]).inc();
    let memory = Arc::new(MemorySurfacer::new());
    let reporter = Reporter::builder()
        .interval(Duration::from_secs(3600))
        .surfacer(Arc::clone(&memory))
        .tag("service", "orders")
        .env_tags(false)
        .host_tag(false)
        .start()
        .unwrap();
    reporter.stop();
    let last = memory.take().pop().expect("the final report");
    let series = last.series("service_work_total", &[("exported_service", "billing")]);
    assert_eq!(series.len(), 1, "{last:?}");
    assert_eq!(series[0].label("service"), Some("orders"));
    assert_valid(&last);
}

#[test]
fn run_time_keys_are_checked_as_the_text_formats_show_them() {
    set_sanitize(Sanitize::Permissive);
    let same = RuntimeFamily::<Counter>::register("perm_jobs", "Jobs.", &["a.b", "a-b"]);
    let reserved = RuntimeFamily::<Counter>::register("perm_jobs2", "Jobs.", &["..x"]);
    let fine = RuntimeFamily::<Counter>::register("tâche", "Tasks.", &["zone.id"]);
    set_sanitize(Sanitize::Prometheus);
    assert_eq!(same.unwrap_err(), RegisterError::DuplicateKey("a-b".into()));
    assert!(
        matches!(reserved, Err(RegisterError::Invalid(_))),
        "{reserved:?}"
    );
    fine.unwrap().with(&["eu"]).unwrap().inc();
    let text = meterbox::render(Format::Prometheus);
    assert!(text.contains("t_che_total{zone_id=\"eu\"} 1"), "{text}");
    assert_valid(&meterbox::snapshot());
}
