//! The `metrics` facade's macros, from any crate of the program, recorded into meterbox's
//! registry: `counter!`, `gauge!` and `histogram!` land in run-time families and show in
//! every format and surfacer beside the link-time metrics.
//!
//! ```
//! meterbox::facade::install().expect("no other recorder is installed");
//!
//! metrics::describe_counter!("jobs_done", "Jobs finished.");
//! metrics::counter!("jobs_done", "queue" => "mail").increment(3);
//! metrics::gauge!("queue_depth").set(7.0);
//! metrics::histogram!("job_seconds").record(0.25);
//!
//! let text = meterbox::render(meterbox::Format::Prometheus);
//! assert!(text.contains("# HELP jobs_done_total Jobs finished.\n"));
//! assert!(text.contains("jobs_done_total{queue=\"mail\"} 3\n"));
//! assert!(text.contains("queue_depth 7.0\n"));
//! assert!(text.contains("job_seconds_count 1\n"));
//! ```
//!
//! - Names and label keys go through the [`Sanitize`](crate::Sanitize) setting, as every
//!   run-time family's do; a counter's family ends in `_total`.
//! - A name used with different label keys is one family whose series carry either set.
//! - Histograms have [`DEFAULT_DURATION_BUCKETS`], or the
//!   bounds given for the longest prefix of the name that [`FacadeBuilder::buckets`] set.
//! - A description sets the family's help, and its unit where the name ends with that unit
//!   (`request_seconds` with `Unit::Seconds`); one that comes after the first use still
//!   applies.
//! - With [`FacadeBuilder::idle_timeout`], a series not updated for that long is removed at
//!   the next read, as `metrics-exporter-prometheus`'s idle timeout does, and comes back at
//!   zero when used again.
//! - What cannot be recorded (a name a link-time metric of another type has, a name the
//!   `Strict` mode refuses) is said once on stderr with the reason, and its updates go
//!   nowhere.
//!
//! Why this file is long: the `metrics` crate's recorder trait has a method per kind, for
//! registering and describing, and each kind a handle type with its trait; they share the
//! one handle cache and family registration, which split apart would be read in two places.

use std::collections::HashMap;
use std::fmt;
use std::panic::Location;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use metrics::{Key, KeyName, Metadata, SharedString, Unit};

use crate::metrics::{ChildMetric, Counter, Gauge, Histogram, DEFAULT_DURATION_BUCKETS};
use crate::runtime_family::{redescribe, Definition, RegisterError, RuntimeFamily};
use crate::sanitize::sanitize_mode;

/// Installs meterbox as the `metrics` recorder of the program, with the default buckets.
///
/// # Errors
///
/// When a recorder is installed already.
pub fn install() -> Result<(), InstallError> {
    builder().install()
}

/// A recorder to configure before installing it.
#[must_use]
pub fn builder() -> FacadeBuilder {
    FacadeBuilder {
        buckets: Vec::new(),
        idle: Duration::ZERO,
    }
}

/// Settings of the recorder: see [`builder`].
#[derive(Debug, Clone)]
pub struct FacadeBuilder {
    /// `(name prefix, bounds)`; the bounds are leaked, once per call of `buckets`, as
    /// every histogram's bounds are `'static`.
    buckets: Vec<(String, &'static [f64])>,
    /// How long a series may go unchanged before it is removed; zero for ever.
    idle: Duration,
}

impl FacadeBuilder {
    /// Removes a series that has not changed for `idle` at the next read (a render, a
    /// snapshot, a push), as [`RuntimeFamily::expire_after`] does; it comes back at zero
    /// when the program records into it again. `Duration::ZERO`, the default, keeps every
    /// series.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let recorder = meterbox::facade::builder()
    ///     .idle_timeout(Duration::from_secs(300))
    ///     .recorder();
    /// # drop(recorder);
    /// ```
    #[must_use]
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.idle = idle;
        self
    }

    /// Histograms whose name starts with `prefix` (as written in the macro) get `bounds`;
    /// the longest matching prefix wins.
    ///
    /// # Errors
    ///
    /// When `bounds` is empty, holds more than [`Histogram::MAX_BUCKETS`] bounds, a NaN or
    /// an infinity, or is not strictly increasing.
    pub fn buckets(mut self, prefix: &str, bounds: &[f64]) -> Result<Self, BucketsError> {
        let increasing = bounds.windows(2).all(|w| w[0] < w[1]);
        if bounds.is_empty()
            || bounds.len() > Histogram::MAX_BUCKETS
            || bounds.iter().any(|b| !b.is_finite())
            || !increasing
        {
            return Err(BucketsError {
                prefix: prefix.to_owned(),
            });
        }
        self.buckets
            .push((prefix.to_owned(), bounds.to_vec().leak()));
        Ok(self)
    }

