//! The endpoint under load from `wrk` (the Debian package): 10 seconds at 64 connections,
//! with no error and no status other than 200.

use std::process::Command;

use meterbox::{metric, serve, Counter, Family};
use meterbox_tests::tool;

/// Requests by route, so the scrapes carry a family.
#[metric]
static LOADED_REQUESTS_TOTAL: Family<Counter, 1> = Family::new(["route"]);

#[test]
fn sixty_four_connections_for_ten_seconds_without_an_error() {
    let Some(wrk) = tool("wrk") else {
        return;
    };
    for route in ["/", "/cart", "/checkout"] {
        LOADED_REQUESTS_TOTAL.with([route]).inc();
    }
    let server = serve(":0").unwrap();
    let url = format!("http://{}/metrics", server.local_addr());
    let out = Command::new(wrk)
        .args(["-t", "2", "-c", "64", "-d", "10s", &url])
        .output()
        .expect("run wrk");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    assert!(!report.contains("Socket errors"), "{report}");
    assert!(!report.contains("Non-2xx"), "{report}");
    let requests: u64 = report
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no request count in:\n{report}"));
    assert!(requests > 1_000, "{report}");
    eprintln!("{report}");
    server.shutdown();
}
