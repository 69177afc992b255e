//! A meter: a count of events and their rates, with the 1-, 5- and 15-minute exponentially
//! weighted moving averages of the Coda Hale / Dropwizard metrics library.
//!
//! Events marked since the last tick wait in one counter; every 5 seconds of clock time a
//! tick turns them into an instant rate and moves each average toward it by its factor
//! α = 1 − e^(−5 s / window). Ticks happen lazily, on the first mark or read after a tick
//! is due, so an idle meter costs nothing; a long idle stretch is caught up in one step,
//! as k empty ticks multiply a rate by (1 − α)^k.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::Counter;
use crate::clock::{monotonic, Clock};
use crate::metrics::{Collect, Kind, MetricRef};

/// Seconds between two ticks of a meter's moving averages.
pub const METER_TICK_SECONDS: u64 = 5;

const TICK_NS: u64 = METER_TICK_SECONDS * 1_000_000_000;

/// The tick in seconds, for the rate arithmetic.
const TICK_SECONDS: f64 = 5.0;

/// The `window` label values of a meter's rates, in the order of [`MeterRates::rate`].
pub const METER_WINDOWS: [&str; 4] = ["1m", "5m", "15m", "mean"];

const UNSET: u64 = u64::MAX;

/// Counts events and keeps their rates: the mean since the first event and the 1-, 5- and
/// 15-minute moving averages, in events per second.
///
/// ```
/// use meterbox::{metric, Meter};
///
/// /// Messages consumed.
/// #[metric]
/// static MESSAGES: Meter = Meter::new();
///
/// MESSAGES.mark();
/// MESSAGES.mark_n(9);
/// assert_eq!(MESSAGES.count(), 10);
/// ```
///
/// It is exposed as a counter `<name>_total` and a gauge `<name>_rate{window}` whose
/// `window` is `1m`, `5m`, `15m` or `mean`. The averages follow the Dropwizard library
/// (`Meter` and `EWMA`): a 5-second tick, the first tick's instant rate as the starting
/// value, rates per second. A mark costs two atomic adds and a clock read.
#[derive(Debug)]
pub struct Meter {
    count: Counter,
    rates: MeterRates,
}

/// What `#[metered]` holds for the length of a call: nothing, the mark is made on entry.
#[doc(hidden)]
#[derive(Debug)]
pub struct Marked;

/// The rates of a [`Meter`], exposed as its companion gauge family.
#[derive(Debug)]
pub struct MeterRates {
    clock: Clock,
    /// Clock reading of the first mark or read, in nanoseconds.
    start: AtomicU64,
    last_tick: AtomicU64,
    /// Events marked since the last tick.
    uncounted: AtomicU64,
    /// Events already folded into the averages.
    ticked: AtomicU64,
    /// The three averages as `f64` bits, events per second.
    averages: [AtomicU64; 3],
    started: AtomicBool,
    tick: Mutex<()>,
}

/// α of each average for the 5-second tick: 1 − e^(−5/60/minutes).
fn alpha(window: usize) -> f64 {
    let minutes = [1.0, 5.0, 15.0][window];
    1.0 - (-TICK_SECONDS / 60.0 / minutes).exp()
}

fn nanos(clock: Clock) -> u64 {
    u64::try_from(clock().as_nanos()).unwrap_or(u64::MAX - 1)
}

impl Meter {
    /// A meter at zero that reads the process's monotonic clock.
    #[must_use]
    pub const fn new() -> Self {
        Self::with_clock(monotonic)
    }

    /// A meter reading time from `clock`, for tests that step time by hand.
    #[must_use]
    pub const fn with_clock(clock: Clock) -> Self {
        Self {
            count: Counter::new(),
            rates: MeterRates {
                clock,
                start: AtomicU64::new(UNSET),
                last_tick: AtomicU64::new(UNSET),
                uncounted: AtomicU64::new(0),
                ticked: AtomicU64::new(0),
                averages: [const { AtomicU64::new(0) }; 3],
                started: AtomicBool::new(false),
                tick: Mutex::new(()),
            },
        }
    }

    /// Records one event.
    #[inline]
    pub fn mark(&self) {
        self.mark_n(1);
    }

    /// Records `n` events.
    #[inline]
    pub fn mark_n(&self, n: u64) {
        if !crate::ENABLED {
            return;
        }
        self.rates.tick_if_due();
        self.count.inc_by(n);
        self.rates.uncounted.fetch_add(n, Ordering::Relaxed);
    }

    /// Marks one call of a `#[metered]` function; what the guard-shaped expansions hold.
    #[doc(hidden)]
    #[inline]
    pub fn enter(&self) -> Marked {
        self.mark();
        Marked
    }

