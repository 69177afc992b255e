//! The children of a family, keyed by their label values: the storage behind
//! [`Family`](super::Family) and the open label sets of [`TypedFamily`](super::TypedFamily).
//!
//! Children live in an open-addressing table whose slots only ever go from empty to a child,
//! so lookups take no lock at all; a new child is created once, under a mutex, and leaked so
//! that callers can keep a `&'static` handle to it and skip the lookup altogether. The number
//! of children is capped, so both the table and the leak are bounded.
//!
//! Why this file is long: the table, its insert path and its overflow share one invariant (a
//! slot is filled once and never changes), which reads best in one place; tests follow.

use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use super::{ChildMetric, Counter};

/// The label value of the series that collects label sets past a family's limit.
pub const OVERFLOW_LABEL_VALUE: &str = "__overflow__";

/// The default most children a family creates before sending new label sets to the
/// overflow series.
pub const DEFAULT_LABEL_SET_LIMIT: usize = 1_000;

/// How many times a child of any family was removed or shown again: the exposition lays out
/// its families' series anew when this changes.
static SHOWN_CHANGES: AtomicU64 = AtomicU64::new(0);

/// See [`SHOWN_CHANGES`].
pub(crate) fn shown_changes() -> u64 {
    SHOWN_CHANGES.load(Ordering::Acquire)
}

/// The highest limit a family takes; its table then has 2^21 slots.
pub(crate) const MAX_LABEL_SET_LIMIT: usize = 1 << 20;

pub(crate) struct Child<M: 'static> {
    /// The label values, in one allocation: see [`Word`]. A child is kept small, as a
    /// family may hold a million.
    words: &'static [Word],
    /// How many labels: the first `count` words are their keys.
    count: u32,
    /// Every value is short, so its key is its text.
    exact: bool,
    /// Removed from the exposition, and back at zero, until used again.
    removed: AtomicBool,
    pub metric: M,
}

/// A child's label values as kept: one word per label, holding its [`Key`] (which for a
/// short value is its text, see [`Key::of`]), then the text of the long values one after
/// the other. Bytes, so that the text can be read in place on any target.
type Word = [u8; 16];

#[inline(always)]
fn word_at<const W: usize>(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word[..W].copy_from_slice(&bytes[at..at + W]);
    u64::from_le_bytes(word)
}

/// The high and low halves of a full 64 × 64-bit product, folded: one multiply that mixes
/// every input bit into every output bit.
#[inline(always)]
fn fold_mul(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    // Truncation picks the low half; the shift the high half.
    #[allow(clippy::cast_possible_truncation)]
    let folded = (product as u64) ^ ((product >> 64) as u64);
    folded
}

const SEED_A: u64 = 0xa076_1d64_78bd_642f;
const SEED_B: u64 = 0xe703_7ed1_a0b4_28db;

/// A label value read as two words. Up to 15 bytes, which labels usually are, the words
/// are the value itself: its bytes from the lowest up, zeros, and its length in the top byte
/// of `b`. Equal keys then mean equal values, comparing needs no second read of the text,
/// and a kept key's bytes are the value's text. Longer values get a hash in `a`, their
/// length in `b` under a top byte of 255, and are compared as text when the keys match.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    a: u64,
    b: u64,
}

/// Values longer than this are hashed into their key rather than held in it.
const EXACT_KEY_LEN: usize = 15;

/// The top byte of a long value's key.
const LONG: u64 = 0xff << 56;

