//! A family keyed by a typed label set: an array when every label has a closed set of
//! values, the text-keyed children otherwise.

use core::marker::PhantomData;
use std::sync::OnceLock;

use super::child::{ChildMetric, FamilyCaches, LabelledChildren};
use super::children::Children;
use super::Counter;
use crate::labels::LabelSet;
use crate::sanitize::check_label_names;

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
pub struct TypedFamily<M: ChildMetric, L: LabelSet> {
    prototype: M,
    array: OnceLock<&'static [M]>,
    children: Children<M>,
    caches: FamilyCaches,
    labels: PhantomData<fn(&L)>,
}

impl<M: ChildMetric, L: LabelSet> TypedFamily<M, L> {
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
            caches: FamilyCaches::new(),
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
        if !crate::ENABLED {
            return self
                .children
                .overflow(L::NAMES.len(), || self.prototype.fresh());
        }
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

    /// Removes the series of `labels` from every format, back at zero, and says whether
    /// it was shown. Used again (through `with` or a kept handle), it comes back from zero.
    ///
    /// In a family whose label sets are all known in advance (an array, see above), every
    /// series is always shown: the child is set back to zero and stays, and this returns
    /// `true`.
    ///
    /// ```
    /// use meterbox::{metric, Gauge, LabelSet, TypedFamily};
    ///
    /// #[derive(LabelSet)]
    /// struct Queue<'a> {
    ///     queue: &'a str,
    /// }
    ///
    /// /// Jobs waiting, by queue.
    /// #[metric]
    /// static QUEUE_DEPTH: TypedFamily<Gauge, Queue<'static>> = TypedFamily::new();
    ///
    /// QUEUE_DEPTH.with(&Queue { queue: "mail" }).set(3.0);
    /// QUEUE_DEPTH.with(&Queue { queue: "sms" }).set(1.0);
    /// assert!(QUEUE_DEPTH.remove(&Queue { queue: "sms" })); // the queue was deleted
    /// let text = meterbox::render(meterbox::Format::Prometheus);
    /// assert!(text.contains("queue_depth{queue=\"mail\"} 3"));
    /// assert!(!text.contains("sms"));
    /// ```
    pub fn remove(&self, labels: &L) -> bool {
        if crate::ENABLED {
            if let Some(len) = self.array_len() {
                // As in `with`: a stray index lands on the last child.
                let index = labels.index().min(len.saturating_sub(1));
                if let Some(child) = self.array.get().and_then(|array| array.get(index)) {
                    child.reset();
                }
                return true;
            }
        }
        labels.with_values(|values| self.children.remove(values))
    }

    /// Removes every series, as [`TypedFamily::remove`] does.
    pub fn clear(&'static self) {
        if let Some(array) = self.array.get() {
            array.iter().for_each(ChildMetric::reset);
        }
        self.children.clear();
    }

    /// How many label sets have a child: every one in an array family, those used so far
    /// otherwise (not counting the overflow series).
    #[must_use]
    pub fn len(&self) -> usize {
        match self.array_len() {
            Some(len) if crate::ENABLED => len,
            _ => self.children.len(),
        }
    }

    /// Whether no label set has a child yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many `with` calls were sent to the overflow series.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.children.dropped().get()
    }
}

impl<M: ChildMetric, L: LabelSet> Default for TypedFamily<M, L> {
    fn default() -> Self {
        Self::new()
    }
}

crate::metrics::child::collect_children!([M: ChildMetric, L: LabelSet + 'static] TypedFamily<M, L>);

impl<M: ChildMetric, L: LabelSet + 'static> LabelledChildren for TypedFamily<M, L> {
    type Child = M;
    fn prototype(&self) -> &M {
        &self.prototype
    }
    fn keys(&'static self) -> &'static [&'static str] {
        L::NAMES
    }
    /// In an array family, every child, so series exist from the start (the array appears
    /// on first render if no call made it yet).
    fn for_each_child(&'static self, f: &mut dyn FnMut(&[&'static str], &'static M)) {
        if let Some(len) = self.array_len() {
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
    fn dropped(&'static self) -> &'static Counter {
        self.children.dropped()
    }
    fn growth(&'static self) -> u64 {
        // The array is made once, all of its children at once.
        self.children.growth() + u64::from(self.array.get().is_some())
    }
    fn caches(&'static self) -> &'static FamilyCaches {
        &self.caches
    }
    fn closed_key_values(&'static self) -> Option<Vec<Vec<&'static str>>> {
        // Beyond this many label sets the list would be no help to a reader.
        const MOST: usize = 4096;
        let sets = L::CARDINALITY.filter(|&n| n <= MOST)?;
        let mut values = vec![Vec::new(); L::NAMES.len()];
        let mut set = Vec::with_capacity(L::NAMES.len());
        for index in 0..sets {
            set.clear();
            L::values_at(index, &mut set);
            for (seen, value) in values.iter_mut().zip(&set) {
                if !seen.contains(value) {
                    seen.push(value);
                }
            }
        }
        Some(values)
    }
}

impl<M: ChildMetric, L: LabelSet> core::fmt::Debug for TypedFamily<M, L> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TypedFamily")
            .field("label_names", &L::NAMES)
            .field("array", &self.array_len().is_some())
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}
