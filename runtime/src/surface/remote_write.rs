//! Pushes to any receiver of Prometheus remote write 1.0.

use std::time::{Duration, UNIX_EPOCH};

use super::{http, SurfaceError, Surfacer};
use crate::encode::remote_write;
use crate::snapshot::Snapshot;

/// Pushes each snapshot with Prometheus remote write 1.0 (protobuf, snappy) to a store that
/// receives it: Prometheus (`--web.enable-remote-write-receiver`, at `/api/v1/write`),
/// Mimir, Thanos Receive, Cortex, VictoriaMetrics (`/api/v1/write`).
///
/// ```no_run
/// use std::time::Duration;
/// use meterbox::{RemoteWriteSurfacer, Reporter};
///
/// let write = RemoteWriteSurfacer::new("http://127.0.0.1:9090/api/v1/write")
///     .header("Authorization", "Bearer s3cret");
/// let reporter = Reporter::builder()
///     .interval(Duration::from_secs(15))
///     .tag("instance", "worker-3")
///     .surfacer(write)
///     .start()?;
/// # Ok::<(), meterbox::InvalidName>(())
/// ```
///
/// Every sample the text formats show becomes a series of its own, stamped with the time of
/// the snapshot: a histogram's buckets (with `le`), sum and count, a summary's quantiles.
/// Each family's type, help and unit go along as metadata. The reporter's tags are labels of
/// every series, which is how instances tell themselves apart; a label with an empty value
/// is left out, as Prometheus reads it as absent. A 5xx or 429 answer and a failed
/// connection are worth retrying, and the reporter does; a 4xx is not.
///
/// A [native](crate::Histogram::native) histogram goes as the text formats show it (its
/// `+Inf` bucket, sum and count), or with [`RemoteWriteSurfacer::native_histograms`] as one
/// series of native histogram samples.
#[derive(Debug)]
pub struct RemoteWriteSurfacer {
    url: String,
    headers: Vec<(String, String)>,
    agent: ureq::Agent,
    native: bool,
}

impl RemoteWriteSurfacer {
    /// Pushes to `url`, the receiver's full write URL, with a 10-second timeout per request.
    #[must_use]
    pub fn new(url: impl AsRef<str>) -> Self {
        Self {
            url: url.as_ref().to_owned(),
            headers: Vec::new(),
            agent: http::agent(Duration::from_secs(10)),
            native: false,
        }
    }

    /// Sends each [native](crate::Histogram::native) histogram as one series of native
    /// histogram samples, for a receiver that stores them: Prometheus started with
    /// `--enable-feature=native-histograms`, Mimir. Off by default: a receiver without them
    /// refuses the push (Prometheus) or drops the histogram (some others).
    #[must_use]
    pub fn native_histograms(mut self) -> Self {
        self.native = true;
        self
    }

    /// The most each request (connecting included) may take: 10 s by default.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.agent = http::agent(timeout);
        self
    }

    /// Adds a header to every request, such as `Authorization` or a tenant's
    /// `X-Scope-OrgID`.
    #[must_use]
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.headers
            .push((name.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }
}

impl Surfacer for RemoteWriteSurfacer {
    fn name(&self) -> &'static str {
        "remote_write"
    }

    fn surface(&self, snapshot: &Snapshot) -> Result<(), SurfaceError> {
        let millis = snapshot
            .time
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let body = remote_write::encode(snapshot, millis, self.native);
        http::post(
            &self.agent,
            &self.url,
            &[
                ("Content-Type", "application/x-protobuf"),
                ("Content-Encoding", "snappy"),
                ("X-Prometheus-Remote-Write-Version", "0.1.0"),
            ],
            &self.headers,
            &body,
        )
    }
}
