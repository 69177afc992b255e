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

const LEVELS: [Level; 5] = [
    Level::ERROR,
    Level::WARN,
    Level::INFO,
    Level::DEBUG,
    Level::TRACE,
];

/// The `level` label of `level`.
fn level_label(level: Level) -> &'static str {
    match level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        _ => "trace",
    }
}

/// The layer that counts events by level. See the [module](self).
#[must_use]
pub fn layer() -> EventsLayer {
    if !BY_LEVEL.swap(true, Ordering::Relaxed) {
        for level in LEVELS {
            let _ = EVENTS.metric().with([level_label(level)]);
        }
        crate::runtime_family::lay_out_again();
    }
    EventsLayer { by_target: false }
}

/// Counts the events of the subscriber it is part of: see [`layer`].
#[derive(Debug, Clone, Copy)]
pub struct EventsLayer {
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
        EventsLayer { by_target: true }
    }
}

impl<S: Subscriber> Layer<S> for EventsLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let level = level_label(*metadata.level());
        if self.by_target {
            EVENTS_BY_TARGET
                .metric()
                .with([level, metadata.target()])
                .inc();
        } else {
            EVENTS.metric().with([level]).inc();
        }
    }
}
