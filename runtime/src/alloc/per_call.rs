//! What `#[allocations]` expands to: the bytes each call allocated on its thread, observed
//! into a histogram when the call ends. A sync call is bracketed by a guard; an async call
//! is measured around each poll of its future, so what other tasks allocate on the same
//! thread while it waits is not counted.

use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll};

use super::counting::{installed, ThreadReading};
use crate::metrics::Histogram;

/// Whether the missing allocator was reported.
static WARNED: AtomicBool = AtomicBool::new(false);

/// This thread's reading at the start of a measurement. Without the counting allocator
/// nothing can be measured, which is said once on stderr rather than left to be found as a
/// histogram that never fills.
#[inline]
fn start() -> Option<ThreadReading> {
    let reading = ThreadReading::now();
    if reading.is_none() && !installed() && !WARNED.swap(true, Ordering::Relaxed) {
        eprintln!(
            "meterbox: allocations per call are not recorded: install \
             meterbox::alloc::CountingAllocator as the #[global_allocator]"
        );
    }
    reading
}

/// Bytes a piece of work allocated over several stretches on possibly different threads:
/// an async call's polls, or an HTTP request's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PolledBytes {
    /// `None` once a stretch could not be measured.
    bytes: Option<u64>,
}

impl PolledBytes {
    /// Nothing measured yet.
    pub(crate) const fn new() -> Self {
        Self { bytes: Some(0) }
    }

    /// Runs `f`, adding what it allocated on this thread.
    #[inline]
    pub(crate) fn around<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let before = start();
        let result = f();
        let added = before.and_then(ThreadReading::since);
        self.bytes = self.bytes.zip(added).map(|(a, b)| a.wrapping_add(b));
        result
    }

    /// The total, if every stretch was measured.
    pub(crate) const fn total(self) -> Option<u64> {
        self.bytes
    }
}

/// Observes `bytes` into `histogram`.
// Byte counts are far below 2^53, where an f64 is exact.
#[allow(clippy::cast_precision_loss)]
fn observe(histogram: &Histogram, bytes: u64) {
    histogram.observe(bytes as f64);
}

/// Observes what a sync call allocated on its thread when it ends, however it ends.
#[derive(Debug)]
pub struct AllocationGuard {
    histogram: &'static Histogram,
    start: Option<ThreadReading>,
}

impl AllocationGuard {
    /// Starts measuring a call.
    #[inline]
    #[must_use]
    pub fn enter(histogram: &'static Histogram) -> Self {
        Self {
            histogram,
            start: start(),
        }
    }
}

impl Drop for AllocationGuard {
    #[inline]
    fn drop(&mut self) {
        if let Some(bytes) = self.start.and_then(ThreadReading::since) {
            observe(self.histogram, bytes);
        }
    }
}

pin_project_lite::pin_project! {
    /// An async call's future, measured around each poll; what it allocated is observed
    /// when it completes, or when it is dropped before that.
    #[derive(Debug)]
    pub struct CountAllocations<F> {
        #[pin]
        inner: F,
        call: PolledCall,
    }
}

/// The part of [`CountAllocations`] that is not pinned, and observes on drop a call that
/// did not complete.
#[derive(Debug)]
struct PolledCall {
    /// Taken when observed.
    histogram: Option<&'static Histogram>,
    bytes: PolledBytes,
}

impl PolledCall {
    fn finish(&mut self) {
        if let (Some(histogram), Some(bytes)) = (self.histogram.take(), self.bytes.total()) {
            observe(histogram, bytes);
        }
    }
}

impl Drop for PolledCall {
    fn drop(&mut self) {
        self.finish();
    }
}

impl<F> CountAllocations<F> {
    /// Measures `inner`'s polls into `histogram`.
    #[inline]
    #[must_use]
    pub fn new(histogram: &'static Histogram, inner: F) -> Self {
        Self {
            inner,
            call: PolledCall {
                histogram: Some(histogram),
                bytes: PolledBytes::new(),
            },
        }
    }
}

impl<F: Future> Future for CountAllocations<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let inner = this.inner;
        let poll = this.call.bytes.around(|| inner.poll(cx));
        if poll.is_ready() {
            this.call.finish();
        }
        poll
    }
}
