//! Exemplars: the trace that one observation of a histogram, or one increment of a counter,
//! came from. The latest one of each bucket (or counter) is kept beside the metric, in a
//! table apart from it, so the metric stays its size and its hot path stays one atomic add;
//! the OpenMetrics format shows them.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{Counter, Histogram, MetricRef};

/// The most characters an exemplar's label names and values may have together, as
/// OpenMetrics allows.
pub const EXEMPLAR_MAX_CHARS: usize = 128;

/// An exemplar's labels, usually the trace and span an observation was made in.
///
/// ```
/// use meterbox::{Exemplar, Histogram};
///
/// static LATENCY: Histogram = Histogram::new(&[0.1, 1.0]);
///
/// let trace = Exemplar::trace("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")?;
/// LATENCY.observe_with_exemplar(0.067, &trace);
/// # Ok::<(), meterbox::ExemplarError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exemplar {
    labels: Arc<[(String, String)]>,
}

impl Exemplar {
    /// `trace_id` and `span_id`, as OpenTelemetry and Prometheus name them.
    ///
    /// # Errors
    ///
    /// See [`Exemplar::new`].
    pub fn trace(trace_id: &str, span_id: &str) -> Result<Self, ExemplarError> {
        Self::new(&[("trace_id", trace_id), ("span_id", span_id)])
    }

    /// Any labels.
    ///
    /// # Errors
    ///
    /// When a name is not a valid label name (`[a-zA-Z_][a-zA-Z0-9_]*`), a name appears
    /// twice, or names and values have more than [`EXEMPLAR_MAX_CHARS`] characters together.
    pub fn new(labels: &[(&str, &str)]) -> Result<Self, ExemplarError> {
        let valid = |name: &str| {
            let mut chars = name.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        if let Some((name, _)) = labels.iter().find(|(name, _)| !valid(name)) {
            return Err(ExemplarError::Name((*name).to_owned()));
        }
        for (i, (name, _)) in labels.iter().enumerate() {
            if labels[..i].iter().any(|(other, _)| other == name) {
                return Err(ExemplarError::Name((*name).to_owned()));
            }
        }
        let chars: usize = labels
            .iter()
            .map(|(k, v)| k.chars().count() + v.chars().count())
            .sum();
        if chars > EXEMPLAR_MAX_CHARS {
            return Err(ExemplarError::TooLong(chars));
        }
        Ok(Self {
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        })
    }

    /// The labels.
    #[must_use]
    pub fn labels(&self) -> &[(String, String)] {
        &self.labels
    }
}

/// Why labels cannot make an exemplar.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExemplarError {
    /// A label name that is not valid, or given twice.
    Name(String),
    /// Names and values together have this many characters, more than
    /// [`EXEMPLAR_MAX_CHARS`].
    TooLong(usize),
}

impl fmt::Display for ExemplarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExemplarError::Name(name) => write!(f, "`{name}` cannot name an exemplar's label"),
            ExemplarError::TooLong(n) => write!(
                f,
                "an exemplar's labels have {n} characters, more than {EXEMPLAR_MAX_CHARS}"
            ),
        }
    }
}

impl std::error::Error for ExemplarError {}

/// An exemplar as kept beside its metric: the latest of a histogram's bucket or of a
/// counter, as [`Series::exemplars`](crate::Series::exemplars) holds them.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptExemplar {
    /// Its labels.
    pub exemplar: Exemplar,
    /// The value observed, or the increment counted.
    pub value: f64,
    /// When, in seconds since the Unix epoch.
    pub timestamp: f64,
}

/// The exemplars kept, by the address of their metric: one slot per bucket of a histogram,
/// one for a counter.
pub(crate) type Table = HashMap<usize, Box<[Option<KeptExemplar>]>>;

static TABLE: Mutex<Option<Table>> = Mutex::new(None);
/// Whether any exemplar was kept: a render of a program without them looks no further.
static ANY: AtomicBool = AtomicBool::new(false);

