//! The contract check: the catalog against a committed file. What would break a dashboard or
//! an alert that reads the old metrics (a metric, label, label value or function gone, a type
//! or unit changed) fails, each change named; additions pass.

use std::fmt;
use std::path::{Path, PathBuf};

use super::{Catalog, CatalogMetric};
use crate::metrics::Kind;

/// The environment variable that makes [`Catalog::check_contract`] write the file instead
/// of comparing with it: `METERBOX_UPDATE_CATALOG=1 cargo test`.
pub const UPDATE_VARIABLE: &str = "METERBOX_UPDATE_CATALOG";

/// One change from the contract that breaks its readers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// A metric is gone; `renamed_to` is a new metric of the same type and labels, if there
    /// is exactly one.
    MetricRemoved {
        /// The metric.
        metric: String,
        /// Its likely new name.
        renamed_to: Option<String>,
    },
    /// A metric's type changed.
    TypeChanged {
        /// The metric.
        metric: String,
        /// The type in the contract.
        was: Kind,
        /// The type now.
        now: Kind,
    },
    /// A metric's unit changed.
    UnitChanged {
        /// The metric.
        metric: String,
        /// The unit in the contract.
        was: String,
        /// The unit now.
        now: String,
    },
    /// A label of a metric is gone; `renamed_to` is the one new label, if there is exactly
    /// one.
    LabelRemoved {
        /// The metric.
        metric: String,
        /// The label.
        label: String,
        /// Its likely new name.
        renamed_to: Option<String>,
    },
    /// A value a label was known to take is gone.
    LabelValueRemoved {
        /// The metric.
        metric: String,
        /// The label.
        label: String,
        /// The value.
        value: String,
    },
    /// An instrumented function no longer records into a metric.
    FunctionRemoved {
        /// The metric.
        metric: String,
        /// The function, as `module::function`.
        function: String,
    },
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let renamed = |to: &Option<String>| {
            to.as_ref()
                .map(|to| format!(" (renamed to `{to}`?)"))
                .unwrap_or_default()
        };
        match self {
            Change::MetricRemoved { metric, renamed_to } => {
                write!(f, "metric `{metric}` was removed{}", renamed(renamed_to))
            }
            Change::TypeChanged { metric, was, now } => write!(
                f,
                "metric `{metric}` changed type from {} to {}",
                was.as_str(),
                now.as_str()
            ),
            Change::UnitChanged { metric, was, now } => {
                write!(f, "metric `{metric}` changed unit from `{was}` to `{now}`")
            }
            Change::LabelRemoved {
                metric,
                label,
                renamed_to,
            } => write!(
                f,
                "label `{label}` of `{metric}` was removed{}",
                renamed(renamed_to)
            ),
            Change::LabelValueRemoved {
                metric,
                label,
                value,
            } => write!(f, "label `{label}` of `{metric}` no longer takes `{value}`"),
            Change::FunctionRemoved { metric, function } => {
                write!(f, "function `{function}` no longer records `{metric}`")
            }
        }
    }
}

