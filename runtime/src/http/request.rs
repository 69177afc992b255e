//! One request from the service's call to its response: the active gauge it holds, its
//! clock, what it allocated, and what is recorded when it ends.

use std::time::Instant;

use http::Request;

use super::families::{method_label, Outcome, Route, ACTIVE, DURATION};
use crate::metrics::Gauge;

/// The status recorded for a request whose client went away first: nginx's code for a
/// client that closed the request.
pub(super) const CLIENT_CLOSED: u16 = 499;

/// A request between its call and its response: recorded when it is dropped, with the
/// status the response had, or [`CLIENT_CLOSED`] when there was none.
pub(super) struct InFlight {
    pub(super) outcome: Outcome,
    /// The gauge the call went up on, kept so coming down needs no second lookup.
    active: &'static Gauge,
    start: Instant,
    /// What the service allocated handling it, when asked for.
    #[cfg(feature = "allocations")]
    allocated: Option<crate::alloc::PolledBytes>,
}

impl InFlight {
    /// Counts `request` in.
    pub(super) fn begin<B>(request: &Request<B>, allocations: bool) -> Self {
        let method = method_label(request.method());
        let active = ACTIVE.metric().with([method]);
        active.inc();
        #[cfg(not(feature = "allocations"))]
        let _ = allocations;
        InFlight {
            outcome: Outcome {
                method,
                route: Route::of(request),
                status: CLIENT_CLOSED,
            },
            active,
            start: Instant::now(),
            #[cfg(feature = "allocations")]
            allocated: allocations.then(crate::alloc::PolledBytes::new),
        }
    }

    /// Runs a step of the service (its call, a poll of its future), measuring what it
    /// allocates when asked to.
    #[inline]
    // Without the `allocations` feature there is nothing to measure.
    #[cfg_attr(not(feature = "allocations"), allow(clippy::unused_self))]
    pub(super) fn around<R>(&mut self, step: impl FnOnce() -> R) -> R {
        #[cfg(feature = "allocations")]
        if let Some(bytes) = &mut self.allocated {
            return bytes.around(step);
        }
        step()
    }
}

/// Runs a step of the service for `flight`, measured as [`InFlight::around`] does while the
/// request is in flight, and plainly once it has been recorded.
#[inline]
pub(super) fn step<R>(flight: &mut Option<InFlight>, step: impl FnOnce() -> R) -> R {
    match flight {
        Some(flight) => flight.around(step),
        None => step(),
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.outcome
            .observe(&DURATION, self.start.elapsed().as_secs_f64());
        #[cfg(feature = "allocations")]
        if let Some(bytes) = self.allocated.and_then(crate::alloc::PolledBytes::total) {
            // Byte counts are far below 2^53, where an f64 is exact.
            #[allow(clippy::cast_precision_loss)]
            self.outcome
                .observe(&super::families::ALLOCATED, bytes as f64);
        }
        self.active.dec();
    }
}
