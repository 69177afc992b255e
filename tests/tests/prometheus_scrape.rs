//! A real Prometheus (the Debian package) scrapes `meterbox::serve`, and its query API
//! returns the values the program recorded: a counter, a labelled family and a histogram.

use meterbox::{metric, serve, Counter, Family, Histogram};
use meterbox_tests::{tool, Prometheus};

/// Orders placed, for the scrape test.
#[metric]
static SCRAPED_ORDERS_TOTAL: Counter = Counter::new();

/// Requests by method and status, for the scrape test.
#[metric]
static SCRAPED_REQUESTS_TOTAL: Family<Counter, 2> = Family::new(["method", "status"]);

/// Latency, for the scrape test.
#[metric(unit = "seconds")]
static SCRAPED_LATENCY_SECONDS: Histogram = Histogram::new(&[0.5, 1.0]);

#[test]
fn prometheus_scrapes_the_endpoint_and_sees_the_values() {
    let Some(binary) = tool("prometheus") else {
        return;
    };
    SCRAPED_ORDERS_TOTAL.inc_by(7);
    SCRAPED_REQUESTS_TOTAL.with(["GET", "200"]).inc_by(3);
    SCRAPED_REQUESTS_TOTAL.with(["POST", "500"]).inc();
    SCRAPED_LATENCY_SECONDS.observe(0.3);
    SCRAPED_LATENCY_SECONDS.observe(0.7);
    let server = serve(":0").unwrap();
    let prometheus = Prometheus::start(&binary, server.local_addr().port());

    prometheus.wait_for(r#"up{job="meterbox"}"#, 1.0);
    prometheus.wait_for("scraped_orders_total", 7.0);
    prometheus.wait_for(r#"scraped_requests_total{method="GET",status="200"}"#, 3.0);
    prometheus.wait_for(r#"scraped_requests_total{method="POST",status="500"}"#, 1.0);
    prometheus.wait_for(r#"scraped_latency_seconds_bucket{le="0.5"}"#, 1.0);
    prometheus.wait_for(r#"scraped_latency_seconds_bucket{le="+Inf"}"#, 2.0);
    prometheus.wait_for("scraped_latency_seconds_count", 2.0);
    // A later change is seen by a later scrape.
    SCRAPED_ORDERS_TOTAL.inc();
    prometheus.wait_for("scraped_orders_total", 8.0);
    drop(prometheus);
    server.shutdown();
}
