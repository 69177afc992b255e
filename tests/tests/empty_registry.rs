//! A program without a single metric of its own still has a registry to export.

#[test]
#[cfg_attr(miri, ignore)]
fn registry_never_empty() {
    let registry = meterbox::registry();
    assert_eq!(registry.len(), 1, "{registry:?}");
    assert_eq!(registry[0].name, "meterbox_build_info");
    let text = meterbox::render(meterbox::Format::Prometheus);
    assert!(text.contains("meterbox_build_info{version=\""));
    assert_eq!(meterbox::check(), Ok(()));
}
