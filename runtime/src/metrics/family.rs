//! A family: one metric name, one child metric per set of label values, created on first use.
//!
//! Children live in an open-addressing table whose slots only ever go from empty to a child,
//! so lookups take no lock at all; a new child is created once, under a mutex, and leaked so
//! that callers can keep a `&'static` handle to it and skip the lookup altogether. The number
//! of children is capped, so both the table and the leak are bounded.

use core::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use super::{Counter, Gauge, Histogram};
use crate::registry::{Cell, Collect, Kind};

/// The label value of the series that collects label sets past a family's limit.
pub const OVERFLOW_LABEL_VALUE: &str = "__overflow__";

/// The default most children a family creates before sending new label sets to the
/// overflow series.
pub const DEFAULT_LABEL_SET_LIMIT: usize = 1_000;

/// The highest limit a family takes; its table then has 2^21 slots.
const MAX_LABEL_SET_LIMIT: usize = 1 << 20;

/// A metric type that can be a family's child.
pub trait Member: Collect + Sized + Send + Sync + 'static {
    /// A fresh value at zero with default settings, for `Family::new`.
    #[allow(clippy::declare_interior_mutable_const)] // a template, copied on each use
    const ZERO: Self;

    /// A new child at zero with this one's settings (a histogram's buckets).
    #[must_use]
    fn fresh(&self) -> Self;

    /// What the encoders read.
    fn cell(&'static self) -> Cell;
}

impl Member for Counter {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = Counter::new();
    fn fresh(&self) -> Self {
        Counter::new()
    }
    fn cell(&'static self) -> Cell {
        Cell::Counter(self)
    }
}

impl Member for Gauge {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = Gauge::new();
    fn fresh(&self) -> Self {
        Gauge::new()
    }
    fn cell(&'static self) -> Cell {
        Cell::Gauge(self)
    }
}

impl Member for Histogram {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = Histogram::for_durations();
    fn fresh(&self) -> Self {
        Histogram::new(self.bounds())
    }
    fn cell(&'static self) -> Cell {
        Cell::Histogram(self)
    }
}

struct Child<M, const N: usize> {
    hash: u64,
    values: [&'static str; N],
    metric: M,
}

/// A hash of the label values, a word at a time: label values are short, so this is a few
/// multiplies. Each value's length goes in too, which keeps `["ab", ""]` and `["a", "b"]`
/// apart.
fn hash_values(values: &[&str]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mix = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(K);
    let mut h = 0u64;
    for v in values {
        let bytes = v.as_bytes();
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            h = mix(h, u64::from_le_bytes(word));
        }
        // A byte loop: for the few bytes left it beats a variable-length copy.
        let mut word = 0u64;
        for (k, &b) in chunks.remainder().iter().enumerate() {
            word |= u64::from(b) << (8 * k);
        }
        h = mix(h, word);
        h = mix(h, bytes.len() as u64);
    }
    h
}

/// Open addressing with linear probing; a slot is set once and never cleared, which is what
/// lets readers go without a lock. At least twice as many slots as the limit keeps probes
/// short and guarantees an empty slot.
struct Table<M: 'static, const N: usize> {
    slots: Box<[OnceLock<&'static Child<M, N>>]>,
    shift: u32,
}

impl<M, const N: usize> Table<M, N> {
    fn for_limit(limit: usize) -> Self {
        let slots = (limit * 2).next_power_of_two().max(8);
        Self {
            slots: (0..slots).map(|_| OnceLock::new()).collect(),
            shift: 64 - slots.trailing_zeros(),
        }
    }

    fn start(&self, hash: u64) -> usize {
        // The high bits: the multiply in the hash mixes upwards.
        usize::try_from(hash >> self.shift).unwrap_or(0)
    }

