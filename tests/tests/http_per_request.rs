//! What the HTTP layer measures per request when asked: body sizes in a real axum app on a
//! real port (exact bytes read and sent, an unread body, an empty answer, a client that
//! leaves), and allocations per request, exact for a service called on the test's thread.

// Byte counts far below 2^53 are exact in an f64.
#![allow(clippy::float_cmp)]

use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::routing::{get, post};
use axum::Router;
use http::{Request, Response};
use meterbox::alloc::CountingAllocator;
use meterbox::{snapshot, HistogramValue};
use meterbox_tests::{http_get, scrape_checked, serve_axum};
use tower_layer::Layer as _;
use tower_service::Service;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

const REQUEST_SIZE: &str = "http_server_request_body_size_bytes";
const RESPONSE_SIZE: &str = "http_server_response_body_size_bytes";
const ALLOCATED: &str = "http_server_request_allocated_bytes";

fn app() -> Router {
    Router::new()
        .route(
            "/upload",
            post(|body: Bytes| async move { "ok:".repeat(body.len()) }),
        )
        .route("/ignore", post(|| async { "not read" }))
        .route("/big", get(|| async { vec![b'x'; 100_000] }))
        .route("/empty", get(|| async { "" }))
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                "late"
            }),
        )
        .route("/metrics", meterbox::http::metrics_handler())
        .layer(meterbox::http::layer().with_body_sizes().with_allocations())
}

/// The app on a free loopback port.
fn start() -> SocketAddr {
    serve_axum(app())
}

/// `POST path` with `body`; the status and the body of the answer.
fn post_body(addr: SocketAddr, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let status = String::from_utf8_lossy(&raw[9..12]).parse().unwrap();
    (status, raw[split + 4..].to_vec())
}

fn sizes(family: &str, method: &str, route: &str, status: &str) -> Option<HistogramValue> {
    let labels = [
        ("http_request_method", method),
        ("http_route", route),
        ("http_response_status_code", status),
    ];
    snapshot().histogram(family, &labels).cloned()
}

/// Waits for `family`'s series to have `count` observations: a response is on the wire
/// before its body is recorded.
fn recorded(family: &str, method: &str, route: &str, status: &str, count: u64) -> HistogramValue {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(h) = sizes(family, method, route, status) {
            if h.count() >= count {
                return h;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{family} {method} {route} {status}: {:?}",
            sizes(family, method, route, status)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn body_sizes_are_the_bytes_read_and_sent() {
    let addr = start();
    for n in [10, 1000] {
        let (status, body) = post_body(addr, "/upload", &vec![b'a'; n]);
        assert_eq!((status, body.len()), (200, 3 * n));
    }
    let request = recorded(REQUEST_SIZE, "POST", "/upload", "200", 2);
    assert_eq!((request.count(), request.sum), (2, 1010.0));
    let response = recorded(RESPONSE_SIZE, "POST", "/upload", "200", 2);
    assert_eq!((response.count(), response.sum), (2, 3030.0));

    // A body the handler never reads counts nothing: the size is what the service read.
    assert_eq!(post_body(addr, "/ignore", &[b'z'; 500]).0, 200);
    let ignored = recorded(REQUEST_SIZE, "POST", "/ignore", "200", 1);
    assert_eq!(ignored.sum, 0.0);
    let answered = recorded(RESPONSE_SIZE, "POST", "/ignore", "200", 1);
    assert_eq!(answered.sum, 8.0);

    assert_eq!(http_get(addr, "/big", &[]).unwrap().body.len(), 100_000);
    let big = recorded(RESPONSE_SIZE, "GET", "/big", "200", 1);
    assert_eq!(big.sum, 100_000.0);
    assert_eq!(http_get(addr, "/empty", &[]).unwrap().status, 200);
    let empty = recorded(RESPONSE_SIZE, "GET", "/empty", "200", 1);
    assert_eq!((empty.sum, empty.buckets[0]), (0.0, 1), "le=0: {empty:?}");

    // A client that leaves before the answer: its request's size, status 499, no response.
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST /slow HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 4\r\n\r\nabcd"
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    drop(stream);
    recorded(REQUEST_SIZE, "POST", "/slow", "499", 1);
    assert!(sizes(RESPONSE_SIZE, "POST", "/slow", "499").is_none());

    // Each request's allocations, in a histogram of its own.
    let allocated = recorded(ALLOCATED, "POST", "/upload", "200", 2);
    assert!(allocated.sum > 0.0, "{allocated:?}");

    let (text, openmetrics) = scrape_checked(addr);
    for family in [REQUEST_SIZE, RESPONSE_SIZE, ALLOCATED] {
        assert!(
            text.contains(&format!("# TYPE {family} histogram\n")),
            "{family}"
        );
    }
    assert!(openmetrics.contains(&format!("# UNIT {REQUEST_SIZE} bytes\n")));
}

/// A service whose future allocates `boxes` boxes of 1000 bytes on each of its two polls,
/// and nothing else: a future written out, so that no box of its own is counted.
#[derive(Clone)]
struct Allocating {
    boxes: usize,
}

struct TwoPolls {
    boxes: usize,
    polled: bool,
}

impl Future for TwoPolls {
    type Output = Result<Response<()>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        for _ in 0..self.boxes {
            black_box(Box::new([0u8; 1000]));
        }
        if self.polled {
            Poll::Ready(Ok(Response::new(())))
        } else {
            self.polled = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

impl Service<Request<()>> for Allocating {
    type Response = Response<()>;
    type Error = Infallible;
    type Future = TwoPolls;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<()>) -> TwoPolls {
        TwoPolls {
            boxes: self.boxes,
            polled: false,
        }
    }
}

#[test]
fn allocations_per_request_are_exact_and_exclude_other_tasks() {
    let mut service = meterbox::http::layer()
        .with_allocations()
        .layer(Allocating { boxes: 3 });
    let request = Request::builder().method("PUT").body(()).unwrap();
    let mut future = pin!(service.call(request));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(future.as_mut().poll(&mut cx).is_pending());
    // Another task on the same thread, between the two polls.
    for _ in 0..10 {
        black_box(Box::new([0u8; 5000]));
    }
    assert!(future.as_mut().poll(&mut cx).is_ready());
    let h = recorded(ALLOCATED, "PUT", "", "200", 1);
    assert_eq!((h.count(), h.sum), (1, 6000.0), "{h:?}");
}
