//! The side-by-side rows compare like with like: every encoder renders the same 10,000
//! series with the same values, and the facade whose macros do nothing without a recorder
//! really has one.

use meterbox_anchors::{metrics_ops, setup, OPERATIONS, RENDERS, SERIES};

/// `requests_total{path="/item/N"} V` lines, as (N, V).
fn series_of(text: &str) -> Vec<(usize, u64)> {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("requests_total{path=\"/item/")?;
            let (index, rest) = rest.split_once("\"}")?;
            Some((index.parse().ok()?, rest.trim().parse().ok()?))
        })
        .collect()
}

#[test]
fn every_encoder_renders_the_same_series() {
    for render in RENDERS {
        (render.fill)();
        let len = (render.render)();
        let text = (render.text)();
        assert_eq!(len, text.len(), "{}: reported length", render.library);
        let mut series = series_of(&text);
        series.sort_unstable();
        assert_eq!(series.len(), SERIES, "{}: series rendered", render.library);
        for (position, (index, value)) in series.into_iter().enumerate() {
            assert_eq!(index, position, "{}: series {index}", render.library);
            assert_eq!(
                value, index as u64,
                "{}: value of series {index}",
                render.library
            );
        }
    }
}

#[test]
fn the_metrics_rows_go_through_the_exporter() {
    setup();
    let handle = metrics_ops::install().expect("the exporter's recorder is the global one");
    for op in OPERATIONS.iter().filter(|op| op.library == "metrics") {
        (op.run)();
    }
    let text = handle.render();
    for expected in [
        "calls_total 1",
        "requests_total{method=\"GET\",status=\"200\"} 2",
        "requests_total{method=\"post\",status=\"not_found\"} 1",
        "values_count 1",
        "duration_seconds_count 1",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}

#[test]
fn the_meterbox_rows_record() {
    setup();
    for op in OPERATIONS.iter().filter(|op| op.library == "meterbox") {
        (op.run)();
    }
    let text = meterbox::render(meterbox::Format::Prometheus);
    for expected in [
        "function_calls_total{function=\"count\",module=\"meterbox_anchors::meterbox_ops\",result=\"ok\"} 1",
        "function_duration_seconds_count{function=\"time\",module=\"meterbox_anchors::meterbox_ops\"} 1",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
}
