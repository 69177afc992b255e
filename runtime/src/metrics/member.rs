//! What a family's children are, and how a family shows them to the encoders.

use std::sync::OnceLock;

use super::{Counter, Gauge, Histogram, Summary};
use crate::registry::{Cell, Collect};

/// A metric type that can be a family's child.
pub trait Member: Collect + Sized + Send + Sync + 'static {
    /// A fresh value at zero with default settings, for `Family::new`.
    #[allow(clippy::declare_interior_mutable_const)] // a template, copied on each use
    const ZERO: Self;

    /// A new child at zero with this one's settings (a histogram's buckets).
    #[must_use]
    fn fresh(&self) -> Self;
}

impl Member for Counter {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = Counter::new();
    fn fresh(&self) -> Self {
        Counter::new()
    }
}

impl Member for Gauge {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = Gauge::new();
    fn fresh(&self) -> Self {
        Gauge::new()
    }
}

impl Member for Histogram {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = Histogram::for_durations();
    fn fresh(&self) -> Self {
        Histogram::new(self.bounds())
    }
}

impl Member for Summary {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = Summary::new();
    fn fresh(&self) -> Self {
        self.settings()
    }
}

/// A family's label names followed by those its children add (a call counter's `result`),
/// joined once.
pub(crate) fn joined_names<M: Member>(
    own: &'static [&'static str],
    prototype: &'static M,
    cache: &'static OnceLock<Box<[&'static str]>>,
) -> &'static [&'static str] {
    let extra = prototype.extra_label_names();
    if extra.is_empty() {
        return own;
    }
    cache.get_or_init(|| own.iter().chain(extra).copied().collect())
}

/// Shows one child's cells under the family's label values followed by the child's own.
pub(crate) fn visit_child<M: Member>(
    values: &[&'static str],
    child: &'static M,
    joined: &mut Vec<&'static str>,
    visit: &mut dyn FnMut(&[&'static str], Cell),
) {
    child.cells(&mut |extra, cell| {
        if extra.is_empty() {
            visit(values, cell);
        } else {
            joined.clear();
            joined.extend_from_slice(values);
            joined.extend_from_slice(extra);
            visit(joined, cell);
        }
    });
}

/// Checks label names in a const context, so that a bad one in a `static` fails to compile.
pub(crate) const fn check_label_names(names: &[&str]) {
    let mut i = 0;
    while i < names.len() {
        let name = names[i].as_bytes();
        assert!(!name.is_empty(), "meterbox: a label name cannot be empty");
        assert!(
            !(name.len() >= 2 && name[0] == b'_' && name[1] == b'_'),
            "meterbox: label names starting with `__` are reserved"
        );
        assert!(
            !eq(name, b"le"),
            "meterbox: the label name `le` is reserved for histogram buckets"
        );
        assert!(
            !eq(name, b"quantile"),
            "meterbox: the label name `quantile` is reserved for summaries"
        );
        let mut j = 0;
        while j < name.len() {
            let c = name[j];
            let ok = c.is_ascii_alphabetic() || c == b'_' || (j > 0 && c.is_ascii_digit());
            assert!(
                ok,
                "meterbox: label names are ASCII letters, digits and `_`, not starting with a digit"
            );
            j += 1;
        }
        let mut k = 0;
        while k < i {
            assert!(
                !eq(names[k].as_bytes(), name),
                "meterbox: a family's label names must differ"
            );
            k += 1;
        }
        i += 1;
    }
}

const fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
