//! `OtlpSurfacer` against a receiver that decodes with the official Python
//! `opentelemetry-proto` package: exact values, types, bucket counts and resource
//! attributes, exemplars with their trace and span ids, pushed directly, through a reporter with tags, and configured by the
//! OpenTelemetry environment variables; a 429 retried after its `Retry-After`; a dead
//! endpoint an error worth retrying.
//!
//! One test function: it sets environment variables, which nothing else here may read
//! meanwhile.

// Values compared are small integers and halves, exact in an f64.
#![allow(clippy::float_cmp)]

use std::time::Duration;

use meterbox::{
    metric, snapshot, Counter, Exemplar, Family, Gauge, Histogram, OtlpSurfacer, Reporter, Summary,
    Surfacer,
};
use meterbox_tests::OtlpReceiver;
use serde_json::Value;

/// Jobs finished.
#[metric]
static OTLP_JOBS_TOTAL: Counter = Counter::new();

/// Items waiting.
#[metric]
static OTLP_QUEUE_DEPTH: Gauge = Gauge::new();

/// Time per job.
#[metric(unit = "seconds")]
static OTLP_JOB_SECONDS: Histogram = Histogram::new(&[1.0, 2.0]);

/// Time waiting, in a native histogram.
#[metric(unit = "seconds")]
static OTLP_WAIT_SECONDS: Histogram = Histogram::native(-3, 8);

/// Sizes of payloads.
#[metric]
static OTLP_PAYLOAD: Summary = Summary::new();

/// Requests by route.
#[metric]
static OTLP_REQUESTS_TOTAL: Family<Counter, 1> = Family::new(["route"]);

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN: &str = "00f067aa0ba902b7";
/// The ids' bytes in base64, as the receiver's `MessageToDict` writes a bytes field.
const TRACE_BASE64: &str = "S/kvNXezTaajzpKdDg5HNg==";
const SPAN_BASE64: &str = "APBnqgupArc=";

fn record() {
    let traced = Exemplar::trace(TRACE, SPAN).unwrap();
    let tagged = Exemplar::new(&[("trace_id", "not-hex"), ("user", "u7")]).unwrap();
    OTLP_JOBS_TOTAL.inc_by_with_exemplar(42, &traced);
    OTLP_QUEUE_DEPTH.set(7.5);
    OTLP_JOB_SECONDS.observe(0.5);
    OTLP_JOB_SECONDS.observe_with_exemplar(1.5, &traced);
    OTLP_JOB_SECONDS.observe_with_exemplar(3.0, &tagged);
    OTLP_PAYLOAD.observe(10.0);
    // The zero bucket (at most 2^-3), (2^-2, 2^-1] twice, and one past the highest bound.
    for v in [0.1, 0.3, 0.3, 100.0] {
        OTLP_WAIT_SECONDS.observe(v);
    }
    OTLP_REQUESTS_TOTAL.with(["/users/{id}"]).inc_by(3);
}

/// The metric called `name` in a decoded request.
fn metric<'a>(request: &'a Value, name: &str) -> &'a Value {
    let metrics = request["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
        .as_array()
        .expect("metrics");
    metrics
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no metric {name}"))
}

/// The resource's attributes as `(key, value)` pairs.
fn resource(request: &Value) -> Vec<(String, String)> {
    attributes(&request["resourceMetrics"][0]["resource"]["attributes"])
}