    fn find(&self, hash: u64, values: &[&str; N]) -> Option<&'static Child<M, N>> {
        let mask = self.slots.len() - 1;
        let mut i = self.start(hash);
        loop {
            let child = *self.slots[i].get()?;
            if child.hash == hash && child.values == *values {
                return Some(child);
            }
            i = (i + 1) & mask;
        }
    }

    /// Under the family's insert lock, with fewer children than half the slots.
    fn insert(&self, child: &'static Child<M, N>) {
        let mask = self.slots.len() - 1;
        let mut i = self.start(child.hash);
        while self.slots[i].set(child).is_err() {
            i = (i + 1) & mask;
        }
    }

    fn children(&self) -> impl Iterator<Item = &'static Child<M, N>> + '_ {
        self.slots.iter().filter_map(|slot| slot.get().copied())
    }
}

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
/// ([`DEFAULT_LABEL_SET_LIMIT`], or [`Family::with_limit`], up to 2^20). Past it, new label sets all share one series whose label values
/// are `"__overflow__"`, and `meterbox_dropped_label_sets_total{metric}` counts the calls
/// sent there: nothing panics and nothing grows without bound.
pub struct Family<M: Member, const N: usize> {
    label_names: [&'static str; N],
    limit: usize,
    prototype: M,
    table: OnceLock<Table<M, N>>,
    insert: Mutex<()>,
    len: AtomicUsize,
    overflow: OnceLock<&'static Child<M, N>>,
    dropped: Counter,
}

const fn check_label_names(names: &[&str]) {
    let mut i = 0;
    while i < names.len() {
        let name = names[i].as_bytes();
        assert!(!name.is_empty(), "meterbox: a label name cannot be empty");
        assert!(
            !(name.len() >= 2 && name[0] == b'_' && name[1] == b'_'),
            "meterbox: label names starting with `__` are reserved"
        );
        assert!(
            !(name.len() == 2 && name[0] == b'l' && name[1] == b'e'),
            "meterbox: the label name `le` is reserved for histogram buckets"
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
            let other = names[k].as_bytes();
            if other.len() == name.len() {
                let mut same = true;
                let mut j = 0;
                while j < name.len() {
                    if other[j] != name[j] {
                        same = false;
                    }
                    j += 1;
                }
                assert!(!same, "meterbox: a family's label names must differ");
            }
            k += 1;
        }
        i += 1;
    }
}

impl<M: Member, const N: usize> Family<M, N> {
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
            limit: DEFAULT_LABEL_SET_LIMIT,
            prototype,
            table: OnceLock::new(),
            insert: Mutex::new(()),
            len: AtomicUsize::new(0),
            overflow: OnceLock::new(),
            dropped: Counter::new(),
        }
    }

    /// The same family with at most `limit` children besides the overflow series (at most
    /// 2^20; a higher limit is lowered to that).
    #[must_use]
    pub const fn with_limit(mut self, limit: usize) -> Self {
        self.limit = if limit > MAX_LABEL_SET_LIMIT {
            MAX_LABEL_SET_LIMIT
        } else {
            limit
        };
        self
    }

    /// The label names.
    #[must_use]
    pub fn label_names(&self) -> &[&'static str; N] {
        &self.label_names
    }

    /// The child for these label values (in the order of the label names), created at zero
    /// on first use. The handle lives as long as the program: keep it to skip the lookup.
    pub fn with(&self, values: [&str; N]) -> &'static M {
        let hash = hash_values(&values);
        let table = self.table();
        if let Some(child) = table.find(hash, &values) {
            return &child.metric;
        }
        let guard = self.insert.lock().unwrap_or_else(PoisonError::into_inner);
        // Another thread may have created it meanwhile.
        if let Some(child) = table.find(hash, &values) {
            return &child.metric;
        }
        if self.len.load(Ordering::Relaxed) >= self.limit {
            drop(guard);
            self.dropped.inc();
            return &self.overflow().metric;
        }
        let child: &'static Child<M, N> = Box::leak(Box::new(Child {
            hash,
            values: values.map(|v| &*Box::leak(Box::<str>::from(v))),
            metric: self.prototype.fresh(),
        }));
        table.insert(child);
        self.len.fetch_add(1, Ordering::Relaxed);
        &child.metric
    }

    fn table(&self) -> &Table<M, N> {
        self.table.get_or_init(|| Table::for_limit(self.limit))
    }

    /// How many children exist, not counting the overflow series.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    /// Whether no child exists yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many `with` calls were sent to the overflow series.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped.get()
    }

    fn overflow(&self) -> &'static Child<M, N> {
        self.overflow.get_or_init(|| {
            Box::leak(Box::new(Child {
                hash: 0,
                values: [OVERFLOW_LABEL_VALUE; N],
                metric: self.prototype.fresh(),
            }))
        })
    }
}

impl<M: Member, const N: usize> Collect for Family<M, N> {
    fn kind(&self) -> Kind {
        self.prototype.kind()
    }

    fn extra_label_names(&'static self) -> &'static [&'static str] {
        &self.label_names
    }

    fn is_dynamic(&self) -> bool {
        true
    }

    fn cells(&'static self, visit: &mut dyn FnMut(&[&'static str], Cell)) {
        if let Some(table) = self.table.get() {
            for child in table.children() {
                visit(&child.values, child.metric.cell());
            }
        }
        if let Some(overflow) = self.overflow.get() {
            visit(&overflow.values, overflow.metric.cell());
        }
    }

    fn dropped_label_sets(&'static self) -> Option<&'static Counter> {
        Some(&self.dropped)
    }
}

impl<M: Member, const N: usize> core::fmt::Debug for Family<M, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Family")
            .field("label_names", &self.label_names)
            .field("limit", &self.limit)
            .field("len", &self.len())
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn values_that_concatenate_alike_are_apart() {
        assert_ne!(hash_values(&["ab", ""]), hash_values(&["a", "b"]));
        assert_ne!(hash_values(&["", "ab"]), hash_values(&["ab", ""]));
        assert_eq!(
            hash_values(&["longer than eight", "x"]),
            hash_values(&["longer than eight", "x"])
        );
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