fn keep(address: usize, slots: usize, slot: usize, exemplar: &Exemplar, value: f64) {
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let mut table = TABLE.lock().unwrap_or_else(PoisonError::into_inner);
    let kept = table
        .get_or_insert_with(HashMap::new)
        .entry(address)
        .or_insert_with(|| vec![None; slots].into_boxed_slice());
    if let Some(place) = kept.get_mut(slot) {
        *place = Some(KeptExemplar {
            exemplar: exemplar.clone(),
            value,
            timestamp,
        });
    }
    ANY.store(true, Ordering::Release);
}

/// Drops the exemplars kept for the metric at `address`: a removed series starts again
/// without them.
pub(crate) fn forget(address: usize) {
    if !ANY.load(Ordering::Acquire) {
        return;
    }
    if let Some(table) = TABLE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_mut()
    {
        table.remove(&address);
    }
}

/// A copy of every exemplar kept, for one render; `None` when there are none.
pub(crate) fn kept() -> Option<Table> {
    #[cfg(feature = "opentelemetry")]
    SCRAPES.fetch_add(1, Ordering::Relaxed);
    if !ANY.load(Ordering::Acquire) {
        return None;
    }
    TABLE.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

/// The exemplars kept in `table` for `cell`, for the kinds that have them: one slot per
/// bucket of a histogram, one for a counter.
pub(crate) fn of(table: &Table, cell: MetricRef) -> Option<&[Option<KeptExemplar>]> {
    let address = match cell {
        MetricRef::Counter(c) => core::ptr::from_ref(c) as usize,
        MetricRef::Histogram(h) => core::ptr::from_ref(h) as usize,
        _ => return None,
    };
    table.get(&address).map(|slots| &slots[..])
}

impl Histogram {
    /// Records `value`, as [`Histogram::observe`] does, and keeps `exemplar` as the latest of
    /// the bucket it fell in. Costs a lock and a clock read more than `observe`: for the
    /// observations worth tracing, not every one.
    pub fn observe_with_exemplar(&self, value: f64, exemplar: &Exemplar) {
        self.observe(value);
        if crate::ENABLED {
            let slot = self.index_of(self.bucket(value));
            keep(
                core::ptr::from_ref(self) as usize,
                self.bounds().len() + 1,
                slot,
                exemplar,
                value,
            );
        }
    }
}

impl Counter {
    /// Adds `n`, as [`Counter::inc_by`] does, and keeps `exemplar` as the counter's latest.
    pub fn inc_by_with_exemplar(&self, n: u64, exemplar: &Exemplar) {
        self.inc_by(n);
        if crate::ENABLED {
            // An increment is far below 2^53, where an f64 is exact.
            #[allow(clippy::cast_precision_loss)]
            keep(core::ptr::from_ref(self) as usize, 1, 0, exemplar, n as f64);
        }
    }
}

/// Scrapes so far (renders that read the exemplars): an exemplar taken from the current span
/// is kept once per bucket, thread and scrape, so that the calls of a traced request after
/// the first cost a look at a thread-local cache rather than a lock.
#[cfg(feature = "opentelemetry")]
static SCRAPES: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

#[cfg(feature = "opentelemetry")]
mod from_span {
    use core::cell::RefCell;

    use opentelemetry::trace::{SpanId, TraceContextExt as _, TraceId};

    use super::{keep, Exemplar, SCRAPES};
    use crate::metrics::{Counter, Histogram};

    /// Entries of the cache of what this thread kept in this scrape.
    const WAYS: usize = 64;

    thread_local! {
        /// `(metric address, slot, scrape)` of exemplars this thread kept lately.
        static KEPT: RefCell<[(usize, usize, u64); WAYS]> =
            const { RefCell::new([(0, 0, u64::MAX); WAYS]) };
        /// The exemplar of the span this thread saw last, made once.
        static LAST: RefCell<Option<(TraceId, SpanId, Exemplar)>> = const { RefCell::new(None) };
    }

    /// The current span's ids, when it is valid and sampled.
    #[inline]
    fn current() -> Option<(TraceId, SpanId)> {
        opentelemetry::Context::map_current(|cx| {
            let span = cx.span();
            let context = span.span_context();
            (context.is_valid() && context.is_sampled())
                .then(|| (context.trace_id(), context.span_id()))
        })
    }

    fn exemplar_for(trace: TraceId, span: SpanId) -> Option<Exemplar> {
        LAST.try_with(|last| {
            let mut last = last.try_borrow_mut().ok()?;
            if let Some((t, s, exemplar)) = last.as_ref() {
                if *t == trace && *s == span {
                    return Some(exemplar.clone());
                }
            }
            let exemplar = Exemplar::trace(&trace.to_string(), &span.to_string()).ok()?;
            *last = Some((trace, span, exemplar.clone()));
            Some(exemplar)
        })
        .ok()
        .flatten()
    }

    /// Keeps the current span as the exemplar of the metric at `address`, unless there is
    /// none or this thread kept one there since the last scrape. `slot_and_value` is only
    /// worked out once there is a span: a call outside any span pays for the look alone.
    #[inline]
    fn keep_current(address: usize, slots: usize, slot_and_value: impl FnOnce() -> (usize, f64)) {
        if !crate::ENABLED {
            return;
        }
        let Some((trace, span)) = current() else {
            return;
        };
        keep_span(address, slots, slot_and_value(), trace, span);
    }

    #[cold]
    fn keep_span(
        address: usize,
        slots: usize,
        (slot, value): (usize, f64),
        trace: TraceId,
        span: SpanId,
    ) {
        let scrape = SCRAPES.load(core::sync::atomic::Ordering::Relaxed);
        let way = ((address >> 4) ^ slot.wrapping_mul(31)) % WAYS;
        let entry = (address, slot, scrape);
        let seen = KEPT
            .try_with(|kept| kept.try_borrow().is_ok_and(|k| k[way] == entry))
            .unwrap_or(false);
        if seen {
            return;
        }
        let Some(exemplar) = exemplar_for(trace, span) else {
            return;
        };
        keep(address, slots, slot, &exemplar, value);
        let _ = KEPT.try_with(|kept| {
            if let Ok(mut kept) = kept.try_borrow_mut() {
                kept[way] = entry;
            }
        });
    }

    impl Histogram {
        /// Keeps the current span as the exemplar of a duration of `nanos` just observed.
        #[inline]
        pub(crate) fn keep_span_exemplar_ns(&self, nanos: u64) {
            keep_current(
                core::ptr::from_ref(self) as usize,
                self.bounds().len() + 1,
                || {
                    // Durations are far below 2^53 nanoseconds, where an f64 is exact.
                    #[allow(clippy::cast_precision_loss)]
                    let seconds = nanos as f64 / 1e9;
                    (self.index_of(self.bucket_ns(nanos)), seconds)
                },
            );
        }
    }

    impl Counter {
        /// Keeps the current span as the exemplar of an increment of one just counted.
        #[inline]
        pub(crate) fn keep_span_exemplar(&self) {
            keep_current(core::ptr::from_ref(self) as usize, 1, || (0, 1.0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_checked() {
        assert!(Exemplar::trace("a".repeat(32).as_str(), "b").is_ok());
        assert_eq!(
            Exemplar::new(&[("1x", "v")]),
            Err(ExemplarError::Name("1x".into()))
        );
        assert_eq!(
            Exemplar::new(&[("a", "1"), ("a", "2")]),
            Err(ExemplarError::Name("a".into()))
        );
        let long = "x".repeat(121);
        assert_eq!(
            Exemplar::new(&[("trace_id", &long)]),
            Err(ExemplarError::TooLong(129))
        );
    }

    #[test]
    // The values compared are the ones stored, exactly.
    #[allow(clippy::float_cmp)]
    fn the_latest_of_each_bucket_is_kept() {
        static H: Histogram = Histogram::new(&[1.0, 2.0]);
        let a = Exemplar::trace("a", "1").unwrap();
        let b = Exemplar::trace("b", "2").unwrap();
        H.observe_with_exemplar(0.5, &a);
        H.observe_with_exemplar(0.7, &b);
        H.observe_with_exemplar(5.0, &a);
        let table = kept().unwrap();
        let slots = &table[&(core::ptr::from_ref(&H) as usize)];
        assert_eq!(slots.len(), 3);
        let first = slots[0].as_ref().unwrap();
        assert_eq!(
            (first.exemplar.labels()[0].1.as_str(), first.value),
            ("b", 0.7)
        );
        assert!(slots[1].is_none());
        assert_eq!(slots[2].as_ref().unwrap().value, 5.0);
        assert_eq!(H.count(), 3);
    }
}
