//! A family keyed by a typed label set: an array when every label has a closed set of
//! values, the text-keyed children otherwise.

use core::marker::PhantomData;
use std::sync::OnceLock;

use super::children::Children;
use super::member::{
    check_label_names, joined_names, visit_child, CompanionView, Companions, Member,
};
use super::Counter;
use crate::labels::LabelSet;
use crate::registry::{Cell, Collect, Kind};

/// Metrics of one name told apart by the fields of a [`LabelSet`], declared as a `static`.
///
/// When every field of `L` has a closed set of values (enums with `#[derive(LabelValue)]`,
/// `bool`) and there are no more label sets than the family's limit, the children are an
/// array indexed by the label set: `with` is a multiply-add and a load, with no hashing, no
/// lock and no allocation after the first call. Every child of such a family is exposed,
/// at zero until used, so no series appears out of nowhere.
///
/// Otherwise (a text or integer field), children are created on first use as in
/// [`Family`](crate::Family), under the same limit and overflow series.
///
/// See [`LabelSet`] for an example.
pub struct TypedFamily<M: Member, L: LabelSet> {
    prototype: M,
    array: OnceLock<&'static [M]>,
    children: Children<M>,
    joined_names: OnceLock<Box<[&'static str]>>,
    companion: CompanionView,
    labels: PhantomData<fn(&L)>,
}

impl<M: Member, L: LabelSet> TypedFamily<M, L> {
    /// A family of children with `M`'s default settings.
    ///
    /// # Panics
    ///
    /// When a label name is reserved or repeated; in a `static` this is a compile-time error.
    #[must_use]
    pub const fn new() -> Self {
        Self::with_prototype(M::ZERO)
    }

    /// A family whose children take their settings from `prototype`, such as a histogram's
    /// buckets.
    ///
    /// # Panics
    ///
    /// As [`TypedFamily::new`].
    #[must_use]
    pub const fn with_prototype(prototype: M) -> Self {
        check_label_names(L::NAMES);
        Self {
            prototype,
            array: OnceLock::new(),
            children: Children::new(),
            joined_names: OnceLock::new(),
            companion: CompanionView::new(),
            labels: PhantomData,
        }
    }

    /// The same family with at most `limit` children besides the overflow series (at most
    /// 2^20). A closed label set with more combinations than this is kept as open children.
    #[must_use]
    pub const fn with_limit(mut self, limit: usize) -> Self {
        self.children.set_limit(limit);
        self
    }

    /// The number of array slots, when the label set is closed and small enough.
    #[inline(always)]
    fn array_len(&self) -> Option<usize> {
        L::CARDINALITY.filter(|&n| n <= self.children.limit())
    }

    /// The child for these labels, created at zero on first use. The handle lives as long
    /// as the program: keep it to skip the lookup.
    #[inline]
    pub fn with(&self, labels: &L) -> &'static M {
        if let Some(len) = self.array_len() {
            let array = self.array(len);
            // `index` is below the cardinality for derived label sets; a hand-written one
            // that strays lands on the last child rather than panicking.
            return &array[labels.index().min(len - 1)];
        }
        labels.with_values(|values| self.children.get_slice(values, || self.prototype.fresh()))
    }

    #[inline(always)]
    fn array(&self, len: usize) -> &'static [M] {
        // Leaked, like every family child, so handles can be `'static`; made once.
        self.array.get_or_init(|| {
            (0..len)
                .map(|_| self.prototype.fresh())
                .collect::<Vec<M>>()
                .leak()
        })
    }

    /// How many `with` calls were sent to the overflow series.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.children.dropped().get()
    }
}

impl<M: Member, L: LabelSet> Default for TypedFamily<M, L> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Member, L: LabelSet + 'static> Collect for TypedFamily<M, L> {
    fn kind(&self) -> Kind {
        self.prototype.kind()
    }

    fn extra_label_names(&'static self) -> &'static [&'static str] {
        joined_names(
            L::NAMES,
            self.prototype.extra_label_names(),
            &self.joined_names,
        )
    }

    fn is_dynamic(&self) -> bool {
        true
    }

    fn cells(&'static self, visit: &mut dyn FnMut(&[&'static str], Cell)) {
        let mut joined = Vec::new();
        self.for_each_child(|values, child| visit_child(values, child, &mut joined, visit));
    }

    fn dropped_label_sets(&'static self) -> Option<&'static Counter> {
        Some(self.children.dropped())
    }

    fn companion(&'static self) -> Option<&'static dyn Collect> {
        self.prototype.companion()?;
        Some(self.companion.attach(self))
    }
}

impl<M: Member, L: LabelSet + 'static> TypedFamily<M, L> {
    /// Every child with its label values.
    fn for_each_child(&'static self, mut f: impl FnMut(&[&'static str], &'static M)) {
        if let Some(len) = self.array_len() {
            // Every child, so series exist from the start; the array appears on first
            // render if no call made it yet.
            let array = self.array(len);
            let mut values = Vec::with_capacity(L::NAMES.len());
            for (index, child) in array.iter().enumerate() {
                values.clear();
                L::values_at(index, &mut values);
                f(&values, child);
            }
            return;
        }
        self.children.for_each(f);
    }
}

impl<M: Member, L: LabelSet + 'static> Companions for TypedFamily<M, L> {
    fn companion_kind(&'static self) -> Kind {
        self.prototype
            .companion()
            .map_or(Kind::Gauge, Collect::kind)
    }

    fn companion_names(&'static self) -> &'static [&'static str] {
        let extra = self
            .prototype
            .companion()
            .map_or(&[][..], |c| c.extra_label_names());
        joined_names(L::NAMES, extra, &self.companion.names)
    }

    fn companion_cells(&'static self, visit: &mut dyn FnMut(&[&'static str], Cell)) {
        let mut joined = Vec::new();
        self.for_each_child(|values, child| {
            if let Some(companion) = child.companion() {
                visit_child(values, companion, &mut joined, visit);
            }
        });
    }
}

impl<M: Member, L: LabelSet> core::fmt::Debug for TypedFamily<M, L> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TypedFamily")
            .field("label_names", &L::NAMES)
            .field("array", &self.array_len().is_some())
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}
