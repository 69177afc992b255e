//! With the `allocations` feature on but the counting allocator not installed, no heap
//! family is shown, not even `#[allocations]`'s: zeros would read as a fact.

#[meterbox::allocations]
fn greeting(name: &str) -> String {
    format!("hello, {name}")
}

#[test]
fn no_heap_families_without_the_allocator() {
    assert_eq!(greeting("you"), "hello, you");
    let text = meterbox::render(meterbox::Format::Prometheus);
    assert!(text.contains("meterbox_build_info"));
    assert!(!text.contains("process_heap"), "{text}");
    assert!(!text.contains("function_allocated_bytes"), "{text}");
    assert_eq!(meterbox::alloc::totals().allocations, 0);
    assert!(meterbox::snapshot()
        .family("function_allocated_bytes")
        .is_none());
}
