//! The collection model: every definition, linked or registered at run time, laid out as
//! the exposition shows it. Families are sorted and named, series merged, conflicts found
//! and resolved, so that the snapshot and every encoder read one agreed picture.

mod companions;
mod conflict;
mod layout;
mod series;
pub(crate) mod values;

pub use conflict::Conflict;
pub(crate) use layout::{layout, FamilyLayout, Layout};
pub(crate) use series::{label_text, SeriesLayout};

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
    let conflicts = &layout::layout().conflicts;
    if conflicts.is_empty() {
        Ok(())
    } else {
        Err(conflicts.clone())
    }
}
