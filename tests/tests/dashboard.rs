//! The dashboard in a real headless Chromium: the page loads with no console error, shows
//! each instrumented function with the values `snapshot()` has, follows more calls on its
//! own, searches and opens families (a histogram as a heatmap), and keeps a screenshot in
//! `target/dashboard.png`. Also: its size, and the bearer token in the header or the query.

use std::io::Write as _;
use std::time::Duration;

use meterbox::{instrumented, metric, snapshot, Counter, Family, Gauge, Histogram, Server};
use meterbox_tests::{http_get, Chromium};

/// Orders taken, by region.
#[metric]
static DASH_ORDERS_TOTAL: Family<Counter, 1> = Family::new(["region"]);

/// Workers busy, by the module and function they run: a family of its own, whatever its
/// label names.
#[metric]
static DASH_WORKERS: Family<Gauge, 2> = Family::new(["module", "function"]);

/// Time to pack an order.
#[metric(unit = "seconds")]
static DASH_PACK_SECONDS: Histogram = Histogram::new(&[0.01, 0.1, 1.0]);

#[instrumented]
fn dash_checkout(fail: bool) -> Result<(), String> {
    if fail {
        Err("declined".into())
    } else {
        Ok(())
    }
}

/// Calls and failed calls of `function` as `snapshot()` has them.
fn calls(function: &str) -> (u64, u64) {
    let snapshot = snapshot();
    let of = |result: &str| {
        snapshot
            .counter(
                "function_calls_total",
                &[("function", function), ("result", result)],
            )
            .unwrap_or(0)
    };
    let all = of("ok") + of("error") + of("panic") + of("cancelled");
    (all, of("error") + of("panic"))
}

/// The function rows the page shows: name, calls, errors.
const ROWS: &str = "JSON.stringify([...document.querySelectorAll('tr[data-function]')]\
    .map(r => [r.dataset.function, r.querySelector('.calls').textContent, r.querySelector('.errors').textContent]))";

#[test]
fn the_page_shows_the_functions_and_follows_them() {
    for fail in [false, false, true] {
        let _ = dash_checkout(fail);
    }
    DASH_ORDERS_TOTAL.with(["eu"]).inc_by(4);
    for v in [0.005, 0.05, 0.5] {
        DASH_PACK_SECONDS.observe(v);
    }
    let server = Server::new("127.0.0.1:0")
        .dashboard_history(Duration::from_millis(500), 60)
        .start()
        .unwrap();
    let Some(mut browser) = Chromium::start() else {
        return;
    };
    browser.open(&format!("http://{}/", server.local_addr()));
    browser.wait_until(
        "Number(document.body.dataset.updates || 0) >= 1",
        Duration::from_secs(30),
    );
    let (all, failed) = calls("dash_checkout");
    assert_eq!((all, failed), (3, 1));
    let rows: Vec<(String, String, String)> =
        serde_json::from_str(browser.eval(ROWS).as_str().unwrap()).unwrap();
    let row = rows
        .iter()
        .find(|r| r.0 == "dashboard::dash_checkout")
        .unwrap_or_else(|| panic!("no row in {rows:?}"));
    assert_eq!((row.1.as_str(), row.2.as_str()), ("3", "1"));
    // The latency percentiles are buckets, never interpolated figures.
    let p50 = browser.eval(
        "document.querySelector('tr[data-function=\"dashboard::dash_checkout\"] .p50').textContent",
    );
    assert!(p50.as_str().unwrap().starts_with("≤ "), "{p50}");

    // More calls: the page follows by itself.
    let before = browser.eval("Number(document.body.dataset.updates)");
    for _ in 0..5 {
        dash_checkout(false).unwrap();
    }
    browser.wait_until(
        &format!(
            "Number(document.body.dataset.updates) > {before} && \
             document.querySelector('tr[data-function=\"dashboard::dash_checkout\"] .calls').textContent === '8'"
        ),
        Duration::from_secs(30),
    );
    assert_eq!(calls("dash_checkout").0, 8);
    // Its calls per second were drawn from the ring.
    assert_eq!(
        browser.eval(
            "document.querySelectorAll('tr[data-function=\"dashboard::dash_checkout\"] svg path').length > 0"
        ),
        true
    );

    // Search narrows the families; opening a histogram shows its heatmap.
    let all_families = browser
        .eval("document.querySelectorAll('#families .family').length")
        .as_u64()
        .unwrap();
    browser.eval(
        "const s = document.getElementById('search'); s.value = 'dash_pack'; \
         s.dispatchEvent(new Event('input')); true",
    );
    let names = browser.eval(
        "JSON.stringify([...document.querySelectorAll('#families .family')].map(f => f.dataset.family))",
    );
    assert_eq!(names, "[\"dash_pack_seconds\"]", "of {all_families}");
    browser
        .eval("document.querySelector('[data-family=\"dash_pack_seconds\"] button').click(); true");
    browser.wait_until(
        "document.querySelector('[data-family=\"dash_pack_seconds\"] canvas.heatmap') !== null",
        Duration::from_secs(10),
    );
    let value = browser
        .eval("document.querySelector('[data-family=\"dash_pack_seconds\"] .value').textContent");
    assert_eq!(value, "count 3, p50 ≤ 100ms, p99 ≤ 1s");

    let png = browser.screenshot();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/dashboard.png");
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(&png))
        .unwrap();
    assert!(browser.errors.is_empty(), "{:?}", browser.errors);
}

