//! The counting allocator: each thread's slot, the totals summed over them, and a thread's
//! own reading for what one call or request allocated.
//!
//! Each thread counts into a slot of its own with plain loads and stores, no atomic
//! read-modify-write, so counting adds about a nanosecond to an allocation; slots are
//! summed when read. Threads beyond the slots, and the moments a thread has no
//! thread-local storage (its start and its end), share one slot with atomic adds.

// A global allocator is an `unsafe` trait; the wrapper only forwards to the inner one.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::alloc::System;

/// Slots for threads alive at once; more threads share [`SHARED`].
const SLOTS: usize = 256;

/// A thread's counts, alone on its cache line.
#[repr(align(64))]
struct Slot {
    taken: AtomicBool,
    allocations: AtomicU64,
    allocated: AtomicU64,
    freed: AtomicU64,
}

impl Slot {
    const fn new() -> Self {
        Self {
            taken: AtomicBool::new(false),
            allocations: AtomicU64::new(0),
            allocated: AtomicU64::new(0),
            freed: AtomicU64::new(0),
        }
    }
}

static OWN: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];
static SHARED: Slot = Slot::new();
/// Where the search for a free slot starts, so that threads spread over the slots.
static NEXT: AtomicUsize = AtomicUsize::new(0);
/// Whether the allocator counted anything: the metrics are shown only then.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// No slot yet.
const NONE: usize = usize::MAX;
/// The shared slot, for good.
const SHARE: usize = usize::MAX - 1;

thread_local! {
    /// This thread's slot. No destructor: readable until the thread's very end.
    static INDEX: Cell<usize> = const { Cell::new(NONE) };
    /// Set while this thread looks for a slot, which may itself allocate.
    static CLAIMING: Cell<bool> = const { Cell::new(false) };
    /// Gives the slot back when the thread ends.
    static RELEASE: Release = const { Release };
}

struct Release;

impl Drop for Release {
    fn drop(&mut self) {
        let _ = INDEX.try_with(|index| {
            if let Some(slot) = OWN.get(index.get()) {
                // What comes after (other destructors) counts in the shared slot.
                index.set(SHARE);
                slot.taken.store(false, Ordering::Release);
            }
        });
    }
}

/// Adds to this thread's slot: plain loads and stores, as only this thread writes it.
#[inline(always)]
fn add_own(counter: &AtomicU64, n: u64) {
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(n),
        Ordering::Relaxed,
    );
}

#[inline(always)]
fn count(allocations: u64, allocated: u64, freed: u64) {
    let index = INDEX.try_with(Cell::get).unwrap_or(SHARE);
    if let Some(slot) = OWN.get(index) {
        if allocations > 0 {
            add_own(&slot.allocations, allocations);
            add_own(&slot.allocated, allocated);
        }
        if freed > 0 {
            add_own(&slot.freed, freed);
        }
    } else {
        count_slowly(index, allocations, allocated, freed);
    }
}

/// A thread without a slot: it looks for one the first time, and counts in the shared
/// slot until it has one.
#[cold]
#[inline(never)]
fn count_slowly(index: usize, allocations: u64, allocated: u64, freed: u64) {
    if index == NONE && !CLAIMING.try_with(Cell::get).unwrap_or(true) {
        INSTALLED.store(true, Ordering::Relaxed);
        claim();
        if let Ok(index) = INDEX.try_with(Cell::get) {
            if index < SLOTS {
                return count(allocations, allocated, freed);
            }
        }
    }
    SHARED.allocations.fetch_add(allocations, Ordering::Relaxed);
    SHARED.allocated.fetch_add(allocated, Ordering::Relaxed);
    SHARED.freed.fetch_add(freed, Ordering::Relaxed);
}

fn claim() {
    let _ = CLAIMING.try_with(|c| c.set(true));
    let start = NEXT.fetch_add(1, Ordering::Relaxed);
    let found = (0..SLOTS).map(|i| (start + i) % SLOTS).find(|&i| {
        OWN[i]
            .taken
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    });
    let index = match found {
        // Registering the release may allocate; that allocation counts in the shared slot.
        Some(i) if RELEASE.try_with(|_| ()).is_ok() => i,
        Some(i) => {
            OWN[i].taken.store(false, Ordering::Release);
            SHARE
        }
        None => SHARE,
    };
    let _ = INDEX.try_with(|c| c.set(index));
    let _ = CLAIMING.try_with(|c| c.set(false));
}

