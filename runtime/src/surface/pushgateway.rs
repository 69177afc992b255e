//! Pushes the Prometheus text format to a Prometheus Pushgateway.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;

use super::{http, SurfaceError, Surfacer};
use crate::intern::intern;
use crate::snapshot::Snapshot;
use crate::Format;

/// Pushes each snapshot to a Prometheus Pushgateway, replacing its grouping (`PUT`), for
/// batch jobs and processes a Prometheus cannot scrape.
///
/// ```no_run
/// use std::time::Duration;
/// use meterbox::{PushgatewaySurfacer, Reporter};
///
/// let push = PushgatewaySurfacer::new("http://127.0.0.1:9091", "nightly_import")
///     .instance("worker-3")
///     .delete_on_shutdown(true);
/// let reporter = Reporter::builder()
///     .interval(Duration::from_secs(15))
///     .surfacer(push)
///     .start()?;
/// # Ok::<(), meterbox::InvalidName>(())
/// ```
///
/// The grouping is `job`, then `instance` if set, then any [`PushgatewaySurfacer::group`]
/// labels; values are sent base64-encoded, so any text works. A 5xx answer or a failed
/// connection is worth retrying; a 4xx is not.
#[derive(Debug)]
pub struct PushgatewaySurfacer {
    url: String,
    /// Interned, as the labels they take names from are.
    grouping: Vec<(&'static str, &'static str)>,
    delete_on_shutdown: bool,
    agent: ureq::Agent,
}

impl PushgatewaySurfacer {
    /// Pushes to the Pushgateway at `base_url` (such as `http://127.0.0.1:9091`) under
    /// job `job`.
    #[must_use]
    pub fn new(base_url: impl AsRef<str>, job: impl AsRef<str>) -> Self {
        let base_url = base_url.as_ref();
        let job = job.as_ref();
        let agent = http::agent(Duration::from_secs(5));
        Self {
            url: base_url.trim_end_matches('/').to_owned(),
            grouping: vec![("job", intern(job))],
            delete_on_shutdown: false,
            agent,
        }
    }

    /// The most each request (connecting included) may take: 5 s by default.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.agent = http::agent(timeout);
        self
    }

    /// Adds the `instance` grouping label.
    #[must_use]
    pub fn instance(self, instance: impl AsRef<str>) -> Self {
        let instance = instance.as_ref();
        self.group("instance", instance)
    }

    /// Adds a grouping label.
    #[must_use]
    pub fn group(mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let key = key.as_ref();
        let value = value.as_ref();
        self.grouping.push((intern(key), intern(value)));
        self
    }

    /// Deletes the grouping from the Pushgateway when the reporter stops, so a finished
    /// process leaves no stale values behind.
    #[must_use]
    pub fn delete_on_shutdown(mut self, delete: bool) -> Self {
        self.delete_on_shutdown = delete;
        self
    }

    /// The grouping's URL: `/metrics/job@base64/<job>/instance@base64/<instance>…`.
    fn group_url(&self) -> String {
        let mut url = format!("{}/metrics", self.url);
        for (key, value) in &self.grouping {
            url.push('/');
            url.push_str(key);
            url.push_str("@base64/");
            // An empty value is written as `=`, which the Pushgateway reads as empty.
            let encoded = URL_SAFE.encode(value);
            url.push_str(if encoded.is_empty() { "=" } else { &encoded });
        }
        url
    }
}

impl Surfacer for PushgatewaySurfacer {
    fn name(&self) -> &'static str {
        "pushgateway"
    }

    fn surface(&self, snapshot: &Snapshot) -> Result<(), SurfaceError> {
        // The Pushgateway refuses a series whose label a grouping label also names, or
        // silently replaces its value: the series' own is sent as `exported_<name>`.
        let mut snapshot = snapshot.clone();
        snapshot.put_outer_labels(&self.grouping, false);
        let body = snapshot.render(Format::Prometheus);
        http::check(
            self.agent
                .put(&self.group_url())
                .header("Content-Type", Format::Prometheus.content_type())
                .send(body.as_bytes()),
        )
    }

    fn flush(&self) -> Result<(), SurfaceError> {
        if !self.delete_on_shutdown {
            return Ok(());
        }
        http::check(self.agent.delete(&self.group_url()).call())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_values_are_base64_in_the_url() {
        let push = PushgatewaySurfacer::new("http://gw:9091/", "a/b").instance("");
        assert_eq!(
            push.group_url(),
            "http://gw:9091/metrics/job@base64/YS9i/instance@base64/="
        );
    }
}
