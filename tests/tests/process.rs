//! The process collector's metrics against what `/proc` and `ps` say of this process, each
//! within a stated tolerance, and a scrape with them accepted by the checkers.
#![cfg(target_os = "linux")]
// Counts and limits are whole numbers far below 2^53: compared exactly as the gauges give them.
#![allow(clippy::cast_precision_loss, clippy::float_cmp)]

use std::process::Command;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use meterbox::{render, snapshot, Format};
use meterbox_tests::{openmetrics_parse, promtool_check, tool};

/// A reading is kept for a tenth of a second: wait that long for a fresh one.
fn fresh() -> meterbox::Snapshot {
    std::thread::sleep(Duration::from_millis(150));
    snapshot()
}

fn gauge(snapshot: &meterbox::Snapshot, name: &str) -> f64 {
    snapshot
        .gauge(name, &[])
        .unwrap_or_else(|| panic!("{name} is exposed"))
}

/// A column of `ps` for this process, in its unit.
fn ps(column: &str) -> f64 {
    let out = Command::new("ps")
        .args([
            "-o",
            &format!("{column}="),
            "-p",
            &std::process::id().to_string(),
        ])
        .output()
        .expect("ps runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("ps {column}: {out:?}"))
}

/// The soft limit on a line of `/proc/self/limits`, `None` when unlimited.
fn limit(line_start: &str) -> Option<f64> {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = limits.lines().find(|l| l.starts_with(line_start)).unwrap();
    line[line_start.len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn within(what: &str, got: f64, want: f64, tolerance: f64) {
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: {got}, expected {want} ± {tolerance}"
    );
}

#[test]
fn process_metrics_agree_with_proc_and_ps() {
    // Threads: this one, the harness's, and four parked here.
    let park = Arc::new(Barrier::new(5));
    let parked: Vec<_> = (0..4)
        .map(|_| {
            let park = park.clone();
            std::thread::spawn(move || park.wait())
        })
        .collect();
    let read = fresh();
    let tasks = std::fs::read_dir("/proc/self/task").unwrap().count();
    assert_eq!(gauge(&read, "process_threads"), tasks as f64);
    park.wait();
    for thread in parked {
        thread.join().unwrap();
    }

    // Open descriptors: five more files open, each counted (the directory read counts its
    // own descriptor, as the client libraries' collectors do).
    let before = gauge(&fresh(), "process_open_fds");
    let files: Vec<_> = (0..5)
        .map(|_| std::fs::File::open("/proc/self/stat").unwrap())
        .collect();
    let after = gauge(&fresh(), "process_open_fds");
    within("open descriptors", after - before, 5.0, 0.0);
    drop(files);

    // Memory, against ps (kilobytes), which reads the same numbers a moment apart.
    let read = fresh();
    if tool("ps").is_some() {
        let rss = ps("rss") * 1024.0;
        within(
            "resident memory",
            gauge(&read, "process_resident_memory_bytes"),
            rss,
            rss * 0.2,
        );
        let vsz = ps("vsz") * 1024.0;
        within(
            "virtual memory",
            gauge(&read, "process_virtual_memory_bytes"),
            vsz,
            vsz * 0.1,
        );
    }

    // Limits, exactly as the kernel states them.
    assert_eq!(
        Some(gauge(&read, "process_max_fds")),
        limit("Max open files")
    );
    let address_space = limit("Max address space").unwrap_or(u64::MAX as f64);
    assert_eq!(
        gauge(&read, "process_virtual_memory_max_bytes"),
        address_space
    );

    // Start: within the time this test has run, and before now.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let start = gauge(&read, "process_start_time_seconds");
    assert!(
        start <= now + 0.01 && now - start < 600.0,
        "start {start}, now {now}"
    );

    // CPU: work until the counter shows a quarter of a second more (the machine may be
    // busy, so this waits on CPU time, not wall time), then the counter agrees with what
    // the kernel states, to a clock tick or two.
    let cpu = |s: &meterbox::Snapshot| s.total("process_cpu_seconds_total", &[]).unwrap();
    let before = cpu(&fresh());
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut x = 0u64;
    let mut after = before;
    while after - before < 0.25 && Instant::now() < deadline {
        let begin = Instant::now();
        while begin.elapsed() < Duration::from_millis(50) {
            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
        }
        after = cpu(&fresh());
    }
    assert!(after - before >= 0.25, "{before} -> {after}");
    let proc_stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = proc_stat[proc_stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // Linux reports CPU time in hundredths of a second to user space.
    within("cpu seconds", cpu(&snapshot()), ticks / 100.0, 0.2);

    // The scrape with them stays valid.
    let text = render(Format::Prometheus);
    assert!(text.contains("# TYPE process_cpu_seconds_total counter\n"));
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "{text}");
    }
    let openmetrics = render(Format::OpenMetrics);
    assert!(openmetrics.contains("# TYPE process_cpu_seconds counter\n"));
    if let Some(parsed) = openmetrics_parse(&openmetrics) {
        parsed.unwrap_or_else(|e| panic!("{e}\n{openmetrics}"));
    }
}
