//! A program without a single metric of its own still has a registry to export: the
//! runtime's own metrics, the process collector's, and the heap's (not shown here, where the
//! counting allocator is not installed).

#[test]
#[cfg_attr(miri, ignore)]
fn registry_never_empty() {
    let registry = meterbox::registry();
    let mut names: Vec<&str> = registry.iter().map(|d| d.name).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "http_server_active_requests",
            "http_server_request_allocated_bytes",
            "http_server_request_body_size_bytes",
            "http_server_request_duration_seconds",
            "http_server_response_body_size_bytes",
            "log_events_total",
            "log_events_total",
            "meterbox_build_info",
            "meterbox_definition_conflicts",
            "meterbox_dropped_label_sets_total",
            "meterbox_reporter_dropped_snapshots_total",
            "meterbox_reporter_send_seconds",
            "meterbox_reporter_sends_total",
            "process_cpu_seconds_total",
            "process_heap_allocated_bytes_total",
            "process_heap_allocations_total",
            "process_heap_freed_bytes_total",
            "process_heap_live_bytes",
            "process_max_fds",
            "process_open_fds",
            "process_resident_memory_bytes",
            "process_start_time_seconds",
            "process_threads",
            "process_virtual_memory_bytes",
            "process_virtual_memory_max_bytes",
            "tokio_alive_tasks",
            "tokio_global_queue_depth",
            "tokio_worker_busy_seconds_total",
            "tokio_workers",
        ]
    );
    let text = meterbox::render(meterbox::Format::Prometheus);
    assert!(!text.contains("process_heap"));
    assert!(!text.contains("tokio_"));
    assert!(!text.contains("http_server"));
    assert!(!text.contains("log_events"));
    assert_eq!(
        text.contains("# TYPE process_cpu_seconds_total counter\n"),
        cfg!(target_os = "linux")
    );
    assert!(text.contains("meterbox_build_info{version=\""));
    assert_eq!(meterbox::check(), Ok(()));
}
