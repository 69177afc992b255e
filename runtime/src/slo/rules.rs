//! The Prometheus rules of every objective: the error ratio of each indicator over the
//! windows the alerts read, recorded; and the multi-window, multi-burn-rate alerts of the
//! SRE workbook, a fast burn that pages and a slow burn that opens a ticket.

use std::fmt::Write as _;

use super::{uses, Indicator, Objective, ObjectiveUse};
use crate::model::layout;
use crate::naming::with_total;
use crate::sanitize::{exposition_key, exposition_name};
use crate::syntax::{promql_string, push_f64};

/// The name every recorded error ratio shares; `objective` and `sli` tell them apart.
const RECORD: &str = "slo:sli_error:ratio_rate";

/// The windows the alerts read.
const WINDOWS: [&str; 7] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

/// An alert, fired by any one of its burns.
struct Alert {
    name: &'static str,
    severity: &'static str,
    /// How the summary says the budget is spent.
    pace: &'static str,
    burns: [Burn; 2],
}

/// The budget spent `rate` times faster than it lasts, over both windows. A rate of 14.4
/// over an hour spends 2% of a 30-day budget.
struct Burn {
    rate: f64,
    long: &'static str,
    short: &'static str,
}

const ALERTS: [Alert; 2] = [
    Alert {
        name: "ErrorBudgetFastBurn",
        severity: "page",
        pace: "fast",
        burns: [
            Burn {
                rate: 14.4,
                long: "1h",
                short: "5m",
            },
            Burn {
                rate: 6.0,
                long: "6h",
                short: "30m",
            },
        ],
    },
    Alert {
        name: "ErrorBudgetSlowBurn",
        severity: "ticket",
        pace: "slowly",
        burns: [
            Burn {
                rate: 3.0,
                long: "1d",
                short: "2h",
            },
            Burn {
                rate: 1.0,
                long: "3d",
                short: "6h",
            },
        ],
    },
];

/// The rules of every objective attached to a function, as a Prometheus rule file (YAML),
/// one group per objective: `promtool check rules` accepts it, and it is loaded by
/// `rule_files` in `prometheus.yml`.
///
/// For each indicator with a target and a function that feeds it, the error ratio
/// `slo:sli_error:ratio_rate<window>{objective, sli}` is recorded over 5m, 30m, 1h, 2h, 6h,
/// 1d and 3d: for `sli="success"` the share of calls that ended in an error or a panic, for
/// `sli="latency"` the share that took longer than the threshold. Two alerts read them:
/// `ErrorBudgetFastBurn` (`severity="page"`) when the budget burns 14.4 times too fast over
/// 1h and 5m or 6 times over 6h and 30m, and `ErrorBudgetSlowBurn` (`severity="ticket"`)
/// at 3 times over 1d and 2h or once over 3d and 6h.
#[must_use]
pub fn prometheus_rules() -> String {
    let objectives = objectives();
    if objectives.is_empty() {
        return "groups: []\n".to_owned();
    }
    let mut out = String::from("groups:\n");
    for (objective, uses) in objectives {
        let _ = writeln!(
            out,
            "- name: {}",
            quoted(&format!("meterbox-slo-{}", objective.name))
        );
        out.push_str("  rules:\n");
        for (sli, target) in [
            ("success", objective.success),
            ("latency", objective.latency.map(|(target, _)| target)),
        ] {
            let feeding: Vec<&ObjectiveUse> =
                uses.iter().filter(|u| u.indicator.sli() == sli).collect();
            let (Some(target), false) = (target, feeding.is_empty()) else {
                continue;
            };
            write_indicator(&mut out, objective, sli, target, &feeding);
        }
    }
    out
}

