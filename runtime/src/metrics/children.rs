//! The children of a family, keyed by their label values: the storage behind
//! [`Family`](super::Family) and the open label sets of [`TypedFamily`](super::TypedFamily).
//!
//! Children live in an open-addressing table whose slots only ever go from empty to a child,
//! so lookups take no lock at all; a new child is created once, under a mutex, and leaked so
//! that callers can keep a `&'static` handle to it and skip the lookup altogether. The number
//! of children is capped, so both the table and the leak are bounded.

use core::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use super::Counter;

/// The label value of the series that collects label sets past a family's limit.
pub const OVERFLOW_LABEL_VALUE: &str = "__overflow__";

/// The default most children a family creates before sending new label sets to the
/// overflow series.
pub const DEFAULT_LABEL_SET_LIMIT: usize = 1_000;

/// The highest limit a family takes; its table then has 2^21 slots.
pub(crate) const MAX_LABEL_SET_LIMIT: usize = 1 << 20;

pub(crate) struct Child<M: 'static> {
    hash: u64,
    pub values: &'static [&'static str],
    pub metric: M,
}

const K: u64 = 0x517c_c1b7_2722_0a95;

#[inline(always)]
fn mix(h: u64, word: u64) -> u64 {
    (h.rotate_left(5) ^ word).wrapping_mul(K)
}

#[inline(always)]
fn word_at<const W: usize>(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word[..W].copy_from_slice(&bytes[at..at + W]);
    u64::from_le_bytes(word)
}

/// A hash of one label value, a word at a time. The tail is read as two overlapping words
/// (or, under four bytes, three single bytes), which costs the same for every length;
/// mixing the length in keeps values that read alike apart.
#[inline(always)]
fn hash_value(mut h: u64, bytes: &[u8]) -> u64 {
    let len = bytes.len();
    let mut at = 0;
    while len - at > 8 {
        h = mix(h, word_at::<8>(bytes, at));
        at += 8;
    }
    let rest = len - at;
    let tail = if rest >= 4 {
        word_at::<4>(bytes, at) | (word_at::<4>(bytes, len - 4) << 32)
    } else if rest > 0 {
        u64::from(bytes[at])
            | u64::from(bytes[at + rest / 2]) << 8
            | u64::from(bytes[len - 1]) << 16
    } else {
        0
    };
    mix(mix(h, tail), len as u64)
}

/// A hash of a set of label values.
#[inline]
pub(crate) fn hash_values(values: &[&str]) -> u64 {
    values
        .iter()
        .fold(0, |h, value| hash_value(h, value.as_bytes()))
}

/// Open addressing with linear probing; a slot is set once and never cleared, which is what
/// lets readers go without a lock. At least twice as many slots as the limit keeps probes
/// short and guarantees an empty slot.
struct Table<M: 'static> {
    slots: Box<[OnceLock<&'static Child<M>>]>,
    shift: u32,
}

impl<M> Table<M> {
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

    #[inline]
    fn find(&self, hash: u64, values: &[&str]) -> Option<&'static Child<M>> {
        let mask = self.slots.len() - 1;
        let mut i = self.start(hash);
        loop {
            let child = *self.slots[i].get()?;
            if child.hash == hash && child.values == values {
                return Some(child);
            }
            i = (i + 1) & mask;
        }
    }

    /// Under the family's insert lock, with fewer children than half the slots.
    fn insert(&self, child: &'static Child<M>) {
        let mask = self.slots.len() - 1;
        let mut i = self.start(child.hash);
        while self.slots[i].set(child).is_err() {
            i = (i + 1) & mask;
        }
    }

    fn children(&self) -> impl Iterator<Item = &'static Child<M>> + '_ {
        self.slots.iter().filter_map(|slot| slot.get().copied())
    }
}

/// Children keyed by label values, at most `limit` of them plus the overflow child.
pub(crate) struct Children<M: 'static> {
    limit: usize,
    table: OnceLock<Table<M>>,
    insert: Mutex<()>,
    len: AtomicUsize,
    overflow: OnceLock<&'static Child<M>>,
    dropped: Counter,
}

