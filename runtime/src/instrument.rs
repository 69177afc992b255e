//! What `#[counted]` expands to: per-function call counters split by outcome, and the `Drop`
//! guard that records the outcome on every exit path; and the one guard of `#[instrumented]`.

use crate::clock::{end_of, tick, Tick};
use crate::metrics::{ChildMetric, Counter, Gauge, Histogram, ShardedCounter};
use crate::metrics::{Collect, Kind, MetricRef};

/// How a call of an instrumented function ended: the `result` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Outcome {
    /// Returned normally (any non-`Result` value, or `Ok`).
    Ok = 0,
    /// Returned an `Err`.
    Error = 1,
    /// Unwound with a panic.
    Panic = 2,
    /// An async call whose future was dropped before it completed.
    Cancelled = 3,
}

impl Outcome {
    /// Every outcome, in label order.
    pub const ALL: [Outcome; 4] = [
        Outcome::Ok,
        Outcome::Error,
        Outcome::Panic,
        Outcome::Cancelled,
    ];

    /// The `result` label value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Panic => "panic",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// A counter that can count calls: a plain [`Counter`], or a [`ShardedCounter`] for
/// `#[counted(sharded)]`.
pub trait CallCounter: Send + Sync + Sized + 'static {
    /// At zero.
    #[allow(clippy::declare_interior_mutable_const)] // a template, copied on each use
    const ZERO: Self;
    /// Counts one call.
    fn inc(&self);
    /// The count.
    fn get(&self) -> u64;
    /// What the encoders read.
    fn cell(&'static self) -> MetricRef;
    /// Counts one call, with the current OpenTelemetry span as its exemplar where the
    /// counter keeps exemplars.
    #[inline(always)]
    fn inc_traced(&self) {
        self.inc();
    }
}

impl CallCounter for Counter {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = Counter::new();
    #[inline(always)]
    fn inc(&self) {
        Counter::inc(self);
    }
    fn get(&self) -> u64 {
        Counter::get(self)
    }
    fn cell(&'static self) -> MetricRef {
        MetricRef::Counter(self)
    }
    #[cfg(feature = "opentelemetry")]
    #[inline(always)]
    fn inc_traced(&self) {
        Counter::inc(self);
        self.keep_span_exemplar();
    }
}

impl CallCounter for ShardedCounter {
    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: Self = ShardedCounter::new();
    #[inline(always)]
    fn inc(&self) {
        ShardedCounter::inc(self);
    }
    fn get(&self) -> u64 {
        ShardedCounter::get(self)
    }
    fn cell(&'static self) -> MetricRef {
        MetricRef::Sharded(self)
    }
}

/// Call counters of one instrumented function, one per [`Outcome`].
#[derive(Debug)]
pub struct Calls<C: CallCounter = Counter> {
    counters: [C; 4],
    /// The outcomes the function can end with, one bit each by [`Outcome`]: only their
    /// series are exposed, so that a function that cannot be cancelled (any but an async
    /// one) shows no `cancelled` series that would stay at zero for ever.
    possible: u8,
}

impl<C: CallCounter> Calls<C> {
    /// The counters of a function that cannot be cancelled (a sync one), evaluated once:
    /// a `static` made from a constant costs the compiler no evaluation of its own.
    #[doc(hidden)]
    pub const NOT_CANCELLED: Self = Self::new().without(Outcome::Cancelled);

    /// The counters of a function whose value is not seen: it returns or panics.
    #[doc(hidden)]
    pub const OK_OR_PANIC: Self = Self::NOT_CANCELLED.without(Outcome::Error);

    /// All outcomes at zero.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            counters: [const { C::ZERO }; 4],
            possible: 0b1111,
        }
    }

    /// The same counters for a function that cannot end with `outcome`: its series is
    /// not exposed.
    #[must_use]
    pub const fn without(mut self, outcome: Outcome) -> Self {
        self.possible &= !(1 << outcome as u8);
        self
    }

    /// Calls that ended with `outcome`.
    #[must_use]
    pub fn get(&self, outcome: Outcome) -> u64 {
        self.counters[outcome as usize].get()
    }
}

