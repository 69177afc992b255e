//! Definitions of one name that disagree, and how they are reported.

use core::fmt;
use std::collections::{BTreeMap, HashSet};

use super::layout::{all_labels, cell_shape, label_text, Entry};
use crate::intern::intern;
use crate::metrics::MetricRef;
use crate::naming::conflict_candidate;
use crate::registry::Descriptor;

/// Two definitions of one metric name that disagree.
///
/// Nothing is left out of the exposition because of one: definitions that differ only in
/// help or unit share the family (the first one's help and unit are shown), and one that
/// cannot share it (another type, other buckets for the same series, or sample names that
/// another family uses) is exposed under a name of its own, [`Conflict::exposed_as`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The metric name both define.
    pub name: &'static str,
    /// What differs: `type`, `help`, `unit`, `buckets`, `quantiles`, or `name` (the two
    /// names differ but would expose the same sample or family names, as a gauge `lat_count`
    /// beside a histogram `lat`).
    pub what: &'static str,
    /// `file:line` of the definition that keeps the name and whose metadata is shown.
    pub kept: String,
    /// `file:line` of the other definition.
    pub other: String,
    /// The name the other definition's series are exposed under, when they cannot share
    /// the name: `<name>_conflict<n>`, before the unit and `_total`.
    pub exposed_as: Option<String>,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.what == "name" {
            write!(
                f,
                "metric `{}` defined at {} would read as part of the family defined at {}; ",
                self.name, self.other, self.kept
            )?;
        } else {
            write!(
                f,
                "metric `{}` is defined with different {} at {} and at {}; ",
                self.name, self.what, self.kept, self.other
            )?;
        }
        match &self.exposed_as {
            Some(renamed) => write!(
                f,
                "the series defined at {} are exposed as `{renamed}`",
                self.other
            ),
            None => write!(f, "the {} defined at {} is shown", self.what, self.kept),
        }
    }
}

impl std::error::Error for Conflict {}

/// Reports every pair of definitions that share a name but disagree on type, help or unit,
/// that define one series (same labels) with different histogram buckets or summary
/// quantiles, or whose names would expose the same samples.
///
/// Exposition never fails on a conflict and never leaves a series out: see [`Conflict`].
/// Each conflict is written to stderr once, and `meterbox_definition_conflicts{metric,what}`
/// counts them for alerts. Call `check()` in a test to turn conflicts into a failure:
///
/// ```
/// assert_eq!(meterbox::check(), Ok(()));
/// ```
///
/// Definitions of one name with different label names are no conflict: both text formats
/// allow the series of a family to carry different labels, and they are exposed side by side.
///
/// # Errors
///
/// Every conflict found, in the order of the definitions' sites.
pub fn check() -> Result<(), Vec<Conflict>> {
    let conflicts = &super::layout::layout().conflicts;
    if conflicts.is_empty() {
        Ok(())
    } else {
        Err(conflicts.clone())
    }
}

/// Help or unit, when `d` differs from the family's first definition in one of them.
pub(super) fn metadata_difference(first: &Descriptor, d: &Descriptor) -> Option<&'static str> {
    if first.help != d.help {
        Some("help")
    } else if first.unit != d.unit {
        Some("unit")
    } else {
        None
    }
}

/// `buckets` (or `quantiles`) when a series of `d` is already in `entry` with other ones.
pub(super) fn layout_clash(entry: &Entry, d: &'static Descriptor) -> Option<&'static str> {
    if d.source.grows_at_run_time() {
        return None;
    }
    let mut clash = None;
    d.source.visit(&mut |extra, cell| {
        let text = label_text(&all_labels(d, extra));
        let Some(existing) = entry.series.get(&text).and_then(|s| s.cells.first()) else {
            return;
        };
        if cell_shape(cell) != cell_shape(*existing) {
            clash = Some(match cell {
                MetricRef::Summary(_) => "quantiles",
                _ => "buckets",
            });
        }
    });
    clash
}

/// The name the `n`th clashing definition of `name` is exposed under:
/// `<stem>_conflict<n>`, then the unit and, for a counter, `_total`, so the name still
/// follows the conventions; never a name that is otherwise defined.
pub(super) fn conflict_name(
    name: &'static str,
    d: &Descriptor,
    mut n: usize,
    defined: &HashSet<&'static str>,
    families: &BTreeMap<&'static str, Entry>,
) -> &'static str {
    loop {
        let candidate = conflict_candidate(name, d.unit, d.kind(), n);
        if !defined.contains(candidate.as_str()) && !families.contains_key(candidate.as_str()) {
            return intern(&candidate);
        }
        n += 1;
    }
}
