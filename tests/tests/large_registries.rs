//! Memory follows what exists: rendering a large registry as JSON streams it, taking little
//! beyond the document itself; a family with a high limit costs what its children use.

use meterbox::{metric, render, Counter, Family, Format};
use std::io::Write as _;

/// 200,000 series.
#[metric]
static MANY_TOTAL: Family<Counter, 1> = Family::new(["id"]).with_limit(200_000);

/// The tests measure the process's memory: one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn status(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

#[test]
fn json_of_200_000_series_takes_little_more_than_its_text() {
    let _alone = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for id in 0..200_000 {
        MANY_TOTAL.with([&id.to_string()]).inc();
    }
    // The layout of the series is made once; then the peak is measured from here.
    let first = render(Format::Json);
    drop(first);
    if std::fs::write("/proc/self/clear_refs", "5").is_err() {
        // Not a missing tool: a kernel that will not reset the peak. Said on the terminal.
        let _ = writeln!(
            std::io::stderr().lock(),
            "SKIPPED the peak-memory check: /proc/self/clear_refs cannot be written here"
        );
        return;
    }
    let before = status("VmRSS:");
    let text = render(Format::Json);
    let peak = status("VmHWM:");
    let grown = peak.saturating_sub(before);
    let document = text.len() as u64;
    eprintln!(
        "{document} bytes of JSON; the peak grew by {} MB",
        grown >> 20
    );
    assert!(text.contains(r#"{"labels":{"id":"199999"},"value":1}"#));
    // The text, a buffer that doubles as it grows, and the series read one at a time.
    assert!(
        grown < 3 * document + (32 << 20),
        "the peak grew by {grown} bytes for a document of {document}"
    );
}

/// The highest limit a family takes.
#[metric]
static ROOMY_TOTAL: Family<Counter, 1> = Family::new(["id"]).with_limit(1 << 20);

#[test]
fn a_family_with_a_high_limit_costs_what_its_children_use() {
    let _alone = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let before = status("VmRSS:");
    for id in 0..10 {
        ROOMY_TOTAL.with([&format!("child-{id}")]).inc();
    }
    let grown = status("VmRSS:").saturating_sub(before);
    // Its table has room for 2^21 children; only the pages its 10 children touched count.
    assert!(grown < 4 << 20, "10 children took {} KB", grown >> 10);
    let text = render(Format::Prometheus);
    assert_eq!(text.matches("roomy_total{id=\"child-").count(), 10);
}
