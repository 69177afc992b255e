//! HTTP server metrics as a tower layer, for axum, tonic and any hyper or tower service, in
//! the Prometheus form of the OpenTelemetry HTTP semantic conventions.
//!
//! ```
//! # #[cfg(feature = "axum")] {
//! use axum::{routing::get, Router};
//!
//! let app: Router = Router::new()
//!     .route("/users/{id}", get(|| async { "a user" }))
//!     .route("/metrics", meterbox::http::metrics_handler())
//!     .layer(meterbox::http::layer());
//! # drop(app);
//! # }
//! ```
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `http_server_request_duration_seconds` | histogram | `http_request_method`, `http_route`, `http_response_status_code` |
//! | `http_server_active_requests` | gauge | `http_request_method` |
//!
//! - `http_route` is the route template (`/users/{id}`) that axum matched, never the path,
//!   so the series stay bounded; a request no route matched, and a service that is not an
//!   axum router, have `http_route=""`.
//! - A method outside the standard nine is `_OTHER`, as the conventions say.
//! - A request whose client went away before the response was ready (its future dropped) is
//!   recorded with status `499`, nginx's code for a client that closed the request, and the
//!   active gauge comes back down.
//! - The histogram has the conventions' bucket bounds, 5 ms to 10 s.

// Registering puts each descriptor in a link section, which `unsafe_code` counts when the
// registration is written in this crate; nothing else here is unsafe.
#![allow(unsafe_code)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use http::{Method, Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use core::sync::atomic::{AtomicBool, Ordering};

use crate::metrics::{Conditional, Family, Gauge, Histogram};

/// The status recorded for a request whose client went away first.
const CLIENT_CLOSED: u16 = 499;

/// Whether a layer was made: the families are shown from then on, not in a program that
/// only has the feature on.
static USED: AtomicBool = AtomicBool::new(false);

fn used() -> bool {
    USED.load(Ordering::Relaxed)
}

/// Duration of HTTP server requests.
#[crate::metric(name = "http_server_request_duration_seconds", unit = "seconds")]
static DURATION: Conditional<Family<Histogram, 3>> = Conditional::new(
    Family::with_prototype(
        [
            "http_request_method",
            "http_route",
            "http_response_status_code",
        ],
        Histogram::new(&[
            0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
        ]),
    ),
    used,
);

/// Number of active HTTP server requests.
#[crate::metric(name = "http_server_active_requests")]
static ACTIVE: Conditional<Family<Gauge, 1>> =
    Conditional::new(Family::new(["http_request_method"]), used);

/// The layer that records every request of the service it wraps. See the [module](self).
#[must_use]
pub fn layer() -> MetricsLayer {
    MetricsLayer
}

/// Records the requests of the service it wraps: see [`layer`].
#[derive(Debug, Clone, Copy, Default)]
pub struct MetricsLayer;

impl<S> Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        if !USED.swap(true, Ordering::Relaxed) {
            crate::runtime_family::lay_out_again();
        }
        MetricsService { inner }
    }
}

/// A service whose requests are recorded: what [`MetricsLayer`] makes.
#[derive(Debug, Clone)]
pub struct MetricsService<S> {
    inner: S,
}

/// The method as the conventions name it: the nine standard ones, or `_OTHER`.
fn method_label(method: &Method) -> &'static str {
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

/// The route template the router matched, kept for when the response is ready.
#[cfg(feature = "axum")]
struct Route(Option<axum::extract::MatchedPath>);

/// No router to say which route matched: every request has `http_route=""`.
#[cfg(not(feature = "axum"))]
struct Route;

impl Route {
    #[cfg(feature = "axum")]
    fn of<B>(request: &Request<B>) -> Self {
        Route(
            request
                .extensions()
                .get::<axum::extract::MatchedPath>()
                .cloned(),
        )
    }

    #[cfg(not(feature = "axum"))]
    fn of<B>(_request: &Request<B>) -> Self {
        Route
    }

    #[cfg(feature = "axum")]
    fn text(&self) -> &str {
        self.0
            .as_ref()
            .map_or("", axum::extract::MatchedPath::as_str)
    }

    #[cfg(not(feature = "axum"))]
    // The same call as with axum, which reads its route.
    #[allow(clippy::unused_self)]
    fn text(&self) -> &'static str {
        ""
    }
}

impl<S, B, ResponseBody> Service<Request<B>> for MetricsService<S>
where
    S: Service<Request<B>, Response = Response<ResponseBody>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let method = method_label(request.method());
        let route = Route::of(&request);
        let active = ACTIVE.metric().with([method]);
        active.inc();
        ResponseFuture {
            inner: self.inner.call(request),
            request: Some(InFlight {
                method,
                active,
                route,
                start: Instant::now(),
                status: CLIENT_CLOSED,
            }),
        }
    }
}

/// A request between its call and its response: recorded when it is dropped, with the
/// status the response had, or [`CLIENT_CLOSED`] when there was none.
struct InFlight {
    method: &'static str,
    /// The gauge the call went up on, kept so coming down needs no second lookup.
    active: &'static Gauge,
    route: Route,
    start: Instant,
    status: u16,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut status = itoa::Buffer::new();
        let labels = [self.method, self.route.text(), status.format(self.status)];
        DURATION
            .metric()
            .with(labels)
            .observe(self.start.elapsed().as_secs_f64());
        self.active.dec();
    }
}

pin_project_lite::pin_project! {
    /// The response of a recorded request.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        request: Option<InFlight>,
    }
}

impl<F, ResponseBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResponseBody>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let output = std::task::ready!(this.inner.poll(cx));
        if let Some(mut request) = this.request.take() {
            // An error from the service is a failure of the server's.
            request.status = output.as_ref().map_or(500, |r| r.status().as_u16());
        }
        Poll::Ready(output)
    }
}

/// An axum handler for `/metrics`: the format the scraper's `Accept` header asks for.
///
/// ```
/// let app: axum::Router = axum::Router::new().route("/metrics", meterbox::http::metrics_handler());
/// # drop(app);
/// ```
#[cfg(feature = "axum")]
pub fn metrics_handler<S: Clone + Send + Sync + 'static>() -> axum::routing::MethodRouter<S> {
    axum::routing::get(|headers: http::HeaderMap| async move {
        let accept = headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok());
        let (content_type, body) = crate::scrape(accept);
        ([(http::header::CONTENT_TYPE, content_type)], body)
    })
}
