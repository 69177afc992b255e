//! A family keyed by label values given as text: one metric name, one child metric per set
//! of label values, created on first use.

use super::child::{ChildMetric, FamilyCaches, LabelledChildren};
use super::children::Children;
use super::Counter;
use crate::sanitize::check_label_names;

/// Metrics of one name told apart by `N` labels, declared as a `static`:
///
/// ```
/// use meterbox::{metric, Counter, Family};
///
/// /// HTTP requests handled.
/// #[metric]
/// static HTTP_REQUESTS_TOTAL: Family<Counter, 2> = Family::new(["method", "status"]);
///
/// HTTP_REQUESTS_TOTAL.with(["GET", "200"]).inc();
/// let ok = HTTP_REQUESTS_TOTAL.with(["GET", "200"]); // a handle that may be kept
/// ok.inc();
/// assert_eq!(ok.get(), 2);
/// ```
///
/// Finding an existing child takes no lock. A family holds at most its limit of children
/// ([`DEFAULT_LABEL_SET_LIMIT`](crate::DEFAULT_LABEL_SET_LIMIT), or [`Family::with_limit`], up to 2^20). Past it, new label sets all share one series whose label values
/// are `"__overflow__"`, and `meterbox_dropped_label_sets_total{metric}` counts the calls
/// sent there: nothing panics and nothing grows without bound.
pub struct Family<M: ChildMetric, const N: usize> {
    label_names: [&'static str; N],
    prototype: M,
    children: Children<M>,
    caches: FamilyCaches,
}

impl<M: ChildMetric, const N: usize> Family<M, N> {
    /// A family with these label names and children of `M`'s default settings.
    ///
    /// # Panics
    ///
    /// When a label name is invalid, reserved or repeated; in a `static` this is a
    /// compile-time error.
    #[must_use]
    pub const fn new(label_names: [&'static str; N]) -> Self {
        Self::with_prototype(label_names, M::ZERO)
    }

    /// A family whose children take their settings from `prototype`, such as a histogram's
    /// buckets: `Family::with_prototype(["route"], Histogram::exponential(0.001, 2.0, 12))`.
    ///
    /// # Panics
    ///
    /// As [`Family::new`].
    #[must_use]
    pub const fn with_prototype(label_names: [&'static str; N], prototype: M) -> Self {
        check_label_names(&label_names);
        Self {
            label_names,
            prototype,
            children: Children::new(),
            caches: FamilyCaches::new(),
        }
    }

    /// The same family with at most `limit` children besides the overflow series (at most
    /// 2^20; a higher limit is lowered to that).
    #[must_use]
    pub const fn with_limit(mut self, limit: usize) -> Self {
        self.children.set_limit(limit);
        self
    }

    /// The label names.
    #[must_use]
    pub fn label_names(&self) -> &[&'static str; N] {
        &self.label_names
    }

    /// The child for these label values (in the order of the label names), created at zero
    /// on first use. The handle lives as long as the program: keep it to skip the lookup.
    #[inline]
    pub fn with(&self, values: [&str; N]) -> &'static M {
        if !crate::ENABLED {
            return self.children.overflow(N, || self.prototype.fresh());
        }
        self.children.get(values, || self.prototype.fresh())
    }

    /// Removes the series of these label values from the exposition; whether it was shown.
    ///
    /// It comes back at zero when used again, through [`Family::with`] or a handle kept
    /// from before, which stays valid. The label set still counts against the family's
    /// limit: removal is for series that stopped being true (a queue deleted, a peer gone),
    /// not a way around the limit.
    ///
    /// ```
    /// use meterbox::{metric, Family, Gauge};
    ///
    /// /// Jobs waiting, by queue.
    /// #[metric]
    /// static QUEUE_DEPTH: Family<Gauge, 1> = Family::new(["queue"]);
    ///
    /// QUEUE_DEPTH.with(["mail"]).set(3.0);
    /// QUEUE_DEPTH.with(["sms"]).set(1.0);
    /// assert!(QUEUE_DEPTH.remove(["sms"])); // the queue was deleted
    /// let text = meterbox::render(meterbox::Format::Prometheus);
    /// assert!(text.contains("queue_depth{queue=\"mail\"} 3"));
    /// assert!(!text.contains("sms"));
    /// ```
    pub fn remove(&self, values: [&str; N]) -> bool {
        self.children.remove(&values)
    }

    /// Removes every series, as [`Family::remove`] does.
    pub fn clear(&'static self) {
        self.children.clear();
    }

    /// How many children exist, not counting the overflow series.
    #[must_use]
    pub fn len(&self) -> usize {
        self.children.len()
    }

    /// Whether no child exists yet.
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

crate::metrics::child::collect_children!([M: ChildMetric, const N: usize] Family<M, N>);

impl<M: ChildMetric, const N: usize> LabelledChildren for Family<M, N> {
    type Child = M;
    fn prototype(&self) -> &M {
        &self.prototype
    }
    fn keys(&'static self) -> &'static [&'static str] {
        &self.label_names
    }
    fn for_each_child(&'static self, f: &mut dyn FnMut(&[&'static str], &'static M)) {
        self.children.for_each(f);
    }
    fn dropped(&'static self) -> &'static Counter {
        self.children.dropped()
    }
    fn growth(&'static self) -> u64 {
        self.children.growth()
    }
    fn caches(&'static self) -> &'static FamilyCaches {
        &self.caches
    }
}

impl<M: ChildMetric, const N: usize> core::fmt::Debug for Family<M, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Family")
            .field("label_names", &self.label_names)
            .field("limit", &self.children.limit())
            .field("len", &self.len())
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Gauge, Histogram, OVERFLOW_LABEL_VALUE};

    #[test]
    fn same_values_same_child() {
        static F: Family<Counter, 2> = Family::new(["a", "b"]);
        F.with(["x", "y"]).inc();
        F.with(["x", "y"]).inc();
        F.with(["x", ""]).inc();
        F.with(["xy", ""]).inc();
        assert_eq!(F.with(["x", "y"]).get(), 2);
        assert_eq!(F.len(), 3);
    }

    #[test]
    fn a_full_table_still_finds_every_child() {
        static F: Family<Counter, 1> = Family::new(["id"]).with_limit(64);
        let ids: Vec<String> = (0..64).map(|i| format!("id-{i}")).collect();
        for id in &ids {
            F.with([id]).inc();
        }
        for id in &ids {
            F.with([id]).inc();
        }
        for id in &ids {
            assert_eq!(F.with([id]).get(), 2, "{id}");
        }
        assert_eq!(F.len(), 64);
        assert_eq!(F.dropped(), 0);
    }

    #[test]
    fn overflow_past_the_limit() {
        static F: Family<Counter, 1> = Family::new(["user"]).with_limit(2);
        for user in ["a", "b", "c", "d", "c"] {
            F.with([user]).inc();
        }
        assert_eq!(F.len(), 2);
        assert_eq!(F.dropped(), 3);
        assert_eq!(F.with([OVERFLOW_LABEL_VALUE]).get(), 3);
        assert_eq!(F.with(["a"]).get(), 1);
    }

    #[test]
    fn histogram_children_keep_the_prototype_buckets() {
        static F: Family<Histogram, 1> =
            Family::with_prototype(["route"], Histogram::new(&[1.0, 2.0]));
        F.with(["/"]).observe(1.5);
        assert_eq!(F.with(["/"]).bounds(), &[1.0, 2.0]);
        assert_eq!(F.with(["/"]).bucket_counts(), vec![0, 1, 0]);
    }

    #[test]
    #[should_panic(expected = "must differ")]
    fn repeated_label_names_panic() {
        let _ = Family::<Gauge, 2>::new(["a", "a"]);
    }

    #[test]
    #[should_panic(expected = "reserved")]
    fn reserved_label_names_panic() {
        let _ = Family::<Gauge, 1>::new(["__name__"]);
    }
}
