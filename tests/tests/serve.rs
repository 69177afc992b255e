//! The `/metrics` endpoint: formats, compression, authentication, refusals, limits, and a
//! slow client that must not hold up other scrapes.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use meterbox::{metric, serve, Counter, Server};
use meterbox_tests::{http_get, http_request, promtool_check};

/// Requests handled by the endpoint test.
#[metric]
static SERVED_WIDGETS_TOTAL: Counter = Counter::new();

#[test]
fn answers_each_format_with_its_content_type() {
    SERVED_WIDGETS_TOTAL.inc();
    let server = serve(":0").unwrap();
    let addr = server.local_addr();
    assert!(
        addr.ip().is_loopback(),
        "a bare port binds loopback: {addr}"
    );

    let prom = http_get(addr, "/metrics", &[]).unwrap();
    assert_eq!(prom.status, 200);
    assert_eq!(
        prom.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert!(
        prom.text().contains("served_widgets_total 1\n"),
        "{}",
        prom.text()
    );
    if let Some(complaints) = promtool_check(&prom.text()) {
        assert_eq!(complaints, "");
    }

    let om = http_get(
        addr,
        "/metrics",
        &[("Accept", "application/openmetrics-text;version=1.0.0")],
    )
    .unwrap();
    assert!(om
        .header("content-type")
        .unwrap()
        .starts_with("application/openmetrics-text"));
    assert!(om.text().ends_with("# EOF\n"));

    let json = http_get(addr, "/metrics.json", &[]).unwrap();
    assert_eq!(json.header("content-type"), Some("application/json"));
    let parsed: serde_json::Value = serde_json::from_slice(&json.body).unwrap();
    assert!(parsed["metrics"].is_array());

    let gz = http_get(addr, "/metrics", &[("Accept-Encoding", "gzip")]).unwrap();
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.contains("served_widgets_total"));
    assert!(gz.body.len() < text.len());
    server.shutdown();
}

#[test]
fn refuses_what_it_does_not_serve() {
    let server = serve("127.0.0.1:0").unwrap();
    let addr = server.local_addr();
    assert_eq!(http_get(addr, "/other", &[]).unwrap().status, 404);
    let post = http_request(addr, "POST /metrics", &[("Content-Length", "0")]).unwrap();
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    let body = http_request(addr, "GET /metrics", &[("Content-Length", "5")]).unwrap();
    assert_eq!(body.status, 413);
    // A head far over the limit is refused, not read into memory.
    let huge = "x".repeat(64 * 1024);
    match http_get(addr, "/metrics", &[("X-Padding", &huge)]) {
        Ok(response) => assert_eq!(response.status, 431, "{response:?}"),
        Err(err) => assert!(
            matches!(
                err.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            ),
            "{err}"
        ),
    }
}

#[test]
fn a_bearer_token_is_required_when_set() {
    let server = Server::new(":0").bearer_token("s3cret").start().unwrap();
    let addr = server.local_addr();
    let none = http_get(addr, "/metrics", &[]).unwrap();
    assert_eq!(none.status, 401);
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));
    let wrong = http_get(addr, "/metrics", &[("Authorization", "Bearer s3creT")]).unwrap();
    assert_eq!(wrong.status, 401);
    let right = http_get(addr, "/metrics", &[("Authorization", "Bearer s3cret")]).unwrap();
    assert_eq!(right.status, 200);
    // The scheme is case-insensitive (RFC 7235); the token is not.
    let lower = http_get(addr, "/metrics", &[("Authorization", "bearer s3cret")]).unwrap();
    assert_eq!(lower.status, 200);
    // A zero length written with a leading zero is no body.
    let zero = http_get(
        addr,
        "/metrics",
        &[("Authorization", "Bearer s3cret"), ("Content-Length", "00")],
    )
    .unwrap();
    assert_eq!(zero.status, 200);
}

#[test]
fn a_slow_client_does_not_hold_up_other_scrapes_and_is_cut_off() {
    let server = Server::new(":0")
        .head_timeout(Duration::from_secs(2))
        .start()
        .unwrap();
    let addr = server.local_addr();
    let slow = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let started = Instant::now();
        // One byte a second, never finishing the head.
        for byte in b"GET /metrics HTTP/1.1\r\nHost: x\r\n"
            .iter()
            .cycle()
            .take(30)
        {
            if stream.write_all(&[*byte]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_secs(1));
            let mut probe = [0u8; 1];
            stream.set_nonblocking(true).unwrap();
            let closed = matches!(stream.read(&mut probe), Ok(0));
            stream.set_nonblocking(false).unwrap();
            if closed {
                break;
            }
        }
        started.elapsed()
    });
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..20 {
        let response = http_get(addr, "/metrics", &[]).unwrap();
        assert_eq!(response.status, 200);
    }
    let held = slow.join().unwrap();
    assert!(
        held < Duration::from_secs(15),
        "the slow connection was kept for {held:?}"
    );
}

#[test]
fn a_connection_past_the_limit_takes_the_place_of_an_idle_one() {
    let server = Server::new(":0")
        .max_connections(1)
        .head_timeout(Duration::from_secs(2))
        .start()
        .unwrap();
    let addr = server.local_addr();
    // An idle connection holds the only slot; a scrape closes it to get in, at once.
    let mut idle = TcpStream::connect(addr).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let response = http_get(addr, "/metrics", &[]).unwrap();
    assert_eq!(response.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    idle.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let mut probe = [0u8; 1];
    assert!(
        matches!(idle.read(&mut probe), Ok(0) | Err(_)),
        "the idle one was closed"
    );
}

#[test]
fn other_interfaces_take_an_explicit_address_and_shutdown_stops_serving() {
    let server = serve("0.0.0.0:0").unwrap();
    let addr = server.local_addr();
    assert!(addr.ip().is_unspecified());
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], addr.port()));
    assert_eq!(http_get(loopback, "/metrics", &[]).unwrap().status, 200);
    server.shutdown();
    assert!(TcpStream::connect(loopback).is_err(), "still listening");
}

#[test]
fn a_render_past_the_render_timeout_is_answered_with_503() {
    let server = Server::new(":0")
        .render_timeout(Duration::from_millis(200))
        .source(|_| {
            std::thread::sleep(Duration::from_secs(2));
            Ok("late_total 1\n".to_owned())
        })
        .start()
        .unwrap();
    let started = Instant::now();
    let response = http_get(server.local_addr(), "/metrics", &[]).unwrap();
    assert_eq!(response.status, 503, "{}", response.text());
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}
