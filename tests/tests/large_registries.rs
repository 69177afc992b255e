//! Rendering a large registry as JSON streams it: the memory it takes beyond the document
//! itself does not grow with the number of series.

use meterbox::{metric, render, Counter, Family, Format};

/// 200,000 series.
#[metric]
static MANY_TOTAL: Family<Counter, 1> = Family::new(["id"]).with_limit(200_000);

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
    for id in 0..200_000 {
        MANY_TOTAL.with([&id.to_string()]).inc();
    }
    // The layout of the series is made once; then the peak is measured from here.
    let first = render(Format::Json);
    drop(first);
    if std::fs::write("/proc/self/clear_refs", "5").is_err() {
        eprintln!("skipped: the peak of resident memory cannot be reset here");
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
