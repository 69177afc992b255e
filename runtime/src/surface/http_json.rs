//! POSTs each snapshot as a JSON batch to a collector's URL.

use std::time::{Duration, UNIX_EPOCH};

use super::{http, SurfaceError, Surfacer};
use crate::encode::batch;
use crate::snapshot::Snapshot;

/// Sends each snapshot as one JSON document in a `POST` to a collector: the JSON format's
/// `metrics` with the time the snapshot was taken, in milliseconds since the Unix epoch.
///
/// ```json
/// {"timestamp_ms": 1795384759000, "metrics": [{"name": "orders_total", "type": "counter", …}]}
/// ```
///
/// A 5xx or 429 answer and a failed connection are worth retrying, and the reporter does;
/// other 4xx answers are not. Headers such as an API key go with every request.
#[derive(Debug)]
pub struct HttpJsonSurfacer {
    url: String,
    headers: Vec<(String, String)>,
    agent: ureq::Agent,
}

impl HttpJsonSurfacer {
    /// Posts to `url`, with a 10-second timeout per request.
    #[must_use]
    pub fn new(url: impl AsRef<str>) -> Self {
        let url = url.as_ref();
        Self::with_timeout(url, Duration::from_secs(10))
    }

    /// Posts to `url`, giving each request at most `timeout`.
    #[must_use]
    pub fn with_timeout(url: impl AsRef<str>, timeout: Duration) -> Self {
        let url = url.as_ref();
        Self {
            url: url.to_owned(),
            headers: Vec::new(),
            agent: http::agent(timeout),
        }
    }

    /// Adds a header to every request, such as `Authorization`.
    #[must_use]
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let name = name.as_ref();
        let value = value.as_ref();
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// The document sent for `snapshot`, written as it is serialized.
pub(crate) fn document(snapshot: &Snapshot) -> String {
    let millis = snapshot
        .time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    batch(snapshot, millis)
}

impl Surfacer for HttpJsonSurfacer {
    fn name(&self) -> &'static str {
        "http_json"
    }

    fn surface(&self, snapshot: &Snapshot) -> Result<(), SurfaceError> {
        let body = document(snapshot);
        http::post(
            &self.agent,
            &self.url,
            &[("Content-Type", "application/json")],
            &self.headers,
            body.as_bytes(),
        )
    }
}
