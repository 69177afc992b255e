//! With the `native-histograms` feature, `#[timed]` records a native histogram: an
//! `#[instrumented]` function exports at most 8 series in the text formats (7 when it is not
//! `async`), both accepted by their checkers, while a function with a latency objective keeps
//! the classic buckets the objective reads. `tests/fixtures/native` is built with the feature
//! (in a target directory of its own, outside the workspace, so that the feature reaches no
//! other build); this test runs it and reads what it prints.

use std::path::Path;
use std::process::Command;

use meterbox_tests::{openmetrics_parse, promtool_check};

#[test]
fn an_instrumented_function_exports_at_most_eight_series() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["run", "--quiet", "--manifest-path"])
        .arg(root.join("fixtures/native/Cargo.toml"))
        .arg("--target-dir")
        .arg(root.join("../target/native-fixture"))
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the native fixture failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parts: Vec<&str> = stdout.split("---\n").collect();
    let [prometheus, openmetrics, protobuf, queries] = parts[..] else {
        panic!("four parts expected:\n{stdout}");
    };

    for text in [prometheus, openmetrics] {
        let series = |function: &str| {
            let label = format!("function=\"{function}\"");
            text.lines()
                .filter(|l| !l.starts_with('#') && l.contains(&label))
                .collect::<Vec<_>>()
        };
        let sync = series("check_order");
        assert_eq!(sync.len(), 7, "{sync:#?}");
        let async_ = series("send_receipt");
        assert_eq!(async_.len(), 8, "{async_:#?}");
        for line in sync.iter().chain(&async_) {
            assert!(
                !line.contains(",le=") || line.contains(",le=\"+Inf\""),
                "a native histogram lists no bucket: {line}"
            );
        }
        assert!(text.contains(
            "function_duration_seconds_bucket{function=\"check_order\",module=\"native\",le=\"+Inf\"} 5\n"
        ));
        assert!(text.contains(
            "function_duration_seconds_count{function=\"send_receipt\",module=\"native\"} 5\n"
        ));
        // The objective's function keeps its 22 bounds, 0.25 among them, and `+Inf`.
        let page = series("load_page");
        let buckets = page.iter().filter(|l| l.contains(",le=")).count();
        assert_eq!(buckets, 23, "{page:#?}");
        assert!(text.contains(
            "function_duration_seconds_bucket{function=\"load_page\",module=\"native\",le=\"0.25\"} 1\n"
        ));
    }
    if let Some(complaints) = promtool_check(prometheus) {
        assert_eq!(complaints, "", "{prometheus}");
    }
    if let Some(parsed) = openmetrics_parse(openmetrics) {
        parsed.unwrap_or_else(|e| panic!("{e}\n{openmetrics}"));
    }
    let bytes: usize = protobuf.trim().parse().unwrap();
    assert!(bytes > 0);
    // The dashboard reads a native histogram as one, and the objective's classic buckets.
    let durations = |function: &str| {
        let of = format!("function=\"{function}\"");
        queries
            .lines()
            .filter(|q| q.contains("function_duration_seconds") && q.contains(&of))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        durations("send_receipt")[2],
        "histogram_quantile(0.99, sum(rate(function_duration_seconds{function=\"send_receipt\",\
         module=\"native\"}[5m])))"
    );
    assert!(durations("load_page")[2].contains("function_duration_seconds_bucket"));
}
