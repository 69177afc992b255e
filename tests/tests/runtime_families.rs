//! Families registered at run time from strings, under each `Sanitize` mode, exposed with
//! the link-time metrics and accepted by the checkers.

use std::sync::Mutex;

use meterbox::{
    render, set_sanitize, snapshot, Counter, Format, Gauge, Histogram, Meter, RegisterError,
    RuntimeFamily, Sanitize,
};
use meterbox_tests::{openmetrics_parse, promtool_check};

/// The sanitize setting is process-wide: tests that change it take turns.
static MODE: Mutex<()> = Mutex::new(());

#[test]
fn prometheus_mode_replaces_invalid_characters() {
    let _mode = MODE.lock().unwrap();
    set_sanitize(Sanitize::Prometheus);
    let f =
        RuntimeFamily::<Counter>::register("http.requests-2xx", "Requests.", &["zone.id"]).unwrap();
    assert_eq!(f.label_keys(), ["zone_id"]);
    f.with(&["eu-1"]).unwrap().inc();
    let s = snapshot();
    assert_eq!(
        s.counter("http_requests_2xx_total", &[("zone_id", "eu-1")]),
        Some(1)
    );
}

#[test]
fn permissive_mode_keeps_names_for_json_and_shows_prometheus_forms_in_text() {
    let _mode = MODE.lock().unwrap();
    set_sanitize(Sanitize::Permissive);
    let f = RuntimeFamily::<Gauge>::register("tâche/queue.size", "Queue sizes.", &["file.kind"])
        .unwrap();
    set_sanitize(Sanitize::Prometheus);
    f.with(&["pdf"]).unwrap().set(3.0);
    let s = snapshot();
    assert_eq!(
        s.gauge("tâche/queue.size", &[("file.kind", "pdf")]),
        Some(3.0)
    );
    let json = render(Format::Json);
    assert!(json.contains("\"tâche/queue.size\""), "{json}");
    let text = render(Format::Prometheus);
    assert!(
        text.contains("t_che_queue_size{file_kind=\"pdf\"} 3.0\n"),
        "{text}"
    );
    // No name in the text is the permissive one; it shows only as a label value, in
    // `meterbox_dropped_label_sets_total{metric="…"}`, which names families as declared.
    assert!(
        text.lines().filter(|l| l.contains("tâche")).all(
            |l| l.starts_with("meterbox_dropped_label_sets_total{metric=\"tâche/queue.size\"}")
        ),
        "{text}"
    );
}

#[test]
fn none_mode_rejects_what_is_not_valid() {
    let _mode = MODE.lock().unwrap();
    set_sanitize(Sanitize::None);
    let err = RuntimeFamily::<Counter>::register("bad.name", "x", &[]).unwrap_err();
    assert!(
        matches!(err, RegisterError::Invalid(ref e) if e.text == "bad.name"),
        "{err}"
    );
    let err = RuntimeFamily::<Counter>::register("good_name", "x", &["bad key"]).unwrap_err();
    assert!(err.to_string().contains("bad key"), "{err}");
    assert!(RuntimeFamily::<Counter>::register("strict_ok", "Fine.", &["k"]).is_ok());
    set_sanitize(Sanitize::Prometheus);
}

#[test]
fn reregistering_returns_the_same_family_and_clashes_are_errors() {
    let _mode = MODE.lock().unwrap();
    let a = RuntimeFamily::<Counter>::register("jobs_done", "Jobs.", &["queue"]).unwrap();
    let b = RuntimeFamily::<Counter>::register("jobs_done", "Jobs.", &["queue"]).unwrap();
    assert!(std::ptr::eq(a, b));
    let err = RuntimeFamily::<Counter>::register("jobs_done", "Other help.", &["queue"]);
    assert!(matches!(err, Err(RegisterError::Taken { .. })));
    let err = RuntimeFamily::<Gauge>::register("jobs_done_total", "Jobs.", &["queue"]);
    assert!(matches!(err, Err(RegisterError::Taken { .. })), "{err:?}");
    // A link-time name is taken too.
    let err = RuntimeFamily::<Gauge>::register("meterbox_build_info", "x", &[]);
    assert!(matches!(err, Err(RegisterError::Taken { ref site, .. }) if site.contains(".rs:")));
    let err = RuntimeFamily::<Counter>::register("dup_keys", "x", &["a.b", "a_b"]);
    assert_eq!(err.unwrap_err(), RegisterError::DuplicateKey("a_b".into()));
    let err = a.with(&["one", "two"]).unwrap_err();
    assert_eq!((err.expected, err.given), (1, 2));
}

#[test]
fn every_member_type_works_and_the_checkers_accept_the_output() {
    let h = RuntimeFamily::register_with(
        "upload_seconds",
        "Upload time.",
        &["bucket"],
        Histogram::new(&[0.1, 1.0]),
    )
    .unwrap();
    h.with(&["photos"]).unwrap().observe(0.5);
    let m = RuntimeFamily::<Meter>::register("uploads", "Uploads.", &["bucket"]).unwrap();
    m.with(&["photos"]).unwrap().mark();
    let s = snapshot();
    assert_eq!(
        s.histogram("upload_seconds", &[("bucket", "photos")])
            .map(meterbox::HistogramValue::count),
        Some(1)
    );
    assert_eq!(s.counter("uploads_total", &[("bucket", "photos")]), Some(1));
    assert!(s
        .gauge("uploads_rate", &[("bucket", "photos"), ("window", "1m")])
        .is_some());
    let text = render(Format::Prometheus);
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "promtool on:\n{text}");
    }
    if let Some(parsed) = openmetrics_parse(&render(Format::OpenMetrics)) {
        parsed.expect("strict OpenMetrics parser");
    }
}

#[test]
fn a_full_dynamic_family_counts_its_dropped_label_sets() {
    let _mode = MODE.lock().unwrap();
    set_sanitize(Sanitize::Prometheus);
    let f = RuntimeFamily::<Counter>::register("tenant_logins", "Logins.", &["tenant"]).unwrap();
    // The default limit is 1,000 label sets; the next three go to the overflow series.
    for i in 0..1_003 {
        f.with(&[&format!("t{i}")]).unwrap().inc();
    }
    let s = snapshot();
    assert_eq!(
        s.counter(
            "meterbox_dropped_label_sets_total",
            // The family's name as declared, as for link-time families.
            &[("metric", "tenant_logins")]
        ),
        Some(3)
    );
    assert_eq!(
        s.counter("tenant_logins_total", &[("tenant", "__overflow__")]),
        Some(3)
    );
}
