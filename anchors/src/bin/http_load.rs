//! The per-request cost of HTTP metrics: one axum app served four ways in this process (bare,
//! with `meterbox::http::layer()`, with body sizes too, with `axum-prometheus`), each loaded
//! by `wrk` in turn, round after round so that the machine's noise falls on all alike.
//!
//! ```sh
//! cargo run --release -p meterbox-anchors --bin http_load [-- SECONDS ROUNDS]
//! ```
//!
//! Server and `wrk` share the machine's cores, so the run is bound by CPU: a request costs
//! `cores / requests per second` of CPU in all, and a layer adds the difference of that
//! figure between its row and the bare one.

use std::net::SocketAddr;
use std::process::Command;

use axum::routing::get;
use axum::Router;

fn app() -> Router {
    Router::new().route("/users/{id}", get(|| async { "a user" }))
}

/// Serves `router` on a free loopback port from the shared runtime.
fn serve(runtime: &tokio::runtime::Runtime, router: Router) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("an address");
    runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        axum::serve(listener, router).await.expect("serve");
    });
    addr
}

/// Requests per second `wrk` reached against `addr`.
fn load(addr: SocketAddr, seconds: u32) -> f64 {
    let out = Command::new("wrk")
        .args([
            "-t",
            "1",
            "-c",
            "16",
            "-d",
            &format!("{seconds}s"),
            &format!("http://{addr}/users/7"),
        ])
        .output()
        .expect("wrk is installed (Debian package wrk)");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(!report.contains("Non-2xx"), "{report}");
    report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no rate in:\n{report}"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let rounds: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    // axum-prometheus starts its upkeep task on the runtime it is made in.
    let _in_runtime = runtime.enter();
    let (prometheus_layer, _handle) = axum_prometheus::PrometheusMetricLayer::pair();
    let rows = [
        ("bare axum", serve(&runtime, app())),
        (
            "meterbox::http::layer()",
            serve(&runtime, app().layer(meterbox::http::layer())),
        ),
        (
            "meterbox::http::layer().with_body_sizes()",
            serve(
                &runtime,
                app().layer(meterbox::http::layer().with_body_sizes()),
            ),
        ),
        (
            "axum-prometheus",
            serve(&runtime, app().layer(prometheus_layer)),
        ),
    ];
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut rates = vec![Vec::new(); rows.len()];
    for _ in 0..rounds {
        for (i, (_, addr)) in rows.iter().enumerate() {
            rates[i].push(load(*addr, seconds));
        }
    }
    println!("| app | requests/s (median of {rounds}) | CPU per request | added per request |");
    println!("|---|---:|---:|---:|");
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    // Whole cores and rates are small numbers.
    #[allow(clippy::cast_precision_loss)]
    let cpu_us = |rate: f64| cores as f64 / rate * 1e6;
    let bare = cpu_us(median(&rates[0]));
    for ((name, _), rates) in rows.iter().zip(&rates) {
        let rate = median(rates);
        let cost = cpu_us(rate);
        println!(
            "| {name} | {rate:.0} | {cost:.2} µs | {:+.2} µs |",
            cost - bare
        );
    }
}
