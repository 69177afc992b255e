//! The catalog: every metric the program exposes, known at link time, as a list for people
//! (Markdown) and for tools (JSON), and the contract a test checks it against.

mod contract;
mod markdown;

pub use contract::{Change, ContractError, UPDATE_VARIABLE};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::metrics::Kind;
use crate::model::layout;
use crate::registry::Descriptor;

/// Every metric the program exposes, in name order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// The metric families.
    pub metrics: Vec<CatalogMetric>,
}

/// One metric family: what a dashboard or an alert relies on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogMetric {
    /// The name as the text formats show it; a counter's ends in `_total`.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Its unit, or empty.
    #[serde(default)]
    pub unit: String,
    /// Its help text.
    #[serde(default)]
    pub help: String,
    /// Its labels, in the order of its first definition, then those only other definitions
    /// have.
    #[serde(default)]
    pub labels: Vec<CatalogLabel>,
    /// The instrumented functions recorded in it, as `module::function`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<String>,
    /// Where it is defined, as `file:line`; left out of the contract, as lines move.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub defined_at: Vec<String>,
}

/// One label of a metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogLabel {
    /// The name as the text formats show it.
    pub name: String,
    /// Every value it can take, when they are known at link time (a constant label, a call
    /// counter's `result`, typed labels of enums); `None` when they are open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// Every metric linked into the program, as exposed: the families of the registry with
/// their names after conflicts are resolved, and the families registered at run time so far.
///
/// ```
/// use meterbox::{metric, Counter, Kind};
///
/// /// Orders taken.
/// #[metric]
/// static ORDERS_TOTAL: Counter = Counter::new();
///
/// let catalog = meterbox::catalog();
/// let orders = catalog.metric("orders_total").unwrap();
/// assert_eq!((orders.kind, orders.help.as_str()), (Kind::Counter, "Orders taken."));
/// ```
#[must_use]
pub fn catalog() -> Catalog {
    let layout = layout();
    let metrics = layout
        .families
        .iter()
        .map(|family| CatalogMetric {
            name: family.exposed.to_string(),
            kind: family.kind,
            unit: family.unit.to_owned(),
            help: family.help.to_owned(),
            labels: labels(&family.definitions),
            functions: functions(&family.definitions),
            defined_at: family.definitions.iter().map(|d| d.site()).collect(),
        })
        .collect();
    Catalog { metrics }
}

/// The labels of a family's definitions, each with its values when every definition that
/// has it knows them.
fn labels(definitions: &[&'static Descriptor]) -> Vec<CatalogLabel> {
    // Label name to its values so far; `None` once a definition leaves them open.
    let mut order: Vec<String> = Vec::new();
    let mut values: BTreeMap<String, Option<Vec<String>>> = BTreeMap::new();
    for d in definitions {
        for (name, known) in definition_labels(d) {
            let name = crate::sanitize::exposition_key(name).into_owned();
            match values.get_mut(&name) {
                None => {
                    order.push(name.clone());
                    values.insert(
                        name,
                        known.map(|v| v.into_iter().map(str::to_owned).collect()),
                    );
                }
                Some(seen) => match (seen.as_mut(), known) {
                    (Some(seen), Some(known)) => {
                        for value in known {
                            if !seen.iter().any(|s| s == value) {
                                seen.push(value.to_owned());
                            }
                        }
                    }
                    _ => *seen = None,
                },
            }
        }
    }
    order
        .into_iter()
        .map(|name| {
            let values = values.remove(&name).flatten();
            CatalogLabel { name, values }
        })
        .collect()
}

/// One definition's labels with the values each can take, when known.
fn definition_labels(d: &'static Descriptor) -> Vec<(&'static str, Option<Vec<&'static str>>)> {
    let mut out: Vec<(&'static str, Option<Vec<&'static str>>)> =
        d.labels.iter().map(|&(k, v)| (k, Some(vec![v]))).collect();
    let extra = d.source.extra_label_names();
    if d.source.grows_at_run_time() {
        let closed = d.source.closed_label_values();
        out.extend(extra.iter().copied().zip(closed));
    } else {
        // Fixed storage shows every value it has.
        let mut seen: Vec<Vec<&'static str>> = vec![Vec::new(); extra.len()];
        d.source.visit(&mut |values, _| {
            for (seen, value) in seen.iter_mut().zip(values) {
                if !seen.contains(value) {
                    seen.push(value);
                }
            }
        });
        out.extend(extra.iter().copied().zip(seen.into_iter().map(Some)));
    }
    out
}

/// The instrumented functions among a family's definitions.
fn functions(definitions: &[&'static Descriptor]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in definitions {
        if let Some((module, function)) = d.function() {
            let path = format!("{module}::{function}");
            if !out.contains(&path) {
                out.push(path);
            }
        }
    }
    out
}

impl Catalog {
    /// The metric called `name`, as the text formats show it.
    #[must_use]
    pub fn metric(&self, name: &str) -> Option<&CatalogMetric> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// This catalog with only the metrics `keep` accepts: to check the contract of one's
    /// own metrics, apart from meterbox's and other libraries'.
    #[must_use]
    pub fn only(mut self, keep: impl Fn(&CatalogMetric) -> bool) -> Self {
        self.metrics.retain(|m| keep(m));
        self
    }

    /// As JSON, sites included.
    #[must_use]
    pub fn to_json(&self) -> String {
        // Strings, numbers-free structs and a derived enum: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// As a Markdown table, for a README or a review.
    #[must_use]
    pub fn to_markdown(&self) -> String {
        markdown::table(self)
    }
}