impl Key {
    #[inline(always)]
    fn of(text: &str) -> Key {
        let bytes = text.as_bytes();
        let len = bytes.len();
        // In each arm, where the compiler knows the length is small. Overlapping reads
        // shifted into place: where they overlap they hold the same bytes.
        let top = |len: usize| (len as u64) << 56;
        match len {
            1..=3 => Key {
                a: u64::from(bytes[0])
                    | u64::from(bytes[len / 2]) << (8 * (len / 2))
                    | u64::from(bytes[len - 1]) << (8 * (len - 1)),
                b: top(len),
            },
            4..=7 => Key {
                a: word_at::<4>(bytes, 0) | word_at::<4>(bytes, len - 4) << (8 * (len - 4)),
                b: top(len),
            },
            // Bytes 8 to 15 are the top of the word that ends with the value; the shift is
            // split so that nothing is left at length 8.
            8..=EXACT_KEY_LEN => Key {
                a: word_at::<8>(bytes, 0),
                b: word_at::<8>(bytes, len - 8) >> 1 >> (8 * (16 - len) - 1) | top(len),
            },
            // Rare either way: off the path the common lengths take.
            _ => Key::empty_or_long(bytes),
        }
    }

    #[cold]
    fn empty_or_long(bytes: &[u8]) -> Key {
        if bytes.is_empty() {
            return Key { a: 0, b: 0 };
        }
        Key {
            a: hash_long(bytes),
            b: LONG | bytes.len() as u64,
        }
    }

    fn exact(self) -> bool {
        self.b >> 56 <= EXACT_KEY_LEN as u64
    }

    /// The value's length in bytes.
    fn len(self) -> usize {
        let len = if self.exact() {
            self.b >> 56
        } else {
            self.b & !LONG
        };
        usize::try_from(len).unwrap_or(usize::MAX)
    }

    /// The key as kept: for a short value, its text.
    fn word(self) -> Word {
        let mut word = [0; 16];
        word[..8].copy_from_slice(&self.a.to_le_bytes());
        word[8..].copy_from_slice(&self.b.to_le_bytes());
        word
    }

    #[inline(always)]
    fn read(word: &Word) -> Key {
        let (a, b) = word.split_at(8);
        Key {
            a: u64::from_le_bytes(a.try_into().unwrap_or_default()),
            b: u64::from_le_bytes(b.try_into().unwrap_or_default()),
        }
    }
}

#[cold]
fn hash_long(bytes: &[u8]) -> u64 {
    let mut h = 0;
    let mut chunks = bytes.chunks_exact(16);
    for chunk in &mut chunks {
        h = fold_mul(
            word_at::<8>(chunk, 0) ^ h ^ SEED_A,
            word_at::<8>(chunk, 8) ^ SEED_B,
        );
    }
    let len = bytes.len();
    // The last 16 bytes again, overlapping what the loop read, so the tail needs no loop.
    fold_mul(
        word_at::<8>(bytes, len - 16) ^ h ^ SEED_A,
        word_at::<8>(bytes, len - 8) ^ SEED_B,
    )
}

/// A hash of a set of label values' keys; the lengths go in too, which keeps values that
/// read alike apart.
#[inline(always)]
fn hash_keys(keys: &[Key]) -> u64 {
    let mut h = 0;
    for key in keys {
        h = fold_mul(key.a ^ h ^ SEED_A, key.b ^ SEED_B);
    }
    h
}

#[cfg(test)]
fn hash_values(values: &[&str]) -> u64 {
    hash_keys(&values.iter().map(|v| Key::of(v)).collect::<Vec<_>>())
}

impl<M> Child<M> {
    /// The metric of a child just looked up: a lookup is a use, which brings a removed
    /// series back.
    #[inline(always)]
    fn found(&self) -> &M {
        if self.removed.load(Ordering::Relaxed) {
            self.show_again();
        }
        &self.metric
    }

    #[cold]
    fn show_again(&self) {
        self.removed.store(false, Ordering::Relaxed);
        SHOWN_CHANGES.fetch_add(1, Ordering::Release);
    }