impl<M> Children<M> {
    pub const fn new() -> Self {
        Self {
            limit: DEFAULT_LABEL_SET_LIMIT,
            table: OnceLock::new(),
            insert: Mutex::new(()),
            len: AtomicUsize::new(0),
            overflow: OnceLock::new(),
            dropped: Counter::new(),
        }
    }

    /// At most 2^20; a higher limit is lowered to that.
    pub const fn set_limit(&mut self, limit: usize) {
        self.limit = if limit > MAX_LABEL_SET_LIMIT {
            MAX_LABEL_SET_LIMIT
        } else {
            limit
        };
    }

    pub const fn limit(&self) -> usize {
        self.limit
    }

    /// The child for `values`, made by `make` if there is none and the limit allows.
    #[inline]
    pub fn get_or_insert(&self, values: &[&str], make: impl FnOnce() -> M) -> &'static M {
        let hash = hash_values(values);
        let table = self.table.get_or_init(|| Table::for_limit(self.limit));
        if let Some(child) = table.find(hash, values) {
            return &child.metric;
        }
        self.insert_slow(table, hash, values, make)
    }

    #[cold]
    fn insert_slow(
        &self,
        table: &Table<M>,
        hash: u64,
        values: &[&str],
        make: impl FnOnce() -> M,
    ) -> &'static M {
        let guard = self.insert.lock().unwrap_or_else(PoisonError::into_inner);
        // Another thread may have created it meanwhile.
        if let Some(child) = table.find(hash, values) {
            return &child.metric;
        }
        if self.len.load(Ordering::Relaxed) >= self.limit {
            drop(guard);
            self.dropped.inc();
            let overflow = self.overflow.get_or_init(|| {
                Box::leak(Box::new(Child {
                    hash: 0,
                    values: vec![OVERFLOW_LABEL_VALUE; values.len()].leak(),
                    metric: make(),
                }))
            });
            return &overflow.metric;
        }
        let values: Vec<&'static str> = values
            .iter()
            .map(|v| &*Box::leak(Box::<str>::from(*v)))
            .collect();
        let child: &'static Child<M> = Box::leak(Box::new(Child {
            hash,
            values: values.leak(),
            metric: make(),
        }));
        table.insert(child);
        self.len.fetch_add(1, Ordering::Relaxed);
        &child.metric
    }

    /// How many children exist, not counting the overflow child.
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    /// How many lookups were sent to the overflow child.
    pub fn dropped(&self) -> &Counter {
        &self.dropped
    }

    /// Every child and then the overflow child, if any.
    pub fn for_each(&'static self, mut visit: impl FnMut(&'static [&'static str], &'static M)) {
        if let Some(table) = self.table.get() {
            for child in table.children() {
                visit(child.values, &child.metric);
            }
        }
        if let Some(overflow) = self.overflow.get() {
            visit(overflow.values, &overflow.metric);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_read_alike_hash_apart() {
        assert_ne!(hash_values(&["ab", ""]), hash_values(&["a", "b"]));
        assert_ne!(hash_values(&["", "ab"]), hash_values(&["ab", ""]));
        assert_ne!(hash_values(&["abc"]), hash_values(&["abd"]));
        assert_ne!(hash_values(&["abcdefgh"]), hash_values(&["abcdefgi"]));
        assert_ne!(hash_values(&["abcdefghi"]), hash_values(&["abcdefghj"]));
        assert_ne!(hash_values(&["aXc"]), hash_values(&["aYc"]));
        assert_eq!(
            hash_values(&["longer than eight", "x"]),
            hash_values(&["longer than eight", "x"])
        );
    }

    #[test]
    fn every_length_hashes_without_panicking_and_distinctly() {
        let text = "abcdefghijklmnopqrstuvwxyz";
        let hashes: std::collections::HashSet<u64> = (0..=text.len())
            .map(|n| hash_values(&[&text[..n]]))
            .collect();
        assert_eq!(hashes.len(), text.len() + 1);
    }
}
