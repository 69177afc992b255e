//! Pushes to an OpenTelemetry collector over OTLP/HTTP with protobuf, configured in code or
//! by the OpenTelemetry environment variables.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{http, SurfaceError, Surfacer};
use crate::encode::otlp::{self, Envelope};
use crate::snapshot::Snapshot;

/// Where a collector receives OTLP over HTTP by default.
const DEFAULT_ENDPOINT: &str = "http://localhost:4318";
const METRICS_PATH: &str = "/v1/metrics";

/// Pushes each snapshot to an OpenTelemetry collector (or any OTLP receiver) over HTTP with
/// protobuf, cumulative: counters as monotonic sums, gauges, histograms with explicit
/// buckets, summaries.
///
/// ```no_run
/// use std::time::Duration;
/// use meterbox::{OtlpSurfacer, Reporter};
///
/// let reporter = Reporter::builder()
///     .interval(Duration::from_secs(15))
///     .tag("service", "orders")
///     .surfacer(OtlpSurfacer::from_env())
///     .start()?;
/// # Ok::<(), meterbox::InvalidName>(())
/// ```
///
/// - The **resource** holds the reporter's tags (which are then not repeated on each data
///   point) and `OTEL_RESOURCE_ATTRIBUTES`; code wins over the environment.
/// - **`service.name`** is the tag `service.name`, `service_name` or `service`, else
///   `OTEL_SERVICE_NAME`, else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else
///   `unknown_service:<executable>` as the specification says.
/// - **Where**: [`OtlpSurfacer::new`], or `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` (the full
///   URL) or `OTEL_EXPORTER_OTLP_ENDPOINT` (with `/v1/metrics` added) for
///   [`OtlpSurfacer::from_env`], `http://localhost:4318/v1/metrics` without either.
/// - **Headers**: `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_EXPORTER_OTLP_METRICS_HEADERS`
///   (`key=value,…`, values percent-decoded), then [`OtlpSurfacer::header`].
/// - **Names** are the families' own, a counter's without its `_total` (the protocol's sums
///   say it; a collector's Prometheus exporter adds it back); units are UCUM (`s`, `By`).
/// - A 429 or 503 is retried by the reporter after the answer's `Retry-After`; other 5xx
///   and failed connections after its backoff; other 4xx are not retried.
#[derive(Debug)]
pub struct OtlpSurfacer {
    url: String,
    headers: Vec<(String, String)>,
    resource: Vec<(String, String)>,
    agent: ureq::Agent,
    /// The start of the cumulative interval: when the process started, where it can tell,
    /// as the link-time metrics count from then; else when the surfacer was made.
    start: SystemTime,
}

/// When the process started, where the process collector reads it; else now.
fn counting_since() -> SystemTime {
    #[cfg(feature = "process")]
    if let Some(reading) = crate::process::read() {
        let since = Duration::try_from_secs_f64(reading.start_time_seconds)
            .ok()
            .and_then(|d| UNIX_EPOCH.checked_add(d));
        if let Some(since) = since {
            return since;
        }
    }
    SystemTime::now()
}

impl OtlpSurfacer {
    /// Pushes to the collector at `endpoint`: a base URL such as `http://collector:4318`, to
    /// which `/v1/metrics` is added unless it already ends so. Headers and resource
    /// attributes from the environment apply too.
    #[must_use]
    pub fn new(endpoint: impl AsRef<str>) -> Self {
        Self::with_env(endpoint_url(endpoint.as_ref()), &|name| {
            std::env::var(name).ok()
        })
    }

    /// Pushes where the OpenTelemetry environment variables say; see the type's
    /// documentation.
    #[must_use]
    pub fn from_env() -> Self {
        Self::from_vars(&|name| std::env::var(name).ok())
    }