impl<C: CallCounter> Default for Calls<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: CallCounter + ChildMetric> ChildMetric for Calls<C> {
    #[allow(clippy::declare_interior_mutable_const)] // a template, copied on each use
    const ZERO: Self = Calls::new();
    fn fresh(&self) -> Self {
        Calls {
            counters: [const { <C as CallCounter>::ZERO }; 4],
            possible: self.possible,
        }
    }
    fn reset(&self) {
        self.counters.iter().for_each(ChildMetric::reset);
    }
    fn activity(&self) -> u64 {
        self.counters
            .iter()
            .map(ChildMetric::activity)
            .fold(0, u64::wrapping_add)
    }
}

impl<C: CallCounter> Collect for Calls<C> {
    fn kind(&self) -> Kind {
        Kind::Counter
    }
    fn extra_label_names(&'static self) -> &'static [&'static str] {
        &["result"]
    }
    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        for outcome in Outcome::ALL {
            if self.possible & (1 << outcome as u8) != 0 {
                visit(&[outcome.as_str()], self.counters[outcome as usize].cell());
            }
        }
    }
}

/// Counts one call when the call ends.
///
/// [`CallGuard::finish`] records the outcome of a returned value. If the guard is dropped
/// instead, the call unwound (`panic`) or, for the async forms, its future was dropped
/// (`cancelled`); for `#[track_caller]` functions, where the value cannot be seen, a drop
/// outside a panic is an `ok` return.
#[derive(Debug)]
pub struct CallGuard<C: CallCounter = Counter> {
    calls: &'static Calls<C>,
    on_drop: Outcome,
}

impl<C: CallCounter> CallGuard<C> {
    /// Starts a call whose silent end (a drop outside a panic) counts as `on_drop`.
    #[inline(always)]
    #[must_use]
    pub const fn new(calls: &'static Calls<C>, on_drop: Outcome) -> Self {
        Self { calls, on_drop }
    }

    /// Ends the call with `outcome`.
    #[inline(always)]
    pub fn finish(self, outcome: Outcome) {
        let calls = self.calls;
        core::mem::forget(self);
        calls.counters[outcome as usize].inc_traced();
    }
}

impl<C: CallCounter> Drop for CallGuard<C> {
    /// Runs only when a call ends without `finish`: a panic, a cancelled future, or a
    /// function measured by the guard alone. Kept small, as it sits on every function's
    /// unwinding path: the generic part is the one add.
    #[inline]
    fn drop(&mut self) {
        self.calls.counters[silent_end(self.on_drop) as usize].inc_traced();
    }
}

/// How a call that ended without a word ended: in a panic, or as `on_drop` says. Not
/// generic, so compiled once, here. `extern "C"`, as all that guards call: it cannot unwind
/// (nothing in them panics), so callers compile no cleanup path around the call.
#[inline(never)]
extern "C" fn silent_end(on_drop: Outcome) -> Outcome {
    if std::thread::panicking() {
        Outcome::Panic
    } else {
        on_drop
    }
}

/// Holds one call in `function_calls_in_flight` from entry until it ends, however it ends.
#[derive(Debug)]
pub struct InFlightGuard {
    gauge: &'static Gauge,
}

impl InFlightGuard {
    /// Counts the call in.
    #[inline]
    #[must_use]
    pub fn enter(gauge: &'static Gauge) -> Self {
        gauge.inc();
        Self { gauge }
    }
}

impl Drop for InFlightGuard {
    /// Out of line: a gauge's update is a compare-and-swap loop, which inlined would be
    /// generated twice in each function (its return and its unwinding), for a call's
    /// worth of time.
    #[inline(never)]
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

/// The guard of `#[instrumented]`: the call held in flight, timed and counted by outcome,
/// as the three attributes' guards would, started together and ended by one call. One guard
/// is less code in every instrumented function than three, each with its own drop on the
/// return and the unwinding paths.
#[derive(Debug)]
pub struct InstrumentedGuard<C: CallCounter = Counter> {
    in_flight: &'static Gauge,
    histogram: &'static Histogram,
    calls: &'static Calls<C>,
    on_drop: Outcome,
    start: Tick,
}

impl<C: CallCounter> InstrumentedGuard<C> {
    /// Counts the call in and starts its timer; a silent end (a drop outside a panic)
    /// counts as `on_drop`.
    #[inline(always)]
    #[must_use]
    pub fn enter(
        in_flight: &'static Gauge,
        histogram: &'static Histogram,
        calls: &'static Calls<C>,
        on_drop: Outcome,
    ) -> Self {
        Self {
            in_flight,
            histogram,
            calls,
            on_drop,
            start: entered(in_flight),
        }
    }

