//! A library that knows only the `metrics` facade (`tests/fixtures/facade_user`), linked
//! into a meterbox program: its counters, gauges and histograms on the real `/metrics`
//! endpoint with exact values and its descriptions, beside a link-time metric, accepted by
//! promtool and the `OpenMetrics` parser.

use meterbox::{metric, Counter, Server};
use meterbox_tests::scrape_checked;

/// Orders taken, a link-time metric beside the facade's.
#[metric]
static FACADE_ORDERS_TOTAL: Counter = Counter::new();

#[test]
fn a_facade_only_library_shows_on_metrics_exactly() {
    meterbox::facade::builder()
        .buckets("mailer_send", &[0.1, 1.0])
        .expect("valid bounds")
        .install()
        .expect("the first recorder");
    // A second recorder is refused, not silently swapped in.
    assert!(meterbox::facade::install().is_err());
    // Bad bounds are an error, not a panic.
    assert!(meterbox::facade::builder()
        .buckets("x", &[1.0, 0.5])
        .is_err());
    assert!(meterbox::facade::builder().buckets("x", &[]).is_err());

    // Used before its description, then described: the description still applies.
    facade_user::send("smtp", 0.0625);
    facade_user::describe();
    for seconds in [0.5, 2.0] {
        facade_user::send("smtp", seconds);
    }
    facade_user::send("api", 0.0625);
    facade_user::outbox(4.0);
    facade_user::bounced_total(7);
    facade_user::bounced_total(5);
    FACADE_ORDERS_TOTAL.inc();
    // One name with two sets of label keys: one family, series of both.
    metrics::counter!("mailer_retries", "provider" => "smtp").increment(2);
    metrics::counter!("mailer_retries").increment(1);
    // Label keys in another order: the same series.
    metrics::gauge!("mailer_queue", "a" => "1", "b" => "2").set(1.0);
    metrics::gauge!("mailer_queue", "b" => "2", "a" => "1").increment(1.0);

    let server = Server::new("127.0.0.1:0").start().unwrap();
    let (text, openmetrics) = scrape_checked(server.local_addr());
    for line in [
        "# HELP mailer_sent_total Mails sent, by provider.\n",
        "# TYPE mailer_sent_total counter\n",
        "mailer_sent_total{provider=\"smtp\"} 3\n",
        "mailer_sent_total{provider=\"api\"} 1\n",
        "# HELP mailer_send_seconds Time to hand a mail to its provider.\n",
        "mailer_send_seconds_bucket{le=\"0.1\"} 2\n",
        "mailer_send_seconds_bucket{le=\"1.0\"} 3\n",
        "mailer_send_seconds_bucket{le=\"+Inf\"} 4\n",
        "mailer_send_seconds_sum 2.625\n",
        "mailer_send_seconds_count 4\n",
        // Dots become underscores under the default `Sanitize::Prometheus`.
        "mailer_outbox_depth 4.0\n",
        // An absolute value never takes a counter down.
        "mailer_bounced_total 7\n",
        "facade_orders_total 1\n",
        "mailer_retries_total{provider=\"smtp\"} 2\n",
        "mailer_retries_total 1\n",
        "mailer_queue{a=\"1\",b=\"2\"} 2.0\n",
    ] {
        assert!(text.contains(line), "no {line:?} in:\n{text}");
    }
    assert!(
        openmetrics.contains("# UNIT mailer_send_seconds seconds\n"),
        "{openmetrics}"
    );
    let read = meterbox::snapshot();
    assert_eq!(
        read.counter("mailer_sent_total", &[("provider", "smtp")]),
        Some(3)
    );
}