    fn from_vars(var: &dyn Fn(&str) -> Option<String>) -> Self {
        let url = var("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| {
                endpoint_url(
                    &var("OTEL_EXPORTER_OTLP_ENDPOINT")
                        .filter(|v| !v.trim().is_empty())
                        .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned()),
                )
            });
        Self::with_env(url, var)
    }

    fn with_env(url: String, var: &dyn Fn(&str) -> Option<String>) -> Self {
        let mut headers = Vec::new();
        for name in [
            "OTEL_EXPORTER_OTLP_HEADERS",
            "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
        ] {
            headers.extend(key_values(&var(name).unwrap_or_default()));
        }
        let mut resource = key_values(&var("OTEL_RESOURCE_ATTRIBUTES").unwrap_or_default());
        if let Some(service) = var("OTEL_SERVICE_NAME").filter(|s| !s.is_empty()) {
            resource.retain(|(k, _)| k != "service.name");
            resource.push(("service.name".to_owned(), service));
        }
        Self {
            url,
            headers,
            resource,
            agent: http::agent(Duration::from_secs(10)),
            start: counting_since(),
        }
    }

    /// Adds a header to every request, such as an API key.
    #[must_use]
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.headers
            .push((name.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Sets a resource attribute, over the environment's.
    #[must_use]
    pub fn resource(mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let key = key.as_ref();
        self.resource.retain(|(k, _)| k != key);
        self.resource
            .push((key.to_owned(), value.as_ref().to_owned()));
        self
    }

    /// The most each request (connecting included) may take: 10 s by default.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.agent = http::agent(timeout);
        self
    }

    /// The URL it posts to.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The resource of `snapshot`: the reporter's tags over this surfacer's attributes, with
    /// `service.name` always set.
    fn resource_of(&self, snapshot: &Snapshot) -> Vec<(String, String)> {
        let mut resource = self.resource.clone();
        for (key, value) in &snapshot.tags {
            resource.retain(|(k, _)| k != key);
            resource.push(((*key).to_owned(), (*value).to_owned()));
        }
        let tagged = ["service.name", "service_name", "service"]
            .into_iter()
            .find_map(|key| snapshot.tags.iter().find(|(k, _)| *k == key));
        let service = match tagged {
            Some((_, v)) => (*v).to_owned(),
            None => match resource.iter().find(|(k, _)| k == "service.name") {
                Some((_, v)) => v.clone(),
                None => format!("unknown_service:{}", executable()),
            },
        };
        resource.retain(|(k, _)| k != "service.name");
        resource.push(("service.name".to_owned(), service));
        resource
    }
}

/// The name of the running executable, for `unknown_service:<name>`.
fn executable() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default()
}

/// `endpoint` with `/v1/metrics`, unless it has it.
fn endpoint_url(endpoint: &str) -> String {
    let base = endpoint.trim().trim_end_matches('/');
    if base.ends_with(METRICS_PATH) {
        base.to_owned()
    } else {
        format!("{base}{METRICS_PATH}")
    }
}

/// `key=value,key=value` as the OpenTelemetry variables write lists: values (and keys)
/// percent-decoded, blanks around entries ignored, entries without `=` skipped.
fn key_values(text: &str) -> Vec<(String, String)> {
    text.split(',')
        .filter_map(|entry| {
            let (key, value) = entry.split_once('=')?;
            let key = percent_decode(key.trim());
            (!key.is_empty()).then(|| (key, percent_decode(value.trim())))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                // Two hex digits make at most 255.
                #[allow(clippy::cast_possible_truncation)]
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn unix_nanos(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

impl Surfacer for OtlpSurfacer {
    fn name(&self) -> &'static str {
        "otlp"
    }

    fn surface(&self, snapshot: &Snapshot) -> Result<(), SurfaceError> {
        let resource = self.resource_of(snapshot);
        let body = otlp::encode(
            snapshot,
            &Envelope {
                resource: &resource,
                resource_labels: &snapshot.tags,
                start_unix_nano: unix_nanos(self.start.min(snapshot.time)),
                time_unix_nano: unix_nanos(snapshot.time),
            },
        );
        http::post(
            &self.agent,
            &self.url,
            &[("Content-Type", "application/x-protobuf")],
            &self.headers,
            &body,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_split_and_percent_decoded() {
        assert_eq!(
            key_values(" api-key = a%20b%2Cc ,bad, =x,team=core"),
            vec![
                ("api-key".to_owned(), "a b,c".to_owned()),
                ("team".to_owned(), "core".to_owned())
            ]
        );
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn the_environment_chooses_the_endpoint() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let none = OtlpSurfacer::from_vars(&vars(&[]));
        assert_eq!(none.url(), "http://localhost:4318/v1/metrics");
        let base =
            OtlpSurfacer::from_vars(&vars(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/")]));
        assert_eq!(base.url(), "http://c:4318/v1/metrics");
        let full = OtlpSurfacer::from_vars(&vars(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
            ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://m:9/custom"),
        ]));
        assert_eq!(full.url(), "http://m:9/custom");
        let named = OtlpSurfacer::from_vars(&vars(&[
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=a,region=eu"),
            ("OTEL_SERVICE_NAME", "b"),
        ]));
        assert!(named
            .resource
            .contains(&("service.name".into(), "b".into())));
        assert!(named.resource.contains(&("region".into(), "eu".into())));
    }
}
