//! An objective on the HTTP layer: a 5xx answer fails its success target, the duration
//! histogram feeds its latency target; a threshold that is no bound of that histogram is
//! refused; `promtool` checks the rules and shows the fast burn paging for a burst of 5xx.

use std::fmt::Write as _;

use meterbox::slo::{prometheus_rules, Objective, ObjectiveError};
use meterbox_tests::promtool_on;

/// 99% of requests succeed; 95% take at most 500 ms.
static WEB: Objective = Objective::new("web").success(0.99).latency(0.95, 0.5);

/// 300 ms is not among the conventions' bounds.
static ODD: Objective = Objective::new("odd").latency(0.9, 0.3);

#[test]
fn the_http_layer_feeds_an_objective() {
    let refused = meterbox::http::layer().objective(&ODD).unwrap_err();
    assert!(
        matches!(
            refused,
            ObjectiveError::ThresholdNotABound {
                objective: "odd",
                ..
            }
        ),
        "{refused}"
    );
    assert!(refused.to_string().contains("0.3 s"), "{refused}");
    let _layer = meterbox::http::layer().objective(&WEB).unwrap();
    // Twice is once.
    let _again = meterbox::http::layer().objective(&WEB).unwrap();

    let rules = prometheus_rules();
    assert!(!rules.contains("objective: 'odd'"), "{rules}");
    let success = "      expr: 'sum(rate(http_server_request_duration_seconds_count{http_response_status_code=~\"5..\"}[5m])) \
                   / sum(rate(http_server_request_duration_seconds_count{}[5m]))'\n";
    assert!(rules.contains(success), "{success}\nnot in\n{rules}");
    let latency =
        "      expr: '1 - sum(rate(http_server_request_duration_seconds_bucket{le=\"0.5\"}[5m])) \
                   / sum(rate(http_server_request_duration_seconds_count{}[5m]))'\n";
    assert!(rules.contains(latency), "{latency}\nnot in\n{rules}");

    let Some((ok, out)) = promtool_on(&[("rules.yml", &rules)], ["check", "rules"], "rules.yml")
    else {
        return;
    };
    assert!(ok && out.contains("SUCCESS: 18 rules found"), "{out}");

    // One request in ten answered with a 503, ten times the budget.
    let count = |status: &str| {
        format!(
            "http_server_request_duration_seconds_count{{http_request_method=\"GET\",http_route=\"/users/{{id}}\",http_response_status_code=\"{status}\"}}"
        )
    };
    let mut tests = String::from(
        "rule_files:\n  - rules.yml\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n",
    );
    for (series, values) in [(count("200"), "0+90x120"), (count("503"), "0+10x120")] {
        let _ = writeln!(
            tests,
            "      - series: '{series}'\n        values: '{values}'"
        );
    }
    tests.push_str(
        "    alert_rule_test:\n      - eval_time: 60m\n        alertname: ErrorBudgetFastBurn\n        exp_alerts:\n          \
         - exp_labels: {severity: page, objective: web, sli: success}\n            \
         exp_annotations: {summary: \"The success objective `web` is spending its error budget fast.\"}\n",
    );
    let (ok, out) = promtool_on(
        &[("rules.yml", &rules), ("tests.yml", &tests)],
        ["test", "rules"],
        "tests.yml",
    )
    .unwrap();
    assert!(ok, "{out}\n{tests}");
}