    /// The recorder, not installed: for `metrics::with_local_recorder` or a recorder of
    /// one's own that forwards to it.
    #[must_use]
    pub fn recorder(self) -> MeterboxRecorder {
        MeterboxRecorder {
            buckets: self.buckets,
            idle: self.idle,
            descriptions: Mutex::new(HashMap::new()),
            counters: Handles::default(),
            gauges: Handles::default(),
            histograms: Handles::default(),
        }
    }

    /// Installs the recorder as the program's.
    ///
    /// # Errors
    ///
    /// When a recorder is installed already.
    pub fn install(self) -> Result<(), InstallError> {
        metrics::set_global_recorder(self.recorder()).map_err(|_| InstallError)
    }
}

/// Histogram bounds that no histogram can have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketsError {
    /// The prefix they were given for.
    pub prefix: String,
}

impl fmt::Display for BucketsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the bucket bounds for `{}` must be 1 to {} finite numbers, strictly increasing",
            self.prefix,
            Histogram::MAX_BUCKETS
        )
    }
}

impl std::error::Error for BucketsError {}

/// Another `metrics` recorder was installed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstallError;

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a `metrics` recorder is installed already")
    }
}

impl std::error::Error for InstallError {}

/// The families of one kind by name and label keys; `None` for one that could not be
/// registered.
type Families<M> = HashMap<(String, Vec<String>), Option<&'static RuntimeFamily<M>>>;

/// The families of one kind, and each key's handle, made once.
struct Handles<M: ChildMetric, H> {
    families: Mutex<Families<M>>,
    handles: RwLock<HashMap<Key, Option<Arc<H>>>>,
}

impl<M: ChildMetric, H> Default for Handles<M, H> {
    fn default() -> Self {
        Self {
            families: Mutex::new(HashMap::new()),
            handles: RwLock::new(HashMap::new()),
        }
    }
}

/// A description given with `describe_*!`.
#[derive(Clone)]
struct Description {
    help: String,
    unit: Option<Unit>,
}

/// meterbox as a `metrics::Recorder`: see the [module](self).
pub struct MeterboxRecorder {
    /// `(name prefix, bounds)`; the bounds are leaked, once per call of `buckets`, as
    /// every histogram's bounds are `'static`.
    buckets: Vec<(String, &'static [f64])>,
    /// How long a series may go unchanged before it is removed; zero for ever.
    idle: Duration,
    /// By name as sanitized.
    descriptions: Mutex<HashMap<String, Description>>,
    counters: Handles<Counter, CounterHandle>,
    gauges: Handles<Gauge, GaugeHandle>,
    histograms: Handles<Histogram, HistogramHandle>,
}

impl fmt::Debug for MeterboxRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeterboxRecorder")
            .field("buckets", &self.buckets)
            .finish_non_exhaustive()
    }
}

/// The unit a family of `name` may declare: `unit`'s, when the name ends with it.
fn unit_for(name: &str, unit: Option<Unit>) -> &'static str {
    let Some(unit) = unit.filter(|u| *u != Unit::Count) else {
        return "";
    };
    let text = unit.as_str();
    let base = name.strip_suffix("_total").unwrap_or(name);
    if base.ends_with(&format!("_{text}")) {
        text
    } else {
        ""
    }
}

impl MeterboxRecorder {
    fn describe(&self, name: &KeyName, unit: Option<Unit>, description: &SharedString) {
        let Ok(sanitized) = sanitize_mode().name(name.as_str()) else {
            return;
        };
        let sanitized = sanitized.into_owned();
        let description = Description {
            help: description.to_string(),
            unit,
        };
        redescribe(
            &sanitized,
            &description.help,
            unit_for(&sanitized, description.unit),
        );
        self.descriptions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(sanitized, description);
    }

    /// The bounds for a histogram called `name`.
    fn bounds_for(&self, name: &str) -> &'static [f64] {
        self.buckets
            .iter()
            .filter(|(prefix, _)| name.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map_or(&DEFAULT_DURATION_BUCKETS[..], |(_, bounds)| bounds)
    }

