//! Objectives attached with `#[instrumented]`, `#[counted]` and `#[timed]` become Prometheus
//! rules: exact expressions over the functions' real series, `promtool check rules` silent,
//! and `promtool test rules` showing that the fast burn pages for a burst of errors or slow
//! calls and that nothing fires within budget.

use std::fmt::Write as _;

use meterbox::slo::{prometheus_rules, Objective};
use meterbox::{counted, instrumented, render, timed, Format};
use meterbox_tests::promtool_on;

/// 99.9% of checkouts succeed; 99% take at most 250 ms.
static CHECKOUT: Objective = Objective::new("checkout")
    .success(0.999)
    .latency(0.99, 0.25);

/// 95% of searches take at most 100 ms, on buckets of their own.
static SEARCH: Objective = Objective::new("search").latency(0.95, 0.1);

#[instrumented(objective = CHECKOUT)]
fn checkout(fail: bool) -> Result<(), String> {
    if fail {
        Err("declined".into())
    } else {
        Ok(())
    }
}

#[counted(objective = CHECKOUT)]
fn pay() -> Result<(), String> {
    Ok(())
}

#[timed(objective = SEARCH, buckets = [0.05, 0.1, 0.5])]
fn search() {}

#[test]
fn the_rules_read_the_functions_series() {
    let rules = prometheus_rules();
    let calls = |result: &str, window: &str| {
        format!(
            "sum(rate(function_calls_total{{function=\"checkout\",module=\"slo\",result=~\"{result}\"}}[{window}]) \
             or rate(function_calls_total{{function=\"pay\",module=\"slo\",result=~\"{result}\"}}[{window}]))"
        )
    };
    let success_5m = format!(
        "    - record: 'slo:sli_error:ratio_rate5m'\n      expr: '{} / {}'\n      labels:\n        objective: 'checkout'\n        sli: 'success'\n",
        calls("error|panic", "5m"),
        calls("ok|error|panic", "5m")
    );
    assert!(rules.contains(&success_5m), "{success_5m}\nnot in\n{rules}");
    let latency_1h = "      expr: '1 - sum(rate(function_duration_seconds_bucket{function=\"search\",module=\"slo\",le=\"0.1\"}[1h])) \
                      / sum(rate(function_duration_seconds_count{function=\"search\",module=\"slo\"}[1h]))'\n      labels:\n        objective: 'search'\n        sli: 'latency'\n";
    assert!(rules.contains(latency_1h), "{latency_1h}\nnot in\n{rules}");
    let fast = "      expr: '(slo:sli_error:ratio_rate1h{objective=\"checkout\",sli=\"success\"} > (14.4 * (1 - 0.999)) \
                and slo:sli_error:ratio_rate5m{objective=\"checkout\",sli=\"success\"} > (14.4 * (1 - 0.999))) \
                or (slo:sli_error:ratio_rate6h{objective=\"checkout\",sli=\"success\"} > (6.0 * (1 - 0.999)) \
                and slo:sli_error:ratio_rate30m{objective=\"checkout\",sli=\"success\"} > (6.0 * (1 - 0.999)))'\n";
    assert!(rules.contains(fast), "{fast}\nnot in\n{rules}");
    // Success has no place in `search`, which has no target for it.
    assert!(!rules.contains("objective: 'search'\n        sli: 'success'"));
    // The series the rules read are the ones the functions write.
    checkout(false).unwrap();
    checkout(true).unwrap_err();
    pay().unwrap();
    search();
    let text = render(Format::Prometheus);
    for series in [
        "function_calls_total{function=\"checkout\",module=\"slo\",result=\"error\"} 1",
        "function_calls_total{function=\"pay\",module=\"slo\",result=\"ok\"} 1",
        "function_duration_seconds_bucket{function=\"checkout\",module=\"slo\",le=\"0.25\"} 2",
        "function_duration_seconds_bucket{function=\"search\",module=\"slo\",le=\"0.1\"} 1",
    ] {
        assert!(text.contains(series), "{series} not in\n{text}");
    }
}

#[test]
fn promtool_checks_the_rules_and_their_alerts_fire_as_they_should() {
    let rules = prometheus_rules();
    let Some((ok, out)) = promtool_on(&[("rules.yml", &rules)], ["check", "rules"], "rules.yml")
    else {
        return;
    };
    assert!(ok, "{out}");
    assert!(out.contains("SUCCESS: 27 rules found"), "{out}");
    assert!(!out.to_lowercase().contains("warn"), "{out}");

    let calls = |result: &str| {
        format!("function_calls_total{{function=\"checkout\",module=\"slo\",result=\"{result}\"}}")
    };
    let bucket =
        "function_duration_seconds_bucket{function=\"checkout\",module=\"slo\",le=\"0.25\"}";
    let count = "function_duration_seconds_count{function=\"checkout\",module=\"slo\"}";
    let page = |sli: &str| {
        format!(
            "          - exp_labels: {{severity: page, objective: checkout, sli: {sli}}}\n            \
             exp_annotations: {{summary: \"The {sli} objective `checkout` is spending its error budget fast.\"}}\n"
        )
    };
    let case = |series: &[(&str, &str)], fast: &str| {
        let mut text = String::from("  - interval: 1m\n    input_series:\n");
        for (name, values) in series {
            let _ = writeln!(text, "      - series: '{name}'\n        values: '{values}'");
        }
        text.push_str("    alert_rule_test:\n");
        text.push_str("      - eval_time: 60m\n        alertname: ErrorBudgetFastBurn\n");
        if fast.is_empty() {
            text.push_str("        exp_alerts: []\n");
        } else {
            text.push_str("        exp_alerts:\n");
            text.push_str(fast);
        }
        text
    };
    let tests = [
        // A burst: one call in eleven fails, 90 times the budget.
        case(
            &[(&calls("ok"), "0+100x120"), (&calls("error"), "0+10x120")],
            &page("success"),
        ),
        // Within budget: one call in 2,001 fails.
        case(
            &[(&calls("ok"), "0+2000x120"), (&calls("error"), "0+1x120")],
            "",
        ),
        // Slow: one call in five over 250 ms, 20 times the budget.
        case(
            &[(bucket, "0+80x120"), (count, "0+100x120")],
            &page("latency"),
        ),
        // Within budget: one in a thousand.
        case(&[(bucket, "0+999x120"), (count, "0+1000x120")], ""),
    ];
    let file = format!(
        "rule_files:\n  - rules.yml\nevaluation_interval: 1m\ntests:\n{}",
        tests.concat()
    );
    // Within budget, the slow burn stays silent too.
    let file = file.replace(
        "        exp_alerts: []\n",
        "        exp_alerts: []\n      - eval_time: 60m\n        alertname: ErrorBudgetSlowBurn\n        exp_alerts: []\n",
    );
    let (ok, out) = promtool_on(
        &[("rules.yml", &rules), ("tests.yml", &file)],
        ["test", "rules"],
        "tests.yml",
    )
    .unwrap();
    assert!(ok, "{out}\n{file}");
    assert!(out.contains("SUCCESS"), "{out}");
}
