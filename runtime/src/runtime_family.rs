//! Families registered at run time, for metrics whose names and label keys are only known
//! as strings then (read from configuration, bridged from another system).
//!
//! The names go through the process's [`Sanitize`](crate::Sanitize) setting; the family is
//! leaked, like every family child, so it can be handed out as `&'static` and exposed with
//! the link-time metrics from then on.
//!
//! Why this file is long: registration checks a name against every other definition, at
//! link time and at run time, and its errors say which; with the family's API (lookups,
//! removal, expiry) that is one responsibility, best read in one place.

use core::any::Any;
use core::fmt;
use core::panic::Location;
use core::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::intern::intern;
use crate::metrics::child::{FamilyCaches, LabelledChildren};
use crate::metrics::children::Children;
use crate::metrics::expiry::IdleExpiry;
use crate::metrics::Kind;
use crate::metrics::{ChildMetric, Counter};
use crate::naming::{claims, with_total};
use crate::registry::{registry, Descriptor};
use crate::sanitize::{exposition_key, exposition_name, sanitize_mode, InvalidName};

/// Why a family could not be registered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegisterError {
    /// The name or a label key is unusable under the current [`Sanitize`](crate::Sanitize)
    /// mode.
    Invalid(InvalidName),
    /// Another metric has this name (or the same Prometheus form of it) with a different
    /// type, help or label keys; `site` is where it was defined.
    Taken {
        /// The name, as sanitized.
        name: String,
        /// `file:line` of the other definition.
        site: String,
    },
    /// Two label keys are the same once sanitized.
    DuplicateKey(String),
}

impl fmt::Display for RegisterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegisterError::Invalid(e) => e.fmt(f),
            RegisterError::Taken { name, site } => write!(
                f,
                "metric `{name}` is already defined differently at {site}"
            ),
            RegisterError::DuplicateKey(key) => write!(f, "label key `{key}` appears twice"),
        }
    }
}

impl std::error::Error for RegisterError {}

impl From<InvalidName> for RegisterError {
    fn from(e: InvalidName) -> Self {
        RegisterError::Invalid(e)
    }
}

/// Label values given to [`RuntimeFamily::with`] do not match its label keys in number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelCountError {
    /// How many keys the family has.
    pub expected: usize,
    /// How many values were given.
    pub given: usize,
}

impl fmt::Display for LabelCountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} label values given to a family with {} label keys",
            self.given, self.expected
        )
    }
}

impl std::error::Error for LabelCountError {}

/// A family registered at run time: as [`Family`](crate::Family), with its name, help and
/// label keys given as strings.
///
/// ```
/// use meterbox::{Counter, RuntimeFamily};
///
/// let jobs = RuntimeFamily::<Counter>::register("queue.jobs", "Jobs by queue.", &["queue"])?;
/// jobs.with(&["mail"])?.inc();
/// // Under the default `Sanitize::Prometheus`, the name became `queue_jobs`.
/// assert!(meterbox::render(meterbox::Format::Prometheus).contains("queue_jobs_total{queue=\"mail\"} 1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Registering the same name again with the same help and label keys returns the same
/// family; anything else that takes the name is an error.
pub struct RuntimeFamily<M: ChildMetric> {
    label_names: &'static [&'static str],
    prototype: M,
    children: Children<M>,
    caches: FamilyCaches,
    expiry: IdleExpiry,
}

struct Entry {
    descriptor: &'static Descriptor,
    family: &'static (dyn Any + Send + Sync),
}

static ENTRIES: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// Bumped by each registration, so the exposition layout knows to include it.
static GENERATION: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn generation() -> usize {
    GENERATION.load(Ordering::Acquire)
}

/// Has the exposition laid out again at its next render: what it shows has changed (a
/// metric that [`Collect::is_exposed`](crate::Collect::is_exposed) now).
#[cfg_attr(not(any(feature = "tokio", feature = "tower")), allow(dead_code))]
pub(crate) fn lay_out_again() {
    GENERATION.fetch_add(1, Ordering::Release);
}

/// What a family is registered as.
pub(crate) struct Definition<'a> {
    pub name: &'a str,
    pub help: &'a str,
    /// Empty, or the unit the name ends with.
    pub unit: &'a str,
    pub label_keys: &'a [&'a str],
    /// Whether the name may also be registered with other label keys, as a family of the
    /// same name, help and type.
    pub beside_other_keys: bool,
}

