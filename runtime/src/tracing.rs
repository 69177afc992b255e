//! Log events counted by level: a `tracing_subscriber` layer that adds to
//! `log_events_total{level}` for every event the subscriber sees, and with
//! [`EventsLayer::by_target`] to `log_events_total{level, target}` instead.
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt as _;
//!
//! let subscriber = tracing_subscriber::registry().with(meterbox::tracing::layer());
//! tracing::subscriber::with_default(subscriber, || {
//!     tracing::warn!("disk nearly full");
//!     tracing::error!("disk full");
//! });
//! let read = meterbox::snapshot();
//! assert_eq!(read.counter("log_events_total", &[("level", "error")]), Some(1));
//! assert_eq!(read.counter("log_events_total", &[("level", "debug")]), Some(0));
//! ```
//!
//! The five levels' series exist from the layer's making, at zero: a count of errors that
//! reads 0 is a fact, not a gap. Events the subscriber filters out before the layer (a
//! `with_filter` on it, or a global maximum level) are not counted.

// Registering puts each descriptor in a link section, which `unsafe_code` counts when the
// registration is written in this crate; nothing else here is unsafe.
#![allow(unsafe_code)]

use core::sync::atomic::{AtomicBool, Ordering};

use tracing_core::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use crate::metrics::{Conditional, Counter, Family};

/// Whether a layer counting by level alone, or by level and target, was made.
static BY_LEVEL: AtomicBool = AtomicBool::new(false);
static BY_TARGET: AtomicBool = AtomicBool::new(false);

/// Log events, by level.
#[crate::metric(name = "log_events_total")]
static EVENTS: Conditional<Family<Counter, 1>> =
    Conditional::new(Family::new(["level"]), || BY_LEVEL.load(Ordering::Relaxed));

/// Log events, by level.
// The same family as `EVENTS`, whose series this layer's carry a target as well.
#[crate::metric(name = "log_events_total")]
static EVENTS_BY_TARGET: Conditional<Family<Counter, 2>> =
    Conditional::new(Family::new(["level", "target"]), || {
        BY_TARGET.load(Ordering::Relaxed)
    });

/// The position of `level` in [`LEVEL_LABELS`].
fn level_index(level: Level) -> usize {
    match level {
        Level::ERROR => 0,
        Level::WARN => 1,
        Level::INFO => 2,
        Level::DEBUG => 3,
        _ => 4,
    }
}

/// The `level` label of each of [`LEVELS`].
const LEVEL_LABELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];

/// The layer that counts events by level. See the [module](self).
#[must_use]
pub fn layer() -> EventsLayer {
    // The five series, at zero from now on, kept so that an event is one add.
    let by_level = LEVEL_LABELS.map(|label| EVENTS.metric().with([label]));
    if !BY_LEVEL.swap(true, Ordering::Relaxed) {
        crate::runtime_family::lay_out_again();
    }
    EventsLayer {
        by_level,
        by_target: false,
    }
}

/// Counts the events of the subscriber it is part of: see [`layer`].
#[derive(Debug, Clone, Copy)]
pub struct EventsLayer {
    by_level: [&'static Counter; 5],
    by_target: bool,
}

impl EventsLayer {
    /// Counts by level and target (the module path, unless the event names another)
    /// instead: one series per target that logs, so meant for programs whose targets are
    /// their own modules.
    #[must_use]
    pub fn by_target(self) -> Self {
        if !BY_TARGET.swap(true, Ordering::Relaxed) {
            crate::runtime_family::lay_out_again();
        }
        EventsLayer {
            by_target: true,
            ..self
        }
    }
}

impl<S: Subscriber> Layer<S> for EventsLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let level = level_index(*metadata.level());
        if self.by_target {
            EVENTS_BY_TARGET
                .metric()
                .with([LEVEL_LABELS[level], metadata.target()])
                .inc();
        } else {
            self.by_level[level].inc();
        }
    }
}
