//! What a family's children are, and how a family shows them to the encoders.

use std::sync::OnceLock;

use super::{Counter, Gauge, Histogram, Meter, Summary};
use crate::metrics::{Collect, Kind, MetricRef};

/// What the families share: children of one type, each under a set of label values. Their
/// `Collect` follows from it, through `collect_children!`.
pub(crate) trait LabelledChildren: Sync + 'static {
    /// The children's type.
    type Child: ChildMetric;
    /// The child whose settings new children copy.
    fn prototype(&self) -> &Self::Child;
    /// The label names the family adds.
    fn keys(&'static self) -> &'static [&'static str];
    /// Every child, with its label values.
    fn for_each_child(&'static self, f: &mut dyn FnMut(&[&'static str], &'static Self::Child));
    /// Lookups sent to the overflow child.
    fn dropped(&'static self) -> &'static Counter;
    /// A number that grows with the children: see [`Collect::growth`].
    fn growth(&'static self) -> u64;
    /// The caches the exposition needs.
    fn caches(&'static self) -> &'static FamilyCaches;
    /// The values each of [`LabelledChildren::keys`] can take, when they are known in
    /// advance.
    fn closed_key_values(&'static self) -> Option<Vec<Vec<&'static str>>> {
        None
    }
}

/// A family's label names joined with its children's, and its companion view.
pub(crate) struct FamilyCaches {
    names: OnceLock<Box<[&'static str]>>,
    companion: CompanionFamily,
}

impl FamilyCaches {
    pub const fn new() -> Self {
        Self {
            names: OnceLock::new(),
            companion: CompanionFamily::new(),
        }
    }
}

/// `Collect` for a family, from its `LabelledChildren`: one impl per family type rather than a blanket
/// one, so that a type that is no metric is reported against `Collect` alone, never against
/// this internal trait.
macro_rules! collect_children {
    ([$($generics:tt)*] $family:ty) => {
        impl<$($generics)*> $crate::metrics::Collect for $family {
            fn kind(&self) -> $crate::metrics::Kind {
                $crate::metrics::child::LabelledChildren::prototype(self).kind()
            }

            fn extra_label_names(&'static self) -> &'static [&'static str] {
                $crate::metrics::child::children_label_names(self)
            }

            fn grows_at_run_time(&self) -> bool {
                true
            }

            fn growth(&'static self) -> Option<u64> {
                Some($crate::metrics::child::LabelledChildren::growth(self))
            }

            fn visit(
                &'static self,
                visit: &mut dyn FnMut(&[&'static str], $crate::metrics::MetricRef),
            ) {
                $crate::metrics::child::children_refs(self, visit);
            }

            fn dropped_label_sets(&'static self) -> Option<&'static $crate::metrics::Counter> {
                Some($crate::metrics::child::LabelledChildren::dropped(self))
            }

            fn companion(&'static self) -> Option<&'static dyn $crate::metrics::Collect> {
                $crate::metrics::child::children_companion(self)
            }

            fn closed_label_values(&'static self) -> Vec<Option<Vec<&'static str>>> {
                $crate::metrics::child::children_closed_values(self)
            }
        }
    };
}
pub(crate) use collect_children;

pub(crate) fn children_label_names<T: LabelledChildren>(
    family: &'static T,
) -> &'static [&'static str] {
    let extra = family.prototype().extra_label_names();
    joined_names(family.keys(), extra, &family.caches().names)
}

pub(crate) fn children_refs<T: LabelledChildren>(
    family: &'static T,
    visit: &mut dyn FnMut(&[&'static str], MetricRef),
) {
    let mut joined = Vec::new();
    family.for_each_child(&mut |values, child| visit_child(values, child, &mut joined, visit));
}

pub(crate) fn children_closed_values<T: LabelledChildren>(
    family: &'static T,
) -> Vec<Option<Vec<&'static str>>> {
    let keys = family.keys().len();
    let mut values: Vec<Option<Vec<&'static str>>> = match family.closed_key_values() {
        Some(closed) => closed.into_iter().map(Some).collect(),
        None => vec![None; keys],
    };
    // A child's own labels (a call counter's `result`) are open as far as the family knows.
    values.resize(children_label_names(family).len(), None);
    values
}

pub(crate) fn children_companion<T: LabelledChildren>(
    family: &'static T,
) -> Option<&'static dyn Collect> {
    family.prototype().companion()?;
    Some(family.caches().companion.attach(family))
}

impl<T: LabelledChildren> ChildCompanions for T {
    fn companion_kind(&'static self) -> Kind {
        self.prototype()
            .companion()
            .map_or(Kind::Gauge, Collect::kind)
    }

    fn companion_names(&'static self) -> &'static [&'static str] {
        let extra = self
            .prototype()
            .companion()
            .map_or(&[][..], |c| c.extra_label_names());
        let cache = &self.caches().companion.names;
        joined_names(self.keys(), extra, cache)
    }

    fn companion_growth(&'static self) -> u64 {
        self.growth()
    }

    fn companion_cells(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        let mut joined = Vec::new();
        self.for_each_child(&mut |values, child| {
            if let Some(companion) = child.companion() {
                visit_child(values, companion, &mut joined, visit);
            }
        });
    }
}

/// A metric type that can be a family's child.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a family's child",
    label = "a family's children are Counter, Gauge, Histogram, Summary, Meter or ShardedCounter"
)]
pub trait ChildMetric: Collect + Sized + Send + Sync + 'static {
    /// A fresh value at zero with default settings, for `Family::new`.
    #[allow(clippy::declare_interior_mutable_const)] // a template, copied on each use
    const ZERO: Self;

    /// A new child at zero with this one's settings (a histogram's buckets).
    #[must_use]
    fn fresh(&self) -> Self;

    /// Puts the child back at zero, keeping its settings: what removing a series does, so
    /// that a handle kept to it still records, into a series that starts again at zero.
    #[doc(hidden)]
    fn reset(&self);

    /// A number that changes whenever the child records, and is 0 at zero: whether a
    /// removed series was used again, or an expiring one was used lately.
    #[doc(hidden)]
    fn activity(&self) -> u64;
}

impl ChildMetric for Counter {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = Counter::new();
    fn fresh(&self) -> Self {
        Counter::new()
    }
    fn reset(&self) {
        Counter::reset(self);
        super::exemplar::forget(super::recording::address(self));
    }
    fn activity(&self) -> u64 {
        self.get()
    }
}

impl ChildMetric for super::MeasuredCounter {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = super::MeasuredCounter::new();
    fn fresh(&self) -> Self {
        super::MeasuredCounter::new()
    }
    fn reset(&self) {
        super::MeasuredCounter::reset(self);
    }
    fn activity(&self) -> u64 {
        self.get().to_bits()
    }
}

impl ChildMetric for Gauge {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = Gauge::new();
    fn fresh(&self) -> Self {
        Gauge::new()
    }
    fn reset(&self) {
        self.set(0.0);
    }
    fn activity(&self) -> u64 {
        self.get().to_bits()
    }
}

impl ChildMetric for Histogram {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = Histogram::for_durations();
    fn fresh(&self) -> Self {
        Histogram::new(self.bounds())
    }
    fn reset(&self) {
        Histogram::reset(self);
        super::exemplar::forget(super::recording::address(self));
    }
    fn activity(&self) -> u64 {
        self.count()
    }
}

impl ChildMetric for super::ShardedCounter {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = super::ShardedCounter::new();
    fn fresh(&self) -> Self {
        super::ShardedCounter::new()
    }
    fn reset(&self) {
        super::ShardedCounter::reset(self);
    }
    fn activity(&self) -> u64 {
        self.get()
    }
}

impl ChildMetric for Meter {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = Meter::new();
    fn fresh(&self) -> Self {
        self.settings()
    }
    fn reset(&self) {
        Meter::reset(self);
    }
    fn activity(&self) -> u64 {
        self.count()
    }
}

impl ChildMetric for Summary {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = Summary::new();
    fn fresh(&self) -> Self {
        self.settings()
    }
    fn reset(&self) {
        Summary::reset(self);
    }
    fn activity(&self) -> u64 {
        self.count()
    }
}

/// A family's label names followed by those its children add (a call counter's `result`),
/// joined once.
fn joined_names(
    own: &'static [&'static str],
    extra: &'static [&'static str],
    cache: &'static OnceLock<Box<[&'static str]>>,
) -> &'static [&'static str] {
    if extra.is_empty() {
        return own;
    }
    cache.get_or_init(|| own.iter().chain(extra).copied().collect())
}

/// Shows one child's cells under the family's label values followed by the child's own.
fn visit_child(
    values: &[&'static str],
    child: &'static dyn Collect,
    joined: &mut Vec<&'static str>,
    visit: &mut dyn FnMut(&[&'static str], MetricRef),
) {
    child.visit(&mut |extra, cell| {
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

/// What a family does to expose its children's companions (a family of meters' rates).
pub(crate) trait ChildCompanions: Sync {
    /// The companions' kind.
    fn companion_kind(&'static self) -> Kind;
    /// The family's label names, then the companions' own.
    fn companion_names(&'static self) -> &'static [&'static str];
    /// Every child's companion cells under the family's label values.
    fn companion_cells(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef));
    /// The family's growth: its children's are the companions'.
    fn companion_growth(&'static self) -> u64;
}

/// The companion family of a family: registered as its own family by the exposition, read
/// through the family it belongs to, which attaches itself on first use.
#[derive(Default)]
pub(crate) struct CompanionFamily {
    parent: OnceLock<&'static dyn ChildCompanions>,
    names: OnceLock<Box<[&'static str]>>,
}

impl CompanionFamily {
    pub const fn new() -> Self {
        Self {
            parent: OnceLock::new(),
            names: OnceLock::new(),
        }
    }

    pub fn attach(&'static self, parent: &'static dyn ChildCompanions) -> &'static dyn Collect {
        self.parent.get_or_init(|| parent);
        self
    }
}

impl Collect for CompanionFamily {
    fn kind(&self) -> Kind {
        self.parent
            .get()
            .map_or(Kind::Gauge, |p| p.companion_kind())
    }
    fn extra_label_names(&'static self) -> &'static [&'static str] {
        self.parent.get().map_or(&[], |p| p.companion_names())
    }
    fn grows_at_run_time(&self) -> bool {
        true
    }
    fn growth(&'static self) -> Option<u64> {
        Some(self.parent.get().map_or(0, |p| p.companion_growth()))
    }
    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        if let Some(parent) = self.parent.get() {
            parent.companion_cells(visit);
        }
    }
}
