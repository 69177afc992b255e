//! With the `allocations` feature on but the counting allocator not installed, no heap
//! family is shown: zeros would read as a fact.

#[test]
fn no_heap_families_without_the_allocator() {
    let text = meterbox::render(meterbox::Format::Prometheus);
    assert!(text.contains("meterbox_build_info"));
    assert!(!text.contains("process_heap"), "{text}");
    assert_eq!(meterbox::alloc::totals().allocations, 0);
}