/// A global allocator that counts what goes through it, then hands it to `A`
/// ([`System`] unless told otherwise). See the [module](super).
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingAllocator<A = System> {
    inner: A,
}

impl CountingAllocator<System> {
    /// Counts, then allocates with the system allocator.
    #[must_use]
    pub const fn system() -> Self {
        Self { inner: System }
    }
}

impl<A> CountingAllocator<A> {
    /// Counts, then allocates with `inner` (jemalloc, mimalloc, …).
    #[must_use]
    pub const fn new(inner: A) -> Self {
        Self { inner }
    }
}

// SAFETY: every call is forwarded unchanged to `inner`, which upholds `GlobalAlloc`'s
// contract; counting touches only atomics and const thread-locals, and never allocates
// through this allocator in a way that could recurse without end (see `count_slowly`).
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAllocator<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let ptr = unsafe { self.inner.alloc(layout) };
        if !ptr.is_null() {
            count(1, layout.size() as u64, 0);
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let ptr = unsafe { self.inner.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count(1, layout.size() as u64, 0);
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { self.inner.dealloc(ptr, layout) };
        count(0, 0, layout.size() as u64);
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            count(1, new_size as u64, layout.size() as u64);
        }
        new
    }
}

/// What went through the [`CountingAllocator`] since the program started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct HeapTotals {
    /// Allocations (a `realloc` is one).
    pub allocations: u64,
    /// Bytes allocated.
    pub allocated_bytes: u64,
    /// Bytes freed.
    pub freed_bytes: u64,
}

impl HeapTotals {
    /// Bytes allocated and not freed yet.
    #[must_use]
    pub fn live_bytes(&self) -> u64 {
        self.allocated_bytes.saturating_sub(self.freed_bytes)
    }
}

/// The totals now, summed over every thread's slot. Reading allocates nothing, so it can
/// bracket the code it measures.
#[must_use]
pub fn totals() -> HeapTotals {
    let mut totals = HeapTotals::default();
    for slot in OWN.iter().chain([&SHARED]) {
        totals.allocations = totals
            .allocations
            .wrapping_add(slot.allocations.load(Ordering::Relaxed));
        totals.allocated_bytes = totals
            .allocated_bytes
            .wrapping_add(slot.allocated.load(Ordering::Relaxed));
        totals.freed_bytes = totals
            .freed_bytes
            .wrapping_add(slot.freed.load(Ordering::Relaxed));
    }
    totals
}

/// Whether the allocator is installed: it has counted before `main` (the runtime allocates
/// while it starts), so long before the exposition is laid out.
pub(crate) fn installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// Where this thread counts its allocations, and the bytes counted there so far: a later
/// reading on the same thread, less this one, is what the thread allocated in between.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ThreadReading {
    slot: usize,
    allocated: u64,
}

impl ThreadReading {
    /// This thread's reading, or `None` where its allocations cannot be told from other
    /// threads': the allocator is not installed, or the thread shares the common slot.
    #[inline]
    pub(crate) fn now() -> Option<Self> {
        if !installed() {
            return None;
        }
        let mut index = INDEX.try_with(Cell::get).ok()?;
        if index == NONE {
            // A thread that has not allocated yet: its slot, so that its first allocation
            // is counted where this reading looks.
            claim();
            index = INDEX.try_with(Cell::get).ok()?;
        }
        let slot = OWN.get(index)?;
        Some(Self {
            slot: index,
            allocated: slot.allocated.load(Ordering::Relaxed),
        })
    }

    /// Bytes this thread allocated since `self`, if it still counts in the same slot.
    #[inline]
    pub(crate) fn since(self) -> Option<u64> {
        let now = Self::now()?;
        (now.slot == self.slot).then(|| now.allocated.wrapping_sub(self.allocated))
    }
}