/// Gives every family registered as `name` (as sanitized) a new help and unit: a
/// description that came after the family was first used.
#[cfg_attr(not(feature = "metrics-facade"), allow(dead_code))]
pub(crate) fn redescribe(name: &str, help: &str, unit: &str) {
    let mut entries = ENTRIES.lock().unwrap_or_else(PoisonError::into_inner);
    let mut changed = false;
    for entry in entries.iter_mut().filter(|e| e.descriptor.name == name) {
        let old = entry.descriptor;
        if old.help == help && old.unit == unit {
            continue;
        }
        entry.descriptor = Box::leak(Box::new(Descriptor {
            help: intern(help),
            unit: intern(unit),
            ..*old
        }));
        changed = true;
    }
    if changed {
        GENERATION.fetch_add(1, Ordering::Release);
    }
}

/// The descriptors registered so far.
pub(crate) fn descriptors() -> Vec<&'static Descriptor> {
    let entries = ENTRIES.lock().unwrap_or_else(PoisonError::into_inner);
    entries.iter().map(|e| e.descriptor).collect()
}

/// The family name the text formats would show: the Prometheus form, and `_total` on a
/// counter. Two definitions with the same one would be one family there.
fn exposed_name(name: &str, kind: Kind) -> String {
    with_total(&exposition_name(name), kind).into_owned()
}