    /// Whether this child's values are all short, and their keys are `keys`: then they are
    /// the values `keys` were read from (a long value's key never equals a short one's, its
    /// top byte differing). Register compares only; every child of a family has as many
    /// keys as the family has labels, so the counts need no check.
    #[inline(always)]
    fn holds_exactly(&self, keys: &[Key]) -> bool {
        debug_assert_eq!(self.count as usize, keys.len());
        self.exact
            && self
                .words
                .iter()
                .zip(keys)
                .all(|(mine, key)| Key::read(mine) == *key)
    }

    fn holds(&self, keys: &[Key], values: &[&str]) -> bool {
        self.count as usize == keys.len()
            && keys
                .iter()
                .zip(values)
                .enumerate()
                .all(|(i, (key, value))| {
                    self.words
                        .get(i)
                        .is_some_and(|mine| Key::read(mine) == *key)
                        && (key.exact() || self.value(i) == *value)
                })
    }

    /// The `i`th label value: a short one is the text of its key, a long one is in the
    /// words past the keys, after the long values before it.
    fn value(&self, i: usize) -> &'static str {
        let words: &'static [Word] = self.words;
        let (keys, texts) = words.split_at(self.count as usize);
        let Some(key) = keys.get(i).map(Key::read) else {
            return "";
        };
        let len = key.len();
        let bytes = if key.exact() {
            keys[i].get(..len)
        } else {
            let start: usize = keys[..i]
                .iter()
                .map(Key::read)
                .filter(|key| !key.exact())
                .map(Key::len)
                .sum();
            texts.as_flattened().get(start..start + len)
        };
        text(bytes.unwrap_or_default())
    }

    /// The label values, as the visitors take them.
    fn with_values(&self, visit: impl FnOnce(&[&'static str])) {
        // Label sets are short; a longer one pays for a vector.
        const ON_STACK: usize = 8;
        let count = self.count as usize;
        if count <= ON_STACK {
            let mut values = [""; ON_STACK];
            for (i, slot) in values[..count].iter_mut().enumerate() {
                *slot = self.value(i);
            }
            visit(&values[..count]);
        } else {
            let values: Vec<&'static str> = (0..count).map(|i| self.value(i)).collect();
            visit(&values);
        }
    }
}

/// Kept label text as a string: the bytes were copied whole from a `str`.
#[allow(unsafe_code)]
fn text(bytes: &'static [u8]) -> &'static str {
    debug_assert!(std::str::from_utf8(bytes).is_ok());
    // SAFETY: every kept text is a whole `str`'s bytes, copied unchanged (`words`): a short
    // value's key holds its bytes from the first, and its length is the value's.
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

/// The words a child keeps for `values` with their `keys`, leaked: the keys, then the long
/// values' text.
fn words(keys: &[Key], values: &[&str]) -> &'static [Word] {
    let long: Vec<&[u8]> = keys
        .iter()
        .zip(values)
        .filter(|(key, _)| !key.exact())
        .map(|(_, value)| value.as_bytes())
        .collect();
    let text_len: usize = long.iter().map(|text| text.len()).sum();
    let mut words = vec![[0; 16]; keys.len() + text_len.div_ceil(16)];
    for (word, key) in words.iter_mut().zip(keys) {
        *word = key.word();
    }
    let mut at = 0;
    let texts = words[keys.len()..].as_flattened_mut();
    for text in long {
        texts[at..at + text.len()].copy_from_slice(text);
        at += text.len();
    }
    Box::leak(words.into_boxed_slice())
}

/// Open addressing with linear probing; a slot is set once and never cleared, which is what
/// lets readers go without a lock. Twice as many slots as the limit keeps probes short and
/// guarantees an empty slot; the count is not rounded to a power of two, as a hash is
/// brought into range by a multiply, so a large family pays for two slots a child, not up
/// to four.
///
/// A slot is a pointer, null while empty, so the table is allocated zeroed: for a large
/// table the system hands out pages that take memory only once a child is written to them,
/// so a family with a high limit costs what its children use, not what the limit allows.
struct Table<M: 'static> {
    slots: Box<[AtomicPtr<Child<M>>]>,
    /// The children in the order created, the first `len` set: visits walk the children
    /// that exist, not the slots, without a lock or a copy. Zeroed like the slots.
    order: Box<[AtomicPtr<Child<M>>]>,
}

/// The child an entry of the table points at, if any.
#[inline(always)]
#[allow(unsafe_code)]
fn child_in<M>(entry: &AtomicPtr<Child<M>>) -> Option<&'static Child<M>> {
    // SAFETY: an entry holds null or a leaked child, which lives for the program.
    unsafe { entry.load(Ordering::Acquire).cast_const().as_ref() }
}

