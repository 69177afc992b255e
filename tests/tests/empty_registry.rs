//! A program without a single metric of its own still has a registry to export.

#[test]
#[cfg_attr(miri, ignore)]
fn registry_never_empty() {
    let registry = meterbox::registry();
    let mut names: Vec<&str> = registry.iter().map(|d| d.name).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "meterbox_build_info",
            "meterbox_definition_conflicts",
            "meterbox_dropped_label_sets_total",
            "meterbox_reporter_dropped_snapshots_total",
            "meterbox_reporter_send_seconds",
            "meterbox_reporter_sends_total",
        ]
    );
    let text = meterbox::render(meterbox::Format::Prometheus);
    assert!(text.contains("meterbox_build_info{version=\""));
    assert_eq!(meterbox::check(), Ok(()));
}