/// Why a contract check failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ContractError {
    /// The catalog breaks the contract in these ways.
    Broken {
        /// The contract's file.
        path: PathBuf,
        /// Every breaking change, metric by metric.
        changes: Vec<Change>,
    },
    /// There is no contract file yet.
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        error: std::io::Error,
    },
    /// The file is not a catalog.
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let update = format!("run with {UPDATE_VARIABLE}=1 to write the catalog as it is now");
        match self {
            ContractError::Broken { path, changes } => {
                writeln!(f, "the metrics break their contract in {}:", path.display())?;
                for change in changes {
                    writeln!(f, "  - {change}")?;
                }
                write!(f, "if that is intended, {update}")
            }
            ContractError::Missing { path } => {
                write!(f, "no metrics contract at {}: {update}", path.display())
            }
            ContractError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            ContractError::Invalid { path, reason } => {
                write!(f, "{} is not a metrics catalog: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for ContractError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ContractError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl Catalog {
    /// The catalog as its contract file holds it: without the sites, which move with every
    /// edit above them.
    #[must_use]
    pub fn contract(&self) -> Catalog {
        let mut contract = self.clone();
        for metric in &mut contract.metrics {
            metric.defined_at.clear();
        }
        contract
    }

    /// Compares this catalog with the contract committed at `path` (for example
    /// `metrics.catalog.json`, relative to the crate when run by `cargo test`). With
    /// [`UPDATE_VARIABLE`] set, writes the file instead.
    ///
    /// ```no_run
    /// #[test]
    /// fn metrics_keep_their_contract() {
    ///     let mine = meterbox::catalog().only(|m| m.name.starts_with("shop_"));
    ///     if let Err(e) = mine.check_contract("metrics.catalog.json") {
    ///         panic!("{e}");
    ///     }
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ContractError::Broken`] naming every change that would break a reader of the old
    /// metrics: a metric, label, label value or instrumented function gone, a type or unit
    /// changed. New metrics, labels and values pass, as does new help. Also when the file is
    /// missing, unreadable, or not a catalog.
    pub fn check_contract(&self, path: impl AsRef<Path>) -> Result<(), ContractError> {
        let path = path.as_ref();
        if std::env::var_os(UPDATE_VARIABLE).is_some_and(|v| !v.is_empty() && v != "0") {
            return std::fs::write(path, self.contract().to_json() + "\n").map_err(|error| {
                ContractError::Io {
                    path: path.to_owned(),
                    error,
                }
            });
        }
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ContractError::Missing {
                    path: path.to_owned(),
                })
            }
            Err(error) => {
                return Err(ContractError::Io {
                    path: path.to_owned(),
                    error,
                })
            }
        };
        let old: Catalog = serde_json::from_str(&text).map_err(|e| ContractError::Invalid {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let changes = breaking_changes(&old, self);
        if changes.is_empty() {
            Ok(())
        } else {
            Err(ContractError::Broken {
                path: path.to_owned(),
                changes,
            })
        }
    }
}

/// What in `now` breaks a reader of `old`, metric by metric in the contract's order.
pub(super) fn breaking_changes(old: &Catalog, now: &Catalog) -> Vec<Change> {
    let mut changes = Vec::new();
    let added: Vec<&CatalogMetric> = now
        .metrics
        .iter()
        .filter(|m| old.metric(&m.name).is_none())
        .collect();
    for was in &old.metrics {
        let Some(is) = now.metric(&was.name) else {
            let alike: Vec<&&CatalogMetric> = added
                .iter()
                .filter(|m| m.kind == was.kind && label_names(m) == label_names(was))
                .collect();
            changes.push(Change::MetricRemoved {
                metric: was.name.clone(),
                renamed_to: only(&alike).map(|m| m.name.clone()),
            });
            continue;
        };
        let metric = || was.name.clone();
        if was.kind != is.kind {
            changes.push(Change::TypeChanged {
                metric: metric(),
                was: was.kind,
                now: is.kind,
            });
        }
        if was.unit != is.unit {
            changes.push(Change::UnitChanged {
                metric: metric(),
                was: was.unit.clone(),
                now: is.unit.clone(),
            });
        }
        let new_labels: Vec<&str> = label_names(is)
            .into_iter()
            .filter(|n| !label_names(was).contains(n))
            .collect();
        for label in &was.labels {
            let Some(kept) = is.labels.iter().find(|l| l.name == label.name) else {
                changes.push(Change::LabelRemoved {
                    metric: metric(),
                    label: label.name.clone(),
                    renamed_to: only(&new_labels).map(|n| (*n).to_owned()),
                });
                continue;
            };
            // An instrumented function's labels say what `functions` says, which reports it.
            let names_functions =
                !was.functions.is_empty() && matches!(label.name.as_str(), "function" | "module");
            // Values open now take every value; values known now must include the old.
            if let (Some(before), Some(after), false) =
                (&label.values, &kept.values, names_functions)
            {
                for value in before.iter().filter(|v| !after.contains(v)) {
                    changes.push(Change::LabelValueRemoved {
                        metric: metric(),
                        label: label.name.clone(),
                        value: value.clone(),
                    });
                }
            }
        }
        for function in was.functions.iter().filter(|f| !is.functions.contains(f)) {
            changes.push(Change::FunctionRemoved {
                metric: metric(),
                function: function.clone(),
            });
        }
    }
    changes
}

fn label_names(metric: &CatalogMetric) -> Vec<&str> {
    metric.labels.iter().map(|l| l.name.as_str()).collect()
}

/// The one item of `items`, if there is exactly one.
fn only<T>(items: &[T]) -> Option<&T> {
    match items {
        [one] => Some(one),
        _ => None,
    }
}