/// `n` empty slots, allocated zeroed: the pages of a large table are only touched as
/// children arrive, so a family's memory follows its children, not its limit.
#[allow(unsafe_code)]
fn zeroed_slots<T>(n: usize) -> Box<[AtomicPtr<T>]> {
    let layout = std::alloc::Layout::array::<AtomicPtr<T>>(n)
        .unwrap_or_else(|_| std::alloc::handle_alloc_error(std::alloc::Layout::new::<u8>()));
    // SAFETY: the layout has a non-zero size (n >= 8); an all-zero `AtomicPtr` is a null
    // pointer, a valid empty slot; the box owns the allocation made with its layout.
    unsafe {
        // Aligned as the layout asked: for `AtomicPtr<T>`.
        #[allow(clippy::cast_ptr_alignment)]
        let ptr = std::alloc::alloc_zeroed(layout).cast::<AtomicPtr<T>>();
        if ptr.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        Box::from_raw(core::ptr::slice_from_raw_parts_mut(ptr, n))
    }
}

impl<M> Table<M> {
    fn for_limit(limit: usize) -> Self {
        Self {
            slots: zeroed_slots((limit * 2).max(8)),
            order: zeroed_slots(limit.max(1)),
        }
    }

    /// The child in slot `i`, if any.
    #[inline(always)]
    fn slot(&self, i: usize) -> Option<&'static Child<M>> {
        child_in(self.slots.get(i)?)
    }

    /// Where `hash` starts probing: its high half scaled to the slots (the multiply in the
    /// hash mixes upwards), below their count, which is under 2^32.
    #[inline(always)]
    fn start(&self, hash: u64) -> usize {
        usize::try_from(((hash >> 32) * self.slots.len() as u64) >> 32).unwrap_or(0)
    }

    /// The slot after `i`, wrapping.
    fn next(&self, i: usize) -> usize {
        if i + 1 == self.slots.len() {
            0
        } else {
            i + 1
        }
    }

    /// The child holding exactly the short values `keys` were read from, if it sits in its
    /// first slot: the common case, inlined into lookups. Anything else goes to `find`.
    #[inline(always)]
    fn first(&self, hash: u64, keys: &[Key]) -> Option<&'static Child<M>> {
        let child = self.slot(self.start(hash))?;
        child.holds_exactly(keys).then_some(child)
    }

    /// The child holding `values`, probing on and comparing long values as text.
    fn find(&self, hash: u64, keys: &[Key], values: &[&str]) -> Option<&'static Child<M>> {
        let mut i = self.start(hash);
        loop {
            let child = self.slot(i)?;
            if child.holds(keys, values) {
                return Some(child);
            }
            i = self.next(i);
        }
    }

    /// Under the family's insert lock, with fewer children than half the slots.
    fn insert(&self, hash: u64, child: &'static Child<M>) {
        let mut i = self.start(hash);
        let child = core::ptr::from_ref(child).cast_mut();
        while self.slots[i]
            .compare_exchange(
                core::ptr::null_mut(),
                child,
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_err()
        {
            i = self.next(i);
        }
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
    /// Children removed and not seen used since, or more: while any may be, reads look
    /// for those used again (through a kept handle), to show them.
    hidden: AtomicUsize,
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
            hidden: AtomicUsize::new(0),
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
    #[inline(always)]
    pub fn get<const N: usize>(&self, values: [&str; N], make: impl FnOnce() -> M) -> &'static M {
        // A loop rather than `array::from_fn`, whose closure the inliner may leave out of line.
        let mut keys = [Key { a: 0, b: 0 }; N];
        for (key, value) in keys.iter_mut().zip(values) {
            *key = Key::of(value);
        }
        let hash = hash_keys(&keys);
        if let Some(child) = self.table.get().and_then(|table| table.first(hash, &keys)) {
            return child.found();
        }
        // The rest starts over from the values, so that the keys never leave registers on
        // the path above; taking the values by value does the same for them.
        self.get_cold(values, make)
    }

    #[cold]
    #[inline(never)]
    fn get_cold<const N: usize>(&self, values: [&str; N], make: impl FnOnce() -> M) -> &'static M {
        self.get_slice(&values, make)
    }

    /// As [`Children::get`], for a number of values known at run time.
    #[inline]
    pub fn get_slice(&self, values: &[&str], make: impl FnOnce() -> M) -> &'static M {
        // Label sets are short; a longer one pays for a vector.
        const ON_STACK: usize = 8;
        if values.len() <= ON_STACK {
            let mut keys = [Key { a: 0, b: 0 }; ON_STACK];
            for (key, value) in keys.iter_mut().zip(values) {
                *key = Key::of(value);
            }
            return self.get_keyed(&keys[..values.len()], values, make);
        }
        let keys: Vec<Key> = values.iter().map(|v| Key::of(v)).collect();
        self.get_keyed(&keys, values, make)
    }

    #[inline(always)]
    fn get_keyed(&self, keys: &[Key], values: &[&str], make: impl FnOnce() -> M) -> &'static M {
        let hash = hash_keys(keys);
        let table = self.table.get_or_init(|| Table::for_limit(self.limit));
        if let Some(child) = table.first(hash, keys) {
            return child.found();
        }
        if let Some(child) = table.find(hash, keys, values) {
            return child.found();
        }
        self.insert_slow(table, hash, keys, values, make)
    }

    /// The child past the limit, created on first use; also the one child of every family
    /// when instrumentation is compiled out (feature `disabled`).
    pub(crate) fn overflow(&self, labels: usize, make: impl FnOnce() -> M) -> &'static M {
        self.overflow
            .get_or_init(|| {
                let key = Key::of(OVERFLOW_LABEL_VALUE);
                Box::leak(Box::new(Child {
                    words: words(&vec![key; labels], &vec![OVERFLOW_LABEL_VALUE; labels]),
                    count: u32::try_from(labels).unwrap_or(u32::MAX),
                    exact: false,
                    removed: AtomicBool::new(false),
                    metric: make(),
                }))
            })
            .found()
    }

    #[cold]
    fn insert_slow(
        &self,
        table: &Table<M>,
        hash: u64,
        keys: &[Key],
        values: &[&str],
        make: impl FnOnce() -> M,
    ) -> &'static M {
        // A full family sends new label sets to the overflow series without taking the lock,
        // as fast as a kept series. (A set created meanwhile by another thread is found by
        // the lookups before this one.)
        if self.len.load(Ordering::Acquire) >= self.limit {
            self.dropped.inc();
            return self.overflow(values.len(), make);
        }
        let guard = self.insert.lock().unwrap_or_else(PoisonError::into_inner);
        // Another thread may have created it meanwhile.
        if let Some(child) = table.find(hash, keys, values) {
            return child.found();
        }
        // The overflow series' own label values name the overflow series, never a second
        // series that would read the same.
        if values.iter().all(|v| *v == OVERFLOW_LABEL_VALUE) {
            drop(guard);
            return self.overflow(values.len(), make);
        }
        if self.len.load(Ordering::Relaxed) >= self.limit {
            drop(guard);
            self.dropped.inc();
            return self.overflow(values.len(), make);
        }
        let child: &'static Child<M> = Box::leak(Box::new(Child {
            words: words(keys, values),
            count: u32::try_from(keys.len()).unwrap_or(u32::MAX),
            exact: keys.iter().all(|key| key.exact()),
            removed: AtomicBool::new(false),
            metric: make(),
        }));
        table.insert(hash, child);
        // Under the lock `len` is below the limit, the size of `order`.
        let len = self.len.load(Ordering::Relaxed);
        table.order[len].store(core::ptr::from_ref(child).cast_mut(), Ordering::Release);
        self.len.fetch_add(1, Ordering::Release);
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
}

