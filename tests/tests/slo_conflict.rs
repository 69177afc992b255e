//! An objective's rules read its function's series where they are exposed: here a static
//! histogram of the same name and labels but other buckets sorts first and keeps
//! `function_duration_seconds`, so the function's durations are exposed under a name of
//! their own, and the latency rules must read those.

use meterbox::slo::{prometheus_rules, Objective};
use meterbox::{metric, render, timed, Format, Histogram};

/// Wall time of instrumented functions in seconds, awaits included.
#[metric(
    name = "function_duration_seconds",
    unit = "seconds",
    labels(function = "pay", module = "slo_conflict")
)]
static TAKEN: Histogram = Histogram::new(&[1.0, 2.0]);

/// 99% of payments take at most 250 ms.
static PAY: Objective = Objective::new("pay").latency(0.99, 0.25);

#[timed(objective = PAY)]
fn pay() {}

#[test]
fn the_rules_read_the_series_as_exposed() {
    pay();
    TAKEN.observe(1.5);
    let text = render(Format::Prometheus);
    let exposed = text
        .lines()
        .find(|l| l.contains("function=\"pay\"") && l.contains("le=\"0.25\""))
        .unwrap_or_else(|| panic!("no durations of pay in\n{text}"));
    let bucket = exposed.split('{').next().unwrap();
    assert_ne!(bucket, "function_duration_seconds_bucket", "{text}");
    let rules = prometheus_rules();
    assert!(
        rules.contains(&format!("rate({bucket}{{function=\"pay\"")),
        "{bucket} not read by\n{rules}"
    );
    assert!(
        !rules.contains("rate(function_duration_seconds_bucket{"),
        "{rules}"
    );
}
