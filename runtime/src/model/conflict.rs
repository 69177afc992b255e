//! Definitions of one name that disagree, and how they are reported.

use core::fmt;

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