/// The objectives in name order, each with its uses; objectives of one name are one.
fn objectives() -> Vec<(&'static Objective, Vec<ObjectiveUse>)> {
    let mut out: Vec<(&'static Objective, Vec<ObjectiveUse>)> = Vec::new();
    for u in uses() {
        match out.iter_mut().find(|(o, _)| o.name == u.objective.name) {
            Some((_, uses)) => uses.push(u),
            None => out.push((u.objective, vec![u])),
        }
    }
    out.sort_by_key(|(o, _)| o.name);
    // By site, so that the rules do not depend on the order the linker chose.
    for (_, uses) in &mut out {
        uses.sort_by_key(|u| (u.descriptor.file, u.descriptor.line));
    }
    out
}

/// The recording rules and alerts of one indicator (`sli`) of `objective`.
fn write_indicator(
    out: &mut String,
    objective: &Objective,
    sli: &str,
    target: f64,
    uses: &[&ObjectiveUse],
) {
    let labels = format!(
        "      labels:\n        objective: {}\n        sli: {}\n",
        quoted(objective.name),
        quoted(sli)
    );
    for window in WINDOWS {
        let _ = writeln!(
            out,
            "    - record: {}",
            quoted(&format!("{RECORD}{window}"))
        );
        let _ = writeln!(
            out,
            "      expr: {}",
            quoted(&error_ratio(objective, sli, uses, window))
        );
        out.push_str(&labels);
    }
    let selector = format!(
        "{{objective=\"{}\",sli=\"{sli}\"}}",
        promql_string(objective.name),
    );
    let mut budget = String::from("(1 - ");
    push_f64(&mut budget, target);
    budget.push(')');
    for Alert {
        name,
        severity,
        pace,
        burns,
    } in ALERTS
    {
        let expr: Vec<String> = burns
            .iter()
            .map(|Burn { rate, long, short }| {
                let mut factor = String::new();
                push_f64(&mut factor, *rate);
                format!(
                    "({RECORD}{long}{selector} > ({factor} * {budget}) and {RECORD}{short}{selector} > ({factor} * {budget}))"
                )
            })
            .collect();
        let _ = writeln!(out, "    - alert: {}", quoted(name));
        let _ = writeln!(out, "      expr: {}", quoted(&expr.join(" or ")));
        out.push_str(&labels);
        let _ = writeln!(out, "        severity: {}", quoted(severity));
        out.push_str("      annotations:\n");
        let _ = writeln!(
            out,
            "        summary: {}",
            quoted(&format!(
                "The {sli} objective `{}` is spending its error budget {pace}.",
                objective.name
            ))
        );
    }
}

/// The share of bad events over `window`, summed over everything that feeds it: calls that
/// ended in an error or a panic, HTTP requests answered with a 5xx, or for latency, what took
/// longer than the threshold.
fn error_ratio(objective: &Objective, sli: &str, uses: &[&ObjectiveUse], window: &str) -> String {
    let rate = |u: &ObjectiveUse, suffix: &str, extra: &str| {
        format!(
            "rate({}{suffix}{}[{window}])",
            family(u),
            matchers(u, extra)
        )
    };
    let sum = |rates: Vec<String>| format!("sum({})", rates.join(" or "));
    if sli == "latency" {
        let threshold = objective.latency.map_or(0.0, |(_, t)| t);
        let mut le = String::from("le=\"");
        push_f64(&mut le, threshold);
        le.push('"');
        let good = uses.iter().map(|u| rate(u, "_bucket", &le)).collect();
        let all = uses.iter().map(|u| rate(u, "_count", "")).collect();
        return format!("1 - {} / {}", sum(good), sum(all));
    }
    let (bad, all): (Vec<String>, Vec<String>) = uses
        .iter()
        .map(|u| match u.indicator {
            Indicator::Responses => (
                rate(u, "_count", "http_response_status_code=~\"5..\""),
                rate(u, "_count", ""),
            ),
            Indicator::Success | Indicator::Latency => (
                rate(u, "", "result=~\"error|panic\""),
                rate(u, "", "result=~\"ok|error|panic\""),
            ),
        })
        .unzip();
    format!("{} / {}", sum(bad), sum(all))
}

/// The family's name as the text formats show it.
fn family(u: &ObjectiveUse) -> String {
    // As laid out: a definition that meets another of a different type under one name is
    // shown under a name of its own, and its rules must read that one.
    let layout = layout();
    let laid_out = layout
        .families
        .iter()
        .find(|f| f.definitions.iter().any(|d| d.same(u.descriptor)));
    match laid_out {
        Some(family) => family.exposed.to_string(),
        None => exposition_name(&with_total(u.descriptor.name, u.descriptor.kind())).into_owned(),
    }
}

/// `{k="v",…}`: the function's constant labels, then `extra`.
fn matchers(u: &ObjectiveUse, extra: &str) -> String {
    let mut parts: Vec<String> = u
        .descriptor
        .labels
        .iter()
        .map(|(k, v)| format!("{}=\"{}\"", exposition_key(k), promql_string(v)))
        .collect();
    if !extra.is_empty() {
        parts.push(extra.to_owned());
    }
    format!("{{{}}}", parts.join(","))
}

/// `text` as a YAML single-quoted scalar, on one line.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''").replace('\n', " "))
}