impl<M: ChildMetric> Children<M> {
    /// Every child shown and then the overflow child, if any. A removed child is shown
    /// again once it records, through a kept handle as well as through a lookup.
    pub fn for_each(&'static self, mut visit: impl FnMut(&[&'static str], &'static M)) {
        self.for_each_child(|child| {
            if child.shown() {
                child.with_values(|values| visit(values, &child.metric));
            }
        });
    }

    /// Every child made, shown or not, and then the overflow child.
    fn for_each_child(&'static self, mut visit: impl FnMut(&'static Child<M>)) {
        if let Some(table) = self.table.get() {
            // Each of the first `len` entries was set before `len` counted it.
            let len = self.len.load(Ordering::Acquire);
            for entry in &table.order[..len] {
                if let Some(child) = child_in(entry) {
                    visit(child);
                }
            }
        }
        if let Some(overflow) = self.overflow.get() {
            visit(overflow);
        }
    }

    /// Removes the series of `values` from the exposition, back at zero; whether it was
    /// shown.
    pub fn remove(&self, values: &[&str]) -> bool {
        let child = if values.iter().all(|v| *v == OVERFLOW_LABEL_VALUE) {
            self.overflow.get().copied()
        } else {
            let keys: Vec<Key> = values.iter().map(|v| Key::of(v)).collect();
            self.table
                .get()
                .and_then(|table| table.find(hash_keys(&keys), &keys, values))
        };
        child.is_some_and(|child| self.hide(child))
    }

    /// Removes every series, as [`Children::remove`] does.
    pub fn clear(&'static self) {
        self.for_each_child(|child| {
            self.hide(child);
        });
    }

    /// Removes the series shown for which `keep` says no.
    pub fn retain(&'static self, mut keep: impl FnMut(&'static M) -> bool) {
        self.for_each_child(|child| {
            if child.shown() && !keep(&child.metric) {
                self.hide(child);
            }
        });
    }

    fn hide(&self, child: &Child<M>) -> bool {
        let shown = child.remove();
        // Counted once hidden: a read that looks before this either sees the child hidden
        // (and keeps it counted) or leaves the count to the next read.
        self.hidden.fetch_add(1, Ordering::AcqRel);
        shown
    }

    /// A number that changes whenever a child is made (see [`Collect::growth`]); first,
    /// removed children used again since are shown, so that the exposition sees them.
    ///
    /// [`Collect::growth`]: super::Collect::growth
    pub fn growth(&'static self) -> u64 {
        let hidden = self.hidden.load(Ordering::Acquire);
        if hidden > 0 {
            let mut still = 0;
            self.for_each_child(|child| still += usize::from(!child.shown()));
            // Only what this pass saw shown again is taken off: a child hidden meanwhile
            // added its own count, which must stay for the next read to look at it.
            self.hidden
                .fetch_sub(hidden.saturating_sub(still), Ordering::AcqRel);
        }
        self.len.load(Ordering::Acquire) as u64 + u64::from(self.overflow.get().is_some())
    }
}