impl<M: ChildMetric> RuntimeFamily<M> {
    /// Registers a family of `M` at its default settings.
    ///
    /// # Errors
    ///
    /// See [`RegisterError`].
    #[track_caller]
    pub fn register(
        name: &str,
        help: &str,
        label_keys: &[&str],
    ) -> Result<&'static Self, RegisterError> {
        Self::register_with(name, help, label_keys, M::ZERO)
    }

    /// Registers a family whose children take their settings from `prototype`, such as a
    /// histogram's buckets.
    ///
    /// # Errors
    ///
    /// See [`RegisterError`].
    #[track_caller]
    pub fn register_with(
        name: &str,
        help: &str,
        label_keys: &[&str],
        prototype: M,
    ) -> Result<&'static Self, RegisterError> {
        Self::register_at(
            Location::caller(),
            &Definition {
                name,
                help,
                unit: "",
                label_keys,
                beside_other_keys: false,
            },
            prototype,
        )
    }

    /// Registers `definition` as made at `site`.
    pub(crate) fn register_at(
        site: &'static Location<'static>,
        definition: &Definition<'_>,
        prototype: M,
    ) -> Result<&'static Self, RegisterError> {
        let Definition {
            name,
            help,
            unit,
            label_keys,
            beside_other_keys,
        } = *definition;
        let mode = sanitize_mode();
        let name = mode.name(name)?;
        let mut keys: Vec<String> = Vec::with_capacity(label_keys.len());
        for key in label_keys {
            let key = mode.label_key(key)?.into_owned();
            // Two keys the text formats would show alike (`a.b`, `a-b`) are one key.
            if keys
                .iter()
                .any(|k| exposition_key(k) == exposition_key(&key))
            {
                return Err(RegisterError::DuplicateKey(key));
            }
            keys.push(key);
        }
        let exposed = exposed_name(&name, prototype.kind());
        let mine = claims(&exposed, prototype.kind());
        // The same family, or another whose samples would read as this one's.
        let same_exposed = |d: &Descriptor| {
            let theirs = exposed_name(d.name, d.kind());
            theirs == exposed || claims(&theirs, d.kind()).iter().any(|c| mine.contains(c))
        };
        let taken = |d: &Descriptor| RegisterError::Taken {
            name: name.to_string(),
            site: d.site(),
        };
        if let Some(d) = registry().iter().find(|d| same_exposed(d)) {
            return Err(taken(d));
        }
        let mut entries = ENTRIES.lock().unwrap_or_else(PoisonError::into_inner);
        let same_keys = |e: &Entry| {
            e.family
                .downcast_ref::<Self>()
                .is_some_and(|f| f.label_names == keys.as_slice())
        };
        // Beside another key set, one name is one family with series of both kinds of
        // label, as two statics of one name with different labels are.
        let beside = |e: &Entry| {
            beside_other_keys
                && e.descriptor.name == name
                && e.descriptor.help == help
                && e.descriptor.kind() == prototype.kind()
                && !same_keys(e)
        };
        if let Some(entry) = entries
            .iter()
            .filter(|e| same_exposed(e.descriptor))
            .find(|e| !beside(e))
        {
            let same =
                entry.descriptor.name == name && entry.descriptor.help == help && same_keys(entry);
            return match entry.family.downcast_ref::<Self>() {
                Some(family) if same => Ok(family),
                _ => Err(taken(entry.descriptor)),
            };
        }
        let label_names: Vec<&'static str> = keys.iter().map(|k| intern(k)).collect();
        let family: &'static Self = Box::leak(Box::new(Self {
            label_names: label_names.leak(),
            prototype,
            children: Children::new(),
            caches: FamilyCaches::new(),
            expiry: IdleExpiry::new(),
        }));
        let descriptor: &'static Descriptor = Box::leak(Box::new(Descriptor {
            name: intern(&name),
            help: intern(help),
            unit: intern(unit),
            labels: &[],
            file: site.file(),
            line: site.line(),
            source: family,
        }));
        // Compiled out, a family is handed out but never exposed, like the link-time ones.
        if crate::ENABLED {
            entries.push(Entry { descriptor, family });
            GENERATION.fetch_add(1, Ordering::Release);
        }
        Ok(family)
    }

    /// The label keys, as sanitized.
    #[must_use]
    pub fn label_keys(&self) -> &'static [&'static str] {
        self.label_names
    }

    /// The child for these label values (in the order of the keys), created at zero on
    /// first use, under the same limit and overflow series as [`Family`](crate::Family).
    ///
    /// # Errors
    ///
    /// When the number of values is not the number of keys.
    pub fn with(&self, values: &[&str]) -> Result<&'static M, LabelCountError> {
        self.check_count(values)?;
        if !crate::ENABLED {
            return Ok(self
                .children
                .overflow(values.len(), || self.prototype.fresh()));
        }
        Ok(self.children.get_slice(values, || self.prototype.fresh()))
    }

    /// Removes the series of these label values from the exposition; whether it was shown.
    /// It comes back at zero when used again, through [`RuntimeFamily::with`] or a handle
    /// kept from before, which stays valid. The label set still counts against the
    /// family's limit: removal is for series that stopped being true (a queue deleted, a
    /// peer gone), not a way around the limit.
    ///
    /// # Errors
    ///
    /// When the number of values is not the number of keys.
    pub fn remove(&self, values: &[&str]) -> Result<bool, LabelCountError> {
        self.check_count(values)?;
        Ok(self.children.remove(values))
    }

    /// Removes every series, as [`RuntimeFamily::remove`] does.
    pub fn clear(&'static self) {
        self.children.clear();
    }

    /// Removes, at each read of the family (a render, a snapshot, a push), the series whose
    /// value has not changed for `idle`; `Duration::ZERO` turns this off. An expired series
    /// comes back at zero when used again, as after [`RuntimeFamily::remove`].
    ///
    /// A series is idle from the first read that saw its current value, so it is removed
    /// between `idle` and `idle` plus the time between two reads after its last change. A
    /// gauge set again to the value it has is not a change.
    ///
    /// ```
    /// use meterbox::{Gauge, RuntimeFamily};
    /// use std::time::Duration;
    ///
    /// let peers = RuntimeFamily::<Gauge>::register("peer_lag_seconds", "Lag by peer.", &["peer"])?;
    /// peers.expire_after(Duration::from_secs(600));
    /// peers.with(&["10.0.0.7"])?.set(0.25);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expire_after(&self, idle: Duration) -> &Self {
        self.expiry.set(idle);
        self
    }

    fn check_count(&self, values: &[&str]) -> Result<(), LabelCountError> {
        if values.len() == self.label_names.len() {
            Ok(())
        } else {
            Err(LabelCountError {
                expected: self.label_names.len(),
                given: values.len(),
            })
        }
    }
}

crate::metrics::child::collect_children!([M: ChildMetric] RuntimeFamily<M>);

impl<M: ChildMetric> LabelledChildren for RuntimeFamily<M> {
    type Child = M;
    fn prototype(&self) -> &M {
        &self.prototype
    }
    fn keys(&'static self) -> &'static [&'static str] {
        self.label_names
    }
    fn for_each_child(&'static self, f: &mut dyn FnMut(&[&'static str], &'static M)) {
        self.expiry.sweep(&self.children);
        self.children.for_each(f);
    }
    fn dropped(&'static self) -> &'static Counter {
        self.children.dropped()
    }
    fn growth(&'static self) -> u64 {
        // Each read of the family, this one too, removes what has expired.
        self.expiry.sweep(&self.children);
        self.children.growth()
    }
    fn caches(&'static self) -> &'static FamilyCaches {
        &self.caches
    }
}

impl<M: ChildMetric> fmt::Debug for RuntimeFamily<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeFamily")
            .field("label_keys", &self.label_names)
            .field("len", &self.children.len())
            .finish_non_exhaustive()
    }
}
