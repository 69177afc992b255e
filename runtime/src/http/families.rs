//! The HTTP server families, each shown once a layer that records it is made, and the
//! label values every one of them shares.

// Registering puts each descriptor in a link section, which `unsafe_code` counts when the
// registration is written in this crate; nothing else here is unsafe.
#![allow(unsafe_code)]

use core::sync::atomic::{AtomicU8, Ordering};

use http::{Method, Request};

use crate::metrics::{Conditional, Family, Gauge, Histogram};

/// What the layers made so far record: a family is shown from then on, not in a program
/// that only has the feature on.
static SHOWN: AtomicU8 = AtomicU8::new(0);

/// Durations and active requests: every layer.
pub(super) const REQUESTS: u8 = 1;
/// Body sizes: a layer `with_body_sizes`.
pub(super) const BODY_SIZES: u8 = 2;
/// Allocations per request: a layer `with_allocations`.
pub(super) const ALLOCATIONS: u8 = 4;

/// Shows the families of `parts` from now on.
pub(super) fn show(parts: u8) {
    if SHOWN.fetch_or(parts, Ordering::Relaxed) & parts != parts {
        crate::runtime_family::lay_out_again();
    }
}

fn shown(part: u8) -> bool {
    SHOWN.load(Ordering::Relaxed) & part != 0
}

/// The labels of a finished request's series.
const LABELS: [&str; 3] = [
    "http_request_method",
    "http_route",
    "http_response_status_code",
];

/// The duration histogram's bounds: the conventions'.
pub(super) const DURATION_BOUNDS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The name of the duration histogram.
pub(super) const DURATION_NAME: &str = "http_server_request_duration_seconds";

/// Duration of HTTP server requests.
#[crate::metric(name = "http_server_request_duration_seconds", unit = "seconds")]
pub(super) static DURATION: Conditional<Family<Histogram, 3>> = Conditional::new(
    Family::with_prototype(LABELS, Histogram::new(&DURATION_BOUNDS)),
    || shown(REQUESTS),
);

/// Number of active HTTP server requests.
#[crate::metric(name = "http_server_active_requests")]
pub(super) static ACTIVE: Conditional<Family<Gauge, 1>> =
    Conditional::new(Family::new(["http_request_method"]), || shown(REQUESTS));

/// Size of HTTP server request bodies: the bytes the service read.
#[crate::metric(name = "http_server_request_body_size_bytes", unit = "bytes")]
pub(super) static REQUEST_BODY: Conditional<Family<Histogram, 3>> = Conditional::new(
    Family::with_prototype(LABELS, Histogram::for_bytes()),
    || shown(BODY_SIZES),
);

/// Size of HTTP server response bodies: the bytes the server sent.
#[crate::metric(name = "http_server_response_body_size_bytes", unit = "bytes")]
pub(super) static RESPONSE_BODY: Conditional<Family<Histogram, 3>> = Conditional::new(
    Family::with_prototype(LABELS, Histogram::for_bytes()),
    || shown(BODY_SIZES),
);

/// Bytes allocated on the heap while the service handled each request, on the threads that
/// polled it.
#[cfg(feature = "allocations")]
#[crate::metric(name = "http_server_request_allocated_bytes", unit = "bytes")]
pub(super) static ALLOCATED: Conditional<Family<Histogram, 3>> = Conditional::new(
    Family::with_prototype(LABELS, Histogram::for_bytes()),
    || shown(ALLOCATIONS) && crate::alloc::installed(),
);

/// The method as the conventions name it: the nine standard ones, or `_OTHER`.
pub(super) fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::CONNECT => "CONNECT",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::PATCH => "PATCH",
        _ => "_OTHER",
    }
}

/// The route template the router matched, kept for when the request is recorded.
#[cfg(feature = "axum")]
#[derive(Clone)]
pub(super) struct Route(Option<axum::extract::MatchedPath>);

/// No router to say which route matched: every request has `http_route=""`.
#[cfg(not(feature = "axum"))]
#[derive(Clone)]
pub(super) struct Route;

impl Route {
    #[cfg(feature = "axum")]
    pub(super) fn of<B>(request: &Request<B>) -> Self {
        Route(
            request
                .extensions()
                .get::<axum::extract::MatchedPath>()
                .cloned(),
        )
    }

    #[cfg(not(feature = "axum"))]
    pub(super) fn of<B>(_request: &Request<B>) -> Self {
        Route
    }

    #[cfg(feature = "axum")]
    pub(super) fn text(&self) -> &str {
        self.0
            .as_ref()
            .map_or("", axum::extract::MatchedPath::as_str)
    }

    #[cfg(not(feature = "axum"))]
    // The same call as with axum, which reads its route.
    #[allow(clippy::unused_self)]
    pub(super) fn text(&self) -> &'static str {
        ""
    }
}

/// A finished request's labels: method, route and status.
#[derive(Clone)]
pub(super) struct Outcome {
    pub(super) method: &'static str,
    pub(super) route: Route,
    pub(super) status: u16,
}

impl Outcome {
    /// Observes `value` into `family`'s series of this request.
    pub(super) fn observe(&self, family: &Conditional<Family<Histogram, 3>>, value: f64) {
        let mut status = itoa::Buffer::new();
        let labels = [self.method, self.route.text(), status.format(self.status)];
        family.metric().with(labels).observe(value);
    }
}
