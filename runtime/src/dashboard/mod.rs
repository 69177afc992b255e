//! The dashboard: a page for people at the endpoint's `/`, drawn from a ring of past values
//! the endpoint keeps (`history`) and the values now (`view`). The page and its script are
//! one embedded file with no other assets.
//!
//! The ring is the only thing that runs when nobody looks: a snapshot per interval, packed
//! as one vector of numbers per tick (8 bytes a number; a counter or gauge series is one
//! number, a histogram's its buckets and sum), at most
//! [`MAX_NUMBERS`](history::MAX_NUMBERS) a tick.

mod history;
mod view;

use std::time::Duration;

pub(crate) use history::History;

/// The page, script and styles included.
pub(crate) const PAGE: &str = include_str!("page.html");

/// Ticks kept by default: 15 minutes at 5 seconds.
pub(crate) const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
pub(crate) const DEFAULT_TICKS: usize = 180;

/// The page's data, from `history` and the values now, as JSON.
pub(crate) fn data(history: &History) -> String {
    view::json(history)
}

/// Keeps the values now as the newest tick.
pub(crate) fn record(history: &History) {
    history.record(&crate::snapshot::snapshot());
}
