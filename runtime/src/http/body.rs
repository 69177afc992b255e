//! Body sizes: the request body counts the bytes the service reads from it, the response
//! body the bytes the server sends, and both sizes are recorded when the response body is
//! done with (sent in full, or dropped when the client left).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Buf;
use http::Response;
use http_body::{Body, Frame, SizeHint};

use super::families::{Outcome, REQUEST_BODY, RESPONSE_BODY};
use super::request::InFlight;

/// Adds the data bytes of `frame` to `count`.
fn data_len<D: Buf, E>(frame: &Poll<Option<Result<Frame<D>, E>>>) -> u64 {
    match frame {
        Poll::Ready(Some(Ok(frame))) => frame.data_ref().map_or(0, |d| d.remaining() as u64),
        _ => 0,
    }
}

pin_project_lite::pin_project! {
    /// A request body that counts the bytes read from it: what the service gets from a
    /// layer `with_body_sizes`.
    pub struct RequestBody<B> {
        #[pin]
        inner: B,
        received: Arc<AtomicU64>,
    }
}

impl<B> RequestBody<B> {
    /// The body as it came, for a service that needs its own type back.
    pub fn into_inner(self) -> B {
        self.inner
    }
}

impl<B: Body> Body for RequestBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let this = self.project();
        let frame = this.inner.poll_frame(cx);
        this.received.fetch_add(data_len(&frame), Ordering::Relaxed);
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Both sizes of one request, recorded when dropped: the request's always, the response's
/// once there is a response.
struct Sizes {
    outcome: Outcome,
    received: Arc<AtomicU64>,
    /// `None` until the service answered.
    sent: Option<u64>,
}

impl Drop for Sizes {
    // Byte counts are far below 2^53, where an f64 is exact.
    #[allow(clippy::cast_precision_loss)]
    fn drop(&mut self) {
        let received = self.received.load(Ordering::Relaxed);
        self.outcome.observe(&REQUEST_BODY, received as f64);
        if let Some(sent) = self.sent {
            self.outcome.observe(&RESPONSE_BODY, sent as f64);
        }
    }
}

pin_project_lite::pin_project! {
    /// A response body that counts the bytes sent: what a layer `with_body_sizes` answers
    /// with.
    pub struct ResponseBody<B> {
        #[pin]
        inner: B,
        sizes: Option<Sizes>,
    }
}

impl<B: Body> Body for ResponseBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let this = self.project();
        let frame = this.inner.poll_frame(cx);
        if let Some(sizes) = this.sizes {
            if let Some(sent) = &mut sizes.sent {
                *sent += data_len(&frame);
            }
        }
        if matches!(frame, Poll::Ready(None)) {
            // Recorded at the end rather than when the server gets round to dropping it.
            this.sizes.take();
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Calls the service with `request`'s body counted: the future of a request recorded with
/// its body sizes.
pub(super) fn call<B, F>(
    mut flight: InFlight,
    request: http::Request<B>,
    service: impl FnOnce(http::Request<RequestBody<B>>) -> F,
) -> SizedResponseFuture<F> {
    let received = Arc::new(AtomicU64::new(0));
    let request = request.map(|inner| RequestBody {
        inner,
        received: received.clone(),
    });
    let inner = flight.around(|| service(request));
    let sizes = Sizes {
        outcome: flight.outcome.clone(),
        received,
        sent: None,
    };
    SizedResponseFuture {
        inner,
        request: Some(flight),
        sizes: Some(sizes),
    }
}

pin_project_lite::pin_project! {
    /// The response of a request recorded with its body sizes. Dropped before the response,
    /// it records the request's size with status 499.
    pub struct SizedResponseFuture<F> {
        #[pin]
        inner: F,
        request: Option<InFlight>,
        sizes: Option<Sizes>,
    }
}

impl<F, B, E> Future for SizedResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let inner = this.inner;
        let output = std::task::ready!(super::request::step(this.request, || inner.poll(cx)));
        // An error from the service is a failure of the server's.
        let status = output.as_ref().map_or(500, |r| r.status().as_u16());
        if let Some(mut request) = this.request.take() {
            request.outcome.status = status;
        }
        let mut sizes = this.sizes.take();
        if let Some(sizes) = &mut sizes {
            sizes.outcome.status = status;
        }
        // Without a response, the request's size is recorded here; with one, when its body
        // is done with.
        Poll::Ready(output.map(|response| {
            if let Some(sizes) = &mut sizes {
                sizes.sent = Some(0);
            }
            response.map(|inner| ResponseBody { inner, sizes })
        }))
    }
}
