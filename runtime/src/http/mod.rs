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
//! | metric | type | labels | recorded by |
//! |---|---|---|---|
//! | `http_server_request_duration_seconds` | histogram | `http_request_method`, `http_route`, `http_response_status_code` | every layer |
//! | `http_server_active_requests` | gauge | `http_request_method` | every layer |
//! | `http_server_request_body_size_bytes` | histogram | as the duration | [`MetricsLayer::with_body_sizes`] |
//! | `http_server_response_body_size_bytes` | histogram | as the duration | [`MetricsLayer::with_body_sizes`] |
//! | `http_server_request_allocated_bytes` | histogram | as the duration | `MetricsLayer::with_allocations` (feature `allocations`) |
//!
//! - `http_route` is the route template (`/users/{id}`) that axum matched, never the path,
//!   so the series stay bounded; a request no route matched, and a service that is not an
//!   axum router, have `http_route=""`.
//! - A method outside the standard nine is `_OTHER`, as the conventions say.
//! - A request whose client went away before the response was ready (its future dropped) is
//!   recorded with status `499`, nginx's code for a client that closed the request, and the
//!   active gauge comes back down.
//! - The duration histogram has the conventions' bucket bounds, 5 ms to 10 s; the size
//!   histograms have [`DEFAULT_BYTE_BUCKETS`](crate::DEFAULT_BYTE_BUCKETS).
//! - The duration ends when the response's head is ready; a streamed body's time is not in it.
//! - Body sizes count the bytes of the body, not of the head: the request body's are the bytes
//!   the service read, the response body's the bytes the server sent, recorded when the
//!   response body ends or is dropped. A layer with body sizes hands the service a
//!   [`RequestBody`] and answers with a [`ResponseBody`], both wrappers that count; axum and
//!   any service generic over its body take them as they are.
//! - Allocations per request are what the service allocated on the threads that ran its call
//!   and polled its future, summed over the polls, with the counting allocator installed: the
//!   same measure as [`#[allocations]`](crate::allocations).

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

mod body;
mod families;
mod request;

pub use body::{RequestBody, ResponseBody, SizedResponseFuture};

use crate::slo::{threshold_is_a_bound, Indicator, Objective, ObjectiveError};
use request::InFlight;

/// The layer that records every request of the service it wraps. See the [module](self).
#[must_use]
pub fn layer() -> MetricsLayer {
    MetricsLayer {
        allocations: false,
        bodies: PhantomData,
    }
}

/// Bodies passed through as they are: the layer's default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unmeasured;

/// Bodies wrapped to count their bytes: a layer [`with_body_sizes`](MetricsLayer::with_body_sizes).
#[derive(Debug, Clone, Copy, Default)]
pub struct BodySizes;

/// Records the requests of the service it wraps: see [`layer`].
#[derive(Debug, Clone, Copy)]
pub struct MetricsLayer<Bodies = Unmeasured> {
    allocations: bool,
    bodies: PhantomData<Bodies>,
}

impl Default for MetricsLayer {
    fn default() -> Self {
        layer()
    }
}

impl<Bodies> MetricsLayer<Bodies> {
    /// Also records the sizes of request and response bodies, in
    /// `http_server_request_body_size_bytes` and `http_server_response_body_size_bytes`.
    /// The service then gets a [`RequestBody`] and answers with a [`ResponseBody`].
    #[must_use]
    pub fn with_body_sizes(self) -> MetricsLayer<BodySizes> {
        MetricsLayer {
            allocations: self.allocations,
            bodies: PhantomData,
        }
    }

    /// Feeds `objective` with every request the layer records: its success target counts
    /// an answer with a 5xx status as a failure, and its latency target reads the duration
    /// histogram. Its rules are among [`slo::prometheus_rules`](crate::slo::prometheus_rules).
    ///
    /// ```
    /// use meterbox::slo::Objective;
    ///
    /// static API: Objective = Objective::new("api").success(0.999).latency(0.99, 0.5);
    ///
    /// let layer = meterbox::http::layer().objective(&API)?;
    /// # drop(layer);
    /// # Ok::<(), meterbox::slo::ObjectiveError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When the objective's latency threshold is not one of the duration histogram's bounds
    /// (the conventions': 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5
    /// and 10 seconds).
    pub fn objective(self, objective: &'static Objective) -> Result<Self, ObjectiveError> {
        if !threshold_is_a_bound(objective, &families::DURATION_BOUNDS) {
            return Err(ObjectiveError::ThresholdNotABound {
                objective: objective.name(),
                threshold: objective.latency_target().map_or(0.0, |(_, t)| t),
                bounds: &families::DURATION_BOUNDS,
            });
        }
        // The histogram's own definition, from the registry it is linked into.
        if let Some(duration) = crate::registry()
            .iter()
            .find(|d| d.name == families::DURATION_NAME)
        {
            crate::slo::attach(objective, duration, Indicator::Responses);
            crate::slo::attach(objective, duration, Indicator::Latency);
        }
        Ok(self)
    }

    /// Also records the bytes the service allocated for each request, in
    /// `http_server_request_allocated_bytes`: with the counting allocator installed, see
    /// [`alloc`](crate::alloc).
    #[cfg(feature = "allocations")]
    #[must_use]
    pub fn with_allocations(mut self) -> Self {
        self.allocations = true;
        self
    }

    fn service<S, B>(&self, inner: S, parts: u8) -> MetricsService<S, B> {
        let allocations = if self.allocations {
            families::ALLOCATIONS
        } else {
            0
        };
        families::show(families::REQUESTS | parts | allocations);
        MetricsService {
            inner,
            allocations: self.allocations,
            bodies: PhantomData,
        }
    }
}

impl<S> Layer<S> for MetricsLayer<Unmeasured> {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        self.service(inner, 0)
    }
}

impl<S> Layer<S> for MetricsLayer<BodySizes> {
    type Service = MetricsService<S, BodySizes>;

    fn layer(&self, inner: S) -> Self::Service {
        self.service(inner, families::BODY_SIZES)
    }
}

/// A service whose requests are recorded: what [`MetricsLayer`] makes.
#[derive(Debug, Clone)]
pub struct MetricsService<S, Bodies = Unmeasured> {
    inner: S,
    allocations: bool,
    bodies: PhantomData<Bodies>,
}

impl<S, B, ResponseBodyType> Service<Request<B>> for MetricsService<S>
where
    S: Service<Request<B>, Response = Response<ResponseBodyType>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let mut flight = InFlight::begin(&request, self.allocations);
        let inner = flight.around(|| self.inner.call(request));
        ResponseFuture {
            inner,
            request: Some(flight),
        }
    }
}

impl<S, B, ResponseBodyType> Service<Request<B>> for MetricsService<S, BodySizes>
where
    S: Service<Request<RequestBody<B>>, Response = Response<ResponseBodyType>>,
{
    type Response = Response<ResponseBody<ResponseBodyType>>;
    type Error = S::Error;
    type Future = SizedResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let flight = InFlight::begin(&request, self.allocations);
        body::call(flight, request, |request| self.inner.call(request))
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

impl<F, ResponseBodyType, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResponseBodyType>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let inner = this.inner;
        let output = std::task::ready!(request::step(this.request, || inner.poll(cx)));
        if let Some(mut request) = this.request.take() {
            // An error from the service is a failure of the server's.
            request.outcome.status = output.as_ref().map_or(500, |r| r.status().as_u16());
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
        let (content_type, body) = crate::scrape_bytes(accept);
        ([(http::header::CONTENT_TYPE, content_type)], body)
    })
}