#[test]
fn the_page_is_small_and_behind_the_token() {
    let server = Server::new("127.0.0.1:0")
        .bearer_token("s3cret")
        .start()
        .unwrap();
    let addr = server.local_addr();
    assert_eq!(http_get(addr, "/", &[]).unwrap().status, 401);
    assert_eq!(http_get(addr, "/api/dashboard", &[]).unwrap().status, 401);
    // The token in the query opens the page and its data, not the metrics.
    let page = http_get(addr, "/?token=s3cret", &[]).unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(
        http_get(addr, "/metrics?token=s3cret", &[]).unwrap().status,
        401
    );
    let data = http_get(
        addr,
        "/api/dashboard",
        &[("Authorization", "Bearer s3cret")],
    )
    .unwrap();
    assert_eq!(data.status, 200);
    let json: serde_json::Value = serde_json::from_slice(&data.body).unwrap();
    assert!(
        json["functions"].is_array() && json["families"].is_array(),
        "{json}"
    );
    // A family of one's own labelled `module` and `function` is listed as a family.
    DASH_WORKERS.with(["billing", "invoice"]).set(2.0);
    let data = http_get(
        addr,
        "/api/dashboard",
        &[("Authorization", "Bearer s3cret")],
    )
    .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&data.body).unwrap();
    let workers = json["families"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "dash_workers")
        .unwrap_or_else(|| panic!("no dash_workers in {json}"));
    assert_eq!(workers["series"][0]["value"], 2.0);
    assert!(
        !json["functions"].to_string().contains("billing::invoice"),
        "{json}"
    );

    // Everything the page needs is in it: no other asset, under 100 KB gzipped.
    let html = String::from_utf8(page.body).unwrap();
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(html.as_bytes()).unwrap();
    let size = gzip.finish().unwrap().len();
    assert!(size < 100_000, "{size} bytes gzipped");

    // In a browser: the page passes the token in the query on to its data requests.
    if let Some(mut browser) = Chromium::start() {
        browser.open(&format!("http://{addr}/?token=s3cret"));
        browser.wait_until(
            "Number(document.body.dataset.updates || 0) >= 1",
            Duration::from_secs(30),
        );
        assert!(browser.errors.is_empty(), "{:?}", browser.errors);
    }

    let without = Server::new("127.0.0.1:0")
        .without_dashboard()
        .start()
        .unwrap();
    assert_eq!(
        http_get(without.local_addr(), "/", &[]).unwrap().status,
        404
    );
}