    /// The handle of `key`, made on its first use: the family of its name and label keys
    /// (label keys sorted, so their order in the macro does not matter), its child, and
    /// `wrap` around that.
    fn handle<M: ChildMetric, H>(
        &self,
        handles: &Handles<M, H>,
        key: &Key,
        prototype: impl FnOnce() -> M,
        wrap: fn(&'static M) -> H,
    ) -> Option<Arc<H>> {
        if let Some(found) = handles
            .handles
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
        {
            return found.clone();
        }
        let mut labels: Vec<(&str, &str)> = key.labels().map(|l| (l.key(), l.value())).collect();
        labels.sort_unstable();
        let keys: Vec<&str> = labels.iter().map(|(k, _)| *k).collect();
        let values: Vec<&str> = labels.iter().map(|(_, v)| *v).collect();
        let family = {
            let mut families = handles
                .families
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let id = (
                key.name().to_owned(),
                keys.iter().map(|k| (*k).to_owned()).collect(),
            );
            *families
                .entry(id)
                .or_insert_with(|| self.register(key.name(), &keys, prototype()))
        };
        let handle = family
            .and_then(|f| f.with(&values).ok())
            .map(|child| Arc::new(wrap(child)));
        handles
            .handles
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.clone(), handle.clone());
        handle
    }

    fn register<M: ChildMetric>(
        &self,
        name: &str,
        keys: &[&str],
        prototype: M,
    ) -> Option<&'static RuntimeFamily<M>> {
        let sanitized = sanitize_mode().name(name).map(std::borrow::Cow::into_owned);
        let description = sanitized.as_ref().ok().and_then(|s| {
            self.descriptions
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(s)
                .cloned()
        });
        let (help, unit) = description.map_or((String::new(), ""), |d| {
            let unit = sanitized.as_ref().map_or("", |s| unit_for(s, d.unit));
            (d.help, unit)
        });
        let result: Result<_, RegisterError> = RuntimeFamily::register_at(
            Location::caller(),
            &Definition {
                name,
                help: &help,
                unit,
                label_keys: keys,
                beside_other_keys: true,
            },
            prototype,
        );
        let family = result
            .map_err(|err| {
                eprintln!("meterbox: the `metrics` facade's `{name}` is not recorded: {err}");
            })
            .ok()?;
        if !self.idle.is_zero() {
            family.expire_after(self.idle);
        }
        Some(family)
    }
}

/// A counter child, as the facade's `Counter` drives it.
struct CounterHandle(&'static Counter);

impl metrics::CounterFn for CounterHandle {
    fn increment(&self, value: u64) {
        self.0.inc_by(value);
    }

    /// Raises the count to `value` if it is below; a counter never goes down.
    fn absolute(&self, value: u64) {
        self.0.raise_to(value);
    }
}

/// A gauge child, as the facade's `Gauge` drives it.
struct GaugeHandle(&'static Gauge);

impl metrics::GaugeFn for GaugeHandle {
    fn increment(&self, value: f64) {
        self.0.add(value);
    }

    fn decrement(&self, value: f64) {
        self.0.sub(value);
    }

    fn set(&self, value: f64) {
        self.0.set(value);
    }
}

/// A histogram child, as the facade's `Histogram` drives it.
struct HistogramHandle(&'static Histogram);

impl metrics::HistogramFn for HistogramHandle {
    fn record(&self, value: f64) {
        self.0.observe(value);
    }
}

impl metrics::Recorder for MeterboxRecorder {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(&key, unit, &description);
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(&key, unit, &description);
    }

    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.describe(&key, unit, &description);
    }

    fn register_counter(&self, key: &Key, _metadata: &Metadata<'_>) -> metrics::Counter {
        self.handle(&self.counters, key, Counter::new, CounterHandle)
            .map_or_else(metrics::Counter::noop, metrics::Counter::from_arc)
    }

    fn register_gauge(&self, key: &Key, _metadata: &Metadata<'_>) -> metrics::Gauge {
        self.handle(&self.gauges, key, Gauge::new, GaugeHandle)
            .map_or_else(metrics::Gauge::noop, metrics::Gauge::from_arc)
    }

    fn register_histogram(&self, key: &Key, _metadata: &Metadata<'_>) -> metrics::Histogram {
        // The bounds are looked up only when the key is new.
        self.handle(
            &self.histograms,
            key,
            || Histogram::new(self.bounds_for(key.name())),
            HistogramHandle,
        )
        .map_or_else(metrics::Histogram::noop, metrics::Histogram::from_arc)
    }
}