fn attributes(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|kv| {
                    (
                        kv["key"].as_str().unwrap_or_default().to_owned(),
                        kv["value"]["stringValue"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn has(pairs: &[(String, String)], key: &str, value: &str) -> bool {
    pairs.iter().any(|(k, v)| k == key && v == value)
}

/// Waits for the receiver to hold `n` requests (refusals included).
fn wait_for(receiver: &OtlpReceiver, n: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let requests = receiver.received();
        if requests.len() >= n {
            return requests;
        }
        assert!(std::time::Instant::now() < deadline, "{requests:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn check_values(request: &Value) {
    let jobs = metric(request, "otlp_jobs");
    assert_eq!(jobs["sum"]["isMonotonic"], true);
    assert_eq!(
        jobs["sum"]["aggregationTemporality"],
        "AGGREGATION_TEMPORALITY_CUMULATIVE"
    );
    assert_eq!(jobs["sum"]["dataPoints"][0]["asInt"], "42");
    assert_eq!(jobs["description"], "Jobs finished.");
    let exemplar = &jobs["sum"]["dataPoints"][0]["exemplars"][0];
    assert_eq!(
        (
            &exemplar["traceId"],
            &exemplar["spanId"],
            &exemplar["asDouble"]
        ),
        (
            &Value::from(TRACE_BASE64),
            &Value::from(SPAN_BASE64),
            &Value::from(42.0)
        ),
        "{exemplar}"
    );

    let depth = metric(request, "otlp_queue_depth");
    assert_eq!(depth["gauge"]["dataPoints"][0]["asDouble"], 7.5);

    let seconds = metric(request, "otlp_job_seconds");
    assert_eq!(seconds["unit"], "s");
    let point = &seconds["histogram"]["dataPoints"][0];
    assert_eq!(point["count"], "3");
    assert_eq!(point["sum"], 5.0);
    assert_eq!(point["bucketCounts"], serde_json::json!(["1", "1", "1"]));
    assert_eq!(point["explicitBounds"], serde_json::json!([1.0, 2.0]));
    // One exemplar a bucket that had one: the traced one with its ids as bytes, the other
    // with labels that are not ids as attributes.
    let exemplars = point["exemplars"].as_array().expect("exemplars");
    assert_eq!(exemplars.len(), 2, "{exemplars:?}");
    assert_eq!(exemplars[0]["traceId"], TRACE_BASE64);
    assert_eq!(exemplars[0]["asDouble"], 1.5);
    assert!(exemplars[0]["timeUnixNano"].as_str().is_some());
    assert_eq!(exemplars[1]["asDouble"], 3.0);
    assert!(exemplars[1].get("traceId").is_none(), "{exemplars:?}");
    assert_eq!(
        attributes(&exemplars[1]["filteredAttributes"]),
        vec![
            ("trace_id".to_owned(), "not-hex".to_owned()),
            ("user".to_owned(), "u7".to_owned())
        ]
    );
    // Cumulative from the process's start, which came before this test.
    let nanos = |key: &str| -> u128 { point[key].as_str().unwrap().parse().unwrap() };
    let began = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    assert!(nanos("startTimeUnixNano") < nanos("timeUnixNano"));
    assert!(nanos("startTimeUnixNano") + 50_000_000 < began, "{point}");

    // A native histogram is an exponential one; OTLP's bucket i is (2^i, 2^(i+1)].
    let wait = metric(request, "otlp_wait_seconds");
    assert!(wait.get("histogram").is_none(), "{wait}");
    let point = &wait["exponentialHistogram"]["dataPoints"][0];
    assert_eq!(
        wait["exponentialHistogram"]["aggregationTemporality"],
        "AGGREGATION_TEMPORALITY_CUMULATIVE"
    );
    assert_eq!(point["count"], "4");
    assert_eq!(point["sum"], 100.7);
    // Scale 0, the default, which the decoder leaves out.
    assert!(point.get("scale").is_none(), "{point}");
    assert_eq!(point["zeroCount"], "1");
    assert_eq!(point["zeroThreshold"], 0.125);
    assert_eq!(point["positive"]["offset"], -2);
    assert_eq!(
        point["positive"]["bucketCounts"],
        serde_json::json!(["2", "0", "0", "0", "0", "0", "1"])
    );

    let payload = metric(request, "otlp_payload");
    let point = &payload["summary"]["dataPoints"][0];
    assert_eq!(
        (point["count"].as_str(), point["sum"].as_f64()),
        (Some("1"), Some(10.0))
    );
    assert!(!point["quantileValues"].as_array().unwrap().is_empty());

    let requests = metric(request, "otlp_requests");
    let point = &requests["sum"]["dataPoints"][0];
    assert_eq!(point["asInt"], "3");
    assert!(has(
        &attributes(&point["attributes"]),
        "route",
        "/users/{id}"
    ));
}

#[test]
fn a_collector_receives_exact_values_and_the_resource() {
    record();
    let Some(receiver) = OtlpReceiver::start("direct", 0) else {
        return;
    };

    // In code: the endpoint, a header, a resource attribute.
    let surfacer = OtlpSurfacer::new(receiver.url())
        .header("X-Api-Key", "k1")
        .resource("deployment.environment", "test");
    surfacer.surface(&snapshot()).expect("the receiver accepts");
    let request = &wait_for(&receiver, 1)[0];
    assert_eq!(request["path"], "/v1/metrics");
    assert_eq!(request["headers"]["x-api-key"], "k1");
    assert_eq!(request["headers"]["content-type"], "application/x-protobuf");
    check_values(request);
    let attrs = resource(request);
    assert!(has(&attrs, "deployment.environment", "test"), "{attrs:?}");
    assert!(
        attrs
            .iter()
            .any(|(k, v)| k == "service.name" && v.starts_with("unknown_service:")),
        "{attrs:?}"
    );
    let scope = &request["resourceMetrics"][0]["scopeMetrics"][0]["scope"];
    assert_eq!(scope["name"], "meterbox");

    // Through a reporter: its tags are the resource, not each data point's.
    let reporter = Reporter::builder()
        .interval(Duration::from_secs(3600))
        .host_tag(false)
        .env_tags(false)
        .tag("service", "orders")
        .tag("instance", "worker-3")
        .surfacer(OtlpSurfacer::new(receiver.url()))
        .start()
        .unwrap();
    reporter.stop();
    let request = &wait_for(&receiver, 2)[1];
    check_values(request);
    let attrs = resource(request);
    assert!(has(&attrs, "service.name", "orders"), "{attrs:?}");
    assert!(has(&attrs, "instance", "worker-3"), "{attrs:?}");
    let point = &metric(request, "otlp_requests")["sum"]["dataPoints"][0];
    assert_eq!(
        attributes(&point["attributes"]),
        vec![("route".to_owned(), "/users/{id}".to_owned())]
    );

    // From the OpenTelemetry environment variables alone.
    std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url());
    std::env::set_var("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20t0ken");
    std::env::set_var("OTEL_RESOURCE_ATTRIBUTES", "region=eu-west,team=core");
    std::env::set_var("OTEL_SERVICE_NAME", "billing");
    OtlpSurfacer::from_env()
        .surface(&snapshot())
        .expect("the receiver accepts");
    let request = &wait_for(&receiver, 3)[2];
    assert_eq!(request["headers"]["authorization"], "Bearer t0ken");
    let attrs = resource(request);
    for (k, v) in [
        ("region", "eu-west"),
        ("team", "core"),
        ("service.name", "billing"),
    ] {
        assert!(has(&attrs, k, v), "{k}={v} in {attrs:?}");
    }
    check_values(request);

    // A receiver that is busy: 429 with `Retry-After: 1`, and the reporter waits that long
    // rather than its own 10 ms backoff.
    let Some(busy) = OtlpReceiver::start("busy", 1) else {
        return;
    };
    let reporter = Reporter::builder()
        .interval(Duration::from_millis(50))
        .retries(2, Duration::from_millis(10))
        .surfacer(OtlpSurfacer::new(busy.url()))
        .start()
        .unwrap();
    let attempts = wait_for(&busy, 2);
    reporter.stop();
    let refused = attempts[0]["refused_at"].as_f64().expect("a refusal first");
    let accepted = attempts[1]["arrived_at"].as_f64().expect("then a request");
    assert!(
        accepted - refused >= 0.95,
        "retried after {:.3} s",
        accepted - refused
    );
    check_values(&attempts[1]);

    // Nobody listening: an error the reporter retries.
    let port = meterbox_tests::free_port();
    let error = OtlpSurfacer::new(format!("http://127.0.0.1:{port}"))
        .timeout(Duration::from_secs(2))
        .surface(&snapshot())
        .unwrap_err();
    assert!(error.retryable, "{error}");
}
