//! The HTTP layer in a real axum app on a real port, with real requests: exact counts per
//! route, method and status, unknown paths under one route value, a client that goes away
//! mid-request, the `/metrics` handler read by the checkers, and `wrk`'s load counted.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::routing::get;
use axum::Router;
use meterbox::snapshot;
use meterbox_tests::{http_get, http_request, scrape_checked, serve_axum, tool};

const DURATION: &str = "http_server_request_duration_seconds";

fn app() -> Router {
    Router::new()
        .route(
            "/users/{id}",
            get(|| async { "a user" }).post(|| async { "made" }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                "late"
            }),
        )
        .route("/metrics", meterbox::http::metrics_handler())
        .layer(meterbox::http::layer())
}

/// The app on a free loopback port.
fn start() -> SocketAddr {
    serve_axum(app())
}

fn count(method: &str, route: &str, status: &str) -> u64 {
    let labels = [
        ("http_request_method", method),
        ("http_route", route),
        ("http_response_status_code", status),
    ];
    snapshot()
        .histogram(DURATION, &labels)
        .map_or(0, meterbox::HistogramValue::count)
}

fn active(method: &str) -> f64 {
    snapshot()
        .gauge(
            "http_server_active_requests",
            &[("http_request_method", method)],
        )
        .unwrap_or(0.0)
}

/// Waits for `done` to hold: a response is written before the layer records it.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn requests_are_recorded_by_route_method_and_status() {
    let addr = start();
    for id in 1..=3 {
        assert_eq!(
            http_get(addr, &format!("/users/{id}"), &[]).unwrap().status,
            200
        );
    }
    assert_eq!(
        http_request(addr, "POST /users/9", &[]).unwrap().status,
        200
    );
    for path in ["/nothing", "/users", "/a/b/c", "/users/1/extra"] {
        assert_eq!(http_get(addr, path, &[]).unwrap().status, 404);
    }
    assert_eq!(
        http_request(addr, "BREW /users/1", &[]).unwrap().status,
        405
    );

    eventually("the requests are recorded", || {
        count("GET", "/users/{id}", "200") == 3
    });
    assert_eq!(count("GET", "/users/{id}", "200"), 3);
    assert_eq!(count("POST", "/users/{id}", "200"), 1);
    // Unknown paths share one route value, whatever the path.
    eventually("the 404s are recorded", || count("GET", "", "404") == 4);
    assert_eq!(count("_OTHER", "/users/{id}", "405"), 1);
    // No path ever becomes a route value.
    let paths = snapshot()
        .series(DURATION, &[])
        .iter()
        .filter(|s| s.label("http_route").is_some_and(|r| r.contains("nothing")))
        .count();
    assert_eq!(paths, 0);

    // A client that goes away before the response: recorded as 499, and not active any more.
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "GET /slow HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    eventually("the slow request is active", || active("GET") >= 1.0);
    drop(stream);
    eventually("the closed request is recorded", || {
        count("GET", "/slow", "499") == 1
    });
    eventually("the active gauge comes back down", || active("GET") == 0.0);
    assert_eq!(count("GET", "/slow", "200"), 0);

    // The handler answers the format asked for, and the checkers accept it.
    let (text, openmetrics) = scrape_checked(addr);
    assert!(text.contains("http_server_request_duration_seconds_bucket{http_request_method=\"GET\",http_route=\"/users/{id}\",http_response_status_code=\"200\",le=\"0.005\"}"));
    assert!(openmetrics.ends_with("# EOF\n"));

    // Load: every response wrk received is counted, and at most one per connection more
    // (a response written as wrk stopped, which it never read).
    let Some(wrk) = tool("wrk") else {
        return;
    };
    let before = count("GET", "/users/{id}", "200");
    let url = format!("http://{addr}/users/7");
    let out = std::process::Command::new(wrk)
        .args(["-t", "2", "-c", "16", "-d", "2s", &url])
        .output()
        .expect("run wrk");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    assert!(!report.contains("Non-2xx"), "{report}");
    let received: u64 = report
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no request count in:\n{report}"));
    assert!(received > 100, "{report}");
    eventually("the load is over", || active("GET") == 0.0);
    let recorded = count("GET", "/users/{id}", "200") - before;
    assert!(
        received <= recorded && recorded <= received + 16,
        "wrk received {received}, the layer recorded {recorded}"
    );
}
