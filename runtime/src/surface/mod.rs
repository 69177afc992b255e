//! Surfacers: where the values go besides the `/metrics` endpoint. A [`Reporter`] takes a
//! snapshot on an interval, adds its global tags, and hands it to each surfacer, in a
//! thread of its own: instrumented code never waits on a surfacer.

mod graphite;
#[cfg(feature = "push")]
mod http;
#[cfg(feature = "push")]
mod http_json;
mod log;
mod memory;
#[cfg(feature = "otlp")]
mod otlp;
#[cfg(feature = "push")]
mod pushgateway;
#[cfg(feature = "remote-write")]
mod remote_write;
mod reporter;
mod scope;
#[cfg(feature = "statsd")]
mod statsd;
mod tags;

pub use graphite::{GraphiteLabels, GraphiteSurfacer};
#[cfg(feature = "push")]
pub use http_json::HttpJsonSurfacer;
pub use log::LogSurfacer;
pub use memory::MemorySurfacer;
#[cfg(feature = "otlp")]
pub use otlp::OtlpSurfacer;
#[cfg(feature = "push")]
pub use pushgateway::PushgatewaySurfacer;
#[cfg(feature = "remote-write")]
pub use remote_write::RemoteWriteSurfacer;
pub use reporter::{ErrorHandler, Reporter, ReporterBuilder, SendReport};
pub use scope::Scope;
#[cfg(feature = "statsd")]
pub use statsd::{StatsdLabels, StatsdSurfacer};
#[cfg(feature = "redis")]
pub(crate) use tags::host_name;

use core::fmt;

use crate::snapshot::Snapshot;

/// A destination for snapshots: a push gateway, a log, a collector, a test's memory.
///
/// Implement it to send metrics anywhere; a [`Reporter`] calls it from its own thread.
pub trait Surfacer: Send + Sync + 'static {
    /// A short name for meta metrics and error reports, such as `pushgateway`.
    fn name(&self) -> &str;

    /// Sends one snapshot. An error the reporter may retry says so in
    /// [`SurfaceError::retryable`].
    ///
    /// # Errors
    ///
    /// When the snapshot could not be delivered.
    fn surface(&self, snapshot: &Snapshot) -> Result<(), SurfaceError>;

    /// Called once when the reporter stops, after its last send: delete a grouping,
    /// close a connection, write out a buffer.
    ///
    /// # Errors
    ///
    /// When that final step failed.
    fn flush(&self) -> Result<(), SurfaceError> {
        Ok(())
    }
}

impl<S: Surfacer> Surfacer for std::sync::Arc<S> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn surface(&self, snapshot: &Snapshot) -> Result<(), SurfaceError> {
        (**self).surface(snapshot)
    }
    fn flush(&self) -> Result<(), SurfaceError> {
        (**self).flush()
    }
}

/// Why a surfacer could not deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurfaceError {
    /// The HTTP status, for surfacers that speak HTTP and got an answer.
    pub status: Option<u16>,
    /// What went wrong.
    pub message: String,
    /// Whether trying again may succeed (a connection refused, a 5xx), as opposed to a
    /// request the other side will always refuse (a 4xx).
    pub retryable: bool,
    /// How long the other side asked to be left alone before a retry (an HTTP
    /// `Retry-After`); the reporter waits at least this long, at most five minutes.
    pub retry_after: Option<std::time::Duration>,
}

impl SurfaceError {
    /// An error worth retrying.
    #[must_use]
    pub fn retryable(message: impl Into<String>) -> Self {
        Self {
            status: None,
            message: message.into(),
            retryable: true,
            retry_after: None,
        }
    }

    /// An error that retrying will not fix.
    #[must_use]
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            status: None,
            message: message.into(),
            retryable: false,
            retry_after: None,
        }
    }

    /// The same error with an HTTP status.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }
}

impl fmt::Display for SurfaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "HTTP {status}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SurfaceError {}