    /// Ends the call with `outcome`.
    #[inline(always)]
    pub fn finish(self, outcome: Outcome) {
        core::mem::ManuallyDrop::new(self).end(outcome);
    }

    /// Records the call's end with `outcome`, the clock read first: one call from every
    /// instrumented function, generic but out of line, so compiled once in a crate, and
    /// unable to unwind (see [`silent_end`]).
    #[inline(never)]
    extern "C" fn end(&self, outcome: Outcome) {
        let end = end_of(self.start);
        self.calls.counters[outcome as usize].inc_traced();
        ended(self.histogram, self.start, end, self.in_flight);
    }
}

/// A call counted in flight, and its start: out of line, as a gauge's update is a
/// compare-and-swap loop, and unable to unwind (see [`silent_end`]).
#[inline(never)]
extern "C" fn entered(in_flight: &Gauge) -> Tick {
    in_flight.inc();
    tick()
}

/// The rest of a call's end, out of line and not generic: compiled once, here, and unable
/// to unwind (see [`silent_end`]).
#[inline(never)]
extern "C" fn ended(histogram: &Histogram, start: Tick, end: u64, in_flight: &Gauge) {
    histogram.observe_since(start, end);
    in_flight.dec();
}

impl<C: CallCounter> Drop for InstrumentedGuard<C> {
    #[inline]
    fn drop(&mut self) {
        self.end(silent_end(self.on_drop));
    }
}

/// Borrows a returned value for classification by method resolution: a `Result` (under
/// any alias) resolves to [`ClassifyResult`], anything else falls back to [`ClassifyAny`]
/// through one more auto-reference.
#[derive(Debug)]
pub struct Classify<'a, T: ?Sized>(pub &'a T);

/// Classifies a `Result` by its variant.
pub trait ClassifyResult {
    /// `Ok` or `Error`.
    fn __meterbox_outcome(&self) -> Outcome;
}

impl<T, E> ClassifyResult for Classify<'_, Result<T, E>> {
    #[inline(always)]
    fn __meterbox_outcome(&self) -> Outcome {
        if self.0.is_ok() {
            Outcome::Ok
        } else {
            Outcome::Error
        }
    }
}

/// Classifies every other value as `Ok`.
pub trait ClassifyAny {
    /// Always `Ok`.
    #[inline(always)]
    fn __meterbox_outcome(&self) -> Outcome {
        Outcome::Ok
    }
}

impl<T: ?Sized> ClassifyAny for &Classify<'_, T> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::needless_borrow)] // the borrow is what selects the fallback
    fn results_are_classified_under_any_alias() {
        let ok: std::io::Result<u8> = Ok(1);
        let err: std::io::Result<u8> = Err(std::io::Error::other("x"));
        assert_eq!((&Classify(&ok)).__meterbox_outcome(), Outcome::Ok);
        assert_eq!((&Classify(&err)).__meterbox_outcome(), Outcome::Error);
        assert_eq!((&Classify(&5u32)).__meterbox_outcome(), Outcome::Ok);
        assert_eq!((&Classify(&Some(()))).__meterbox_outcome(), Outcome::Ok);
    }

    #[test]
    fn guard_counts_panics_and_silent_drops() {
        static CALLS: Calls = Calls::new();
        CallGuard::new(&CALLS, Outcome::Cancelled).finish(Outcome::Error);
        drop(CallGuard::new(&CALLS, Outcome::Cancelled));
        let _ = std::panic::catch_unwind(|| {
            let _g = CallGuard::new(&CALLS, Outcome::Ok);
            panic!("boom");
        });
        assert_eq!(CALLS.get(Outcome::Error), 1);
        assert_eq!(CALLS.get(Outcome::Cancelled), 1);
        assert_eq!(CALLS.get(Outcome::Panic), 1);
        assert_eq!(CALLS.get(Outcome::Ok), 0);
    }
}