impl<M: ChildMetric> Child<M> {
    /// Whether the child is in the exposition: not removed, or used since. A used one is
    /// marked shown again, so that it stays shown if it comes back to zero (a gauge).
    fn shown(&self) -> bool {
        if !self.removed.load(Ordering::Relaxed) {
            return true;
        }
        let used = self.metric.activity() != 0;
        if used {
            self.show_again();
        }
        used
    }

    /// Zeroes the child, then hides it: an update racing the removal is zeroed, or is
    /// kept and shows the series again. Whether it was shown.
    fn remove(&self) -> bool {
        let shown = !self.removed.load(Ordering::Relaxed) || self.metric.activity() != 0;
        self.metric.reset();
        self.removed.store(true, Ordering::Relaxed);
        SHOWN_CHANGES.fetch_add(1, Ordering::Release);
        shown
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
    fn short_keys_are_exact() {
        let text = "abcdefghijklmnopqrstuvwxyz0123456789";
        for len in 0..=EXACT_KEY_LEN {
            let a = &text[..len];
            for at in 0..len {
                let mut b = a.as_bytes().to_vec();
                b[at] = b'#';
                let b = String::from_utf8(b).unwrap();
                assert!(Key::of(a) != Key::of(&b), "len {len}, byte {at}");
            }
        }
        assert!(Key::of("abc") != Key::of("ab"));
        // Values that read alike at two lengths: the length keeps them apart.
        let same = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        for a in 0..same.len() {
            for b in 0..a {
                assert!(Key::of(&same[..a]) != Key::of(&same[..b]), "{a} and {b}");
            }
        }
        assert!(Key::of(&text[..EXACT_KEY_LEN]).exact());
        assert!(!Key::of(&text[..=EXACT_KEY_LEN]).exact());
    }

    #[test]
    fn a_short_values_key_is_its_text() {
        let text = "abcdefghijklmnopqrstuvwxyz0123456789";
        for len in 0..=EXACT_KEY_LEN {
            let key = Key::of(&text[..len]);
            assert!(key.exact());
            assert_eq!(key.len(), len);
            assert_eq!(&key.word()[..len], &text.as_bytes()[..len], "len {len}");
            assert!(key.word()[len..15].iter().all(|b| *b == 0), "len {len}");
            assert!(Key::read(&key.word()) == key);
        }
        let long = Key::of(text);
        assert!(!long.exact());
        assert_eq!(long.len(), text.len());
    }

    #[test]
    fn kept_values_read_back_whatever_their_lengths() {
        static C: Children<Counter> = Children::new();
        let text = "é, ü and ø: some text in more than one byte per letter, to cut at any length";
        let mut sets = Vec::new();
        for a in (0..text.len())
            .filter(|n| text.is_char_boundary(*n))
            .step_by(5)
        {
            for b in [0, 3, 15, 16, 40] {
                let b = (0..=b)
                    .rev()
                    .find(|n| text.is_char_boundary(*n))
                    .unwrap_or(0);
                sets.push([&text[..a], "x", &text[text.len() - b..]]);
            }
        }
        for (n, set) in sets.iter().enumerate() {
            C.get(*set, Counter::new).inc_by(n as u64 + 1);
        }
        let mut seen = 0;
        C.for_each(|values, counter| {
            let n = usize::try_from(counter.get()).unwrap() - 1;
            assert_eq!(values, &sets[n][..]);
            seen += 1;
        });
        assert_eq!(seen, sets.len());
        for (n, set) in sets.iter().enumerate() {
            assert_eq!(C.get_slice(set, Counter::new).get(), n as u64 + 1);
        }
    }

    #[test]
    fn long_values_are_compared_as_text() {
        static C: Children<Counter> = Children::new();
        let long_a = "a value longer than sixteen bytes";
        let long_b = "a value longer than sixteen bytez";
        C.get([long_a], Counter::new).inc();
        C.get_slice(&[long_b], Counter::new).inc();
        C.get([long_a], Counter::new).inc();
        assert_eq!(C.get_slice(&[long_a], Counter::new).get(), 2);
        assert_eq!(C.get([long_b], Counter::new).get(), 1);
        assert_eq!(C.len(), 2);
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