    /// Events since start.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count.get()
    }

    /// The rates.
    #[must_use]
    pub fn rates(&self) -> &MeterRates {
        &self.rates
    }

    /// The 1-minute moving average, events per second.
    #[must_use]
    pub fn one_minute_rate(&self) -> f64 {
        self.rates.rate(0)
    }

    /// The 5-minute moving average, events per second.
    #[must_use]
    pub fn five_minute_rate(&self) -> f64 {
        self.rates.rate(1)
    }

    /// The 15-minute moving average, events per second.
    #[must_use]
    pub fn fifteen_minute_rate(&self) -> f64 {
        self.rates.rate(2)
    }

    /// Events per second since the first mark or read.
    #[must_use]
    pub fn mean_rate(&self) -> f64 {
        self.rates.rate(3)
    }

    /// Back to zero, for a removed series: the count, and the rates as if never marked.
    pub(crate) fn reset(&self) {
        let rates = &self.rates;
        let _ticking = rates.tick.lock().unwrap_or_else(PoisonError::into_inner);
        self.count.reset();
        rates.uncounted.store(0, Ordering::Relaxed);
        rates.ticked.store(0, Ordering::Relaxed);
        for average in &rates.averages {
            average.store(0, Ordering::Relaxed);
        }
        rates.started.store(false, Ordering::Relaxed);
        rates.last_tick.store(UNSET, Ordering::Release);
        rates.start.store(UNSET, Ordering::Release);
    }

    /// A new meter at zero with this one's clock.
    pub(crate) fn settings(&self) -> Self {
        Self::with_clock(self.rates.clock)
    }
}

impl Default for Meter {
    fn default() -> Self {
        Self::new()
    }
}

impl MeterRates {
    /// The current clock reading, starting the meter on first use.
    #[inline]
    fn now(&self) -> (u64, u64) {
        let now = nanos(self.clock);
        let start = self.start.load(Ordering::Acquire);
        if start != UNSET {
            return (start, now);
        }
        self.start_at(now)
    }

    #[cold]
    fn start_at(&self, now: u64) -> (u64, u64) {
        let start =
            match self
                .start
                .compare_exchange(UNSET, now, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    self.last_tick.store(now, Ordering::Release);
                    now
                }
                Err(start) => start,
            };
        (start, now)
    }

    /// Folds the waiting events into the averages if a tick is due.
    #[inline]
    fn tick_if_due(&self) {
        let (_, now) = self.now();
        let last = self.last_tick.load(Ordering::Acquire);
        if last != UNSET && now.saturating_sub(last) > TICK_NS {
            self.tick(now);
        }
    }

    #[cold]
    fn tick(&self, now: u64) {
        let _guard = self.tick.lock().unwrap_or_else(PoisonError::into_inner);
        let last = self.last_tick.load(Ordering::Acquire);
        let age = now.saturating_sub(last);
        if age <= TICK_NS {
            return; // another thread ticked meanwhile
        }
        let ticks = age / TICK_NS;
        self.last_tick.store(now - age % TICK_NS, Ordering::Release);
        let count = self.uncounted.swap(0, Ordering::Relaxed);
        self.ticked.fetch_add(count, Ordering::Relaxed);
        #[allow(clippy::cast_precision_loss)] // event counts per tick are far below 2^53
        let instant = count as f64 / TICK_SECONDS;
        let started = self.started.swap(true, Ordering::Relaxed);
        // The remaining ticks saw no events: each multiplies the rate by 1 − α.
        let idle = i32::try_from(ticks - 1).unwrap_or(i32::MAX);
        for (window, average) in self.averages.iter().enumerate() {
            let a = alpha(window);
            let mut rate = f64::from_bits(average.load(Ordering::Relaxed));
            rate = if started {
                rate + a * (instant - rate)
            } else {
                instant
            };
            rate *= (1.0 - a).powi(idle);
            average.store(rate.to_bits(), Ordering::Relaxed);
        }
    }

    /// Rate number `window` of [`METER_WINDOWS`] (`1m`, `5m`, `15m`, `mean`), events per
    /// second; 0 past the end.
    #[must_use]
    pub fn rate(&self, window: usize) -> f64 {
        self.tick_if_due();
        if window == 3 {
            let (start, now) = self.now();
            let seconds = Duration::from_nanos(now.saturating_sub(start)).as_secs_f64();
            let events =
                self.ticked.load(Ordering::Relaxed) + self.uncounted.load(Ordering::Relaxed);
            #[allow(clippy::cast_precision_loss)]
            return if seconds > 0.0 {
                events as f64 / seconds
            } else {
                0.0
            };
        }
        self.averages
            .get(window)
            .map_or(0.0, |a| f64::from_bits(a.load(Ordering::Relaxed)))
    }
}

impl Collect for Meter {
    fn kind(&self) -> Kind {
        Kind::Counter
    }
    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        visit(&[], MetricRef::Counter(&self.count));
    }
    fn companion(&'static self) -> Option<&'static dyn Collect> {
        Some(&self.rates)
    }
}

impl Collect for MeterRates {
    fn kind(&self) -> Kind {
        Kind::Gauge
    }
    fn extra_label_names(&'static self) -> &'static [&'static str] {
        &["window"]
    }
    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        for (i, window) in METER_WINDOWS.iter().enumerate() {
            visit(core::slice::from_ref(window), MetricRef::Rate(self, i));
        }
    }
}
