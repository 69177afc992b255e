//! Sends the Graphite plaintext protocol over TCP: `path value timestamp` lines.

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, UNIX_EPOCH};

use super::{SurfaceError, Surfacer};
use crate::snapshot::{Snapshot, Value};

/// How labels become part of a Graphite series name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GraphiteLabels {
    /// Graphite tags: `orders_total;shop=eu;host=a` (Graphite 1.1 and later).
    Tags,
    /// A dotted path: `orders_total.shop.eu.host.a`, for servers without tag support.
    Path,
}

/// Sends each snapshot to a Graphite (carbon) server in its plaintext protocol, one line
/// per value, timestamped with the snapshot's time.
///
/// ```no_run
/// use meterbox::{GraphiteLabels, GraphiteSurfacer};
///
/// let graphite = GraphiteSurfacer::new("127.0.0.1:2003")
///     .prefix("shop")
///     .labels(GraphiteLabels::Path);
/// ```
///
/// Counters and gauges are one line each; a histogram or summary is `.count`, `.sum` and
/// one line per quantile (`.p50`, `.p90`, `.p99` for histograms, estimated from their
/// buckets). Characters Graphite reads as separators (space, `.` in path parts, `;`, `~`,
/// `=` in tags) become `_`. Each send opens a connection and counts as delivered once the
/// server has read it to the end and closed its side (carbon does); a refused or broken
/// connection, or a server that does not take the data within the timeout, is worth
/// retrying.
#[derive(Debug, Clone)]
pub struct GraphiteSurfacer {
    addr: String,
    prefix: String,
    labels: GraphiteLabels,
    timeout: Duration,
}

impl GraphiteSurfacer {
    /// Sends to the carbon line receiver at `addr` (`host:port`, usually port 2003), with
    /// labels as Graphite tags and a 5-second timeout.
    #[must_use]
    pub fn new(addr: impl AsRef<str>) -> Self {
        let addr = addr.as_ref();
        Self {
            addr: addr.to_owned(),
            prefix: String::new(),
            labels: GraphiteLabels::Tags,
            timeout: Duration::from_secs(5),
        }
    }

    /// Puts `prefix.` before every name.
    #[must_use]
    pub fn prefix(mut self, prefix: impl AsRef<str>) -> Self {
        let prefix = prefix.as_ref();
        prefix.trim_end_matches('.').clone_into(&mut self.prefix);
        self
    }

    /// Chooses how labels are written.
    #[must_use]
    pub fn labels(mut self, labels: GraphiteLabels) -> Self {
        self.labels = labels;
        self
    }

    /// The time allowed to connect, to write, and for the server to take the data.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The series name of `name` + `suffix` with `labels`.
    fn path(&self, name: &str, suffix: &str, labels: &[(&str, &str)]) -> String {
        let mut path = String::new();
        if !self.prefix.is_empty() {
            path.push_str(&self.prefix);
            path.push('.');
        }
        path.push_str(&clean(name, self.labels));
        path.push_str(suffix);
        for (k, v) in labels {
            match self.labels {
                GraphiteLabels::Tags => {
                    let _ = write!(path, ";{}={}", clean(k, self.labels), clean(v, self.labels));
                }
                GraphiteLabels::Path => {
                    let _ = write!(path, ".{}.{}", clean(k, self.labels), clean(v, self.labels));
                }
            }
        }
        path
    }

    /// The plaintext lines for a snapshot.
    pub(crate) fn lines(&self, snapshot: &Snapshot) -> String {
        let time = snapshot
            .time
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut out = String::new();
        let mut line = |path: String, value: f64| {
            if value.is_finite() {
                let _ = writeln!(out, "{path} {value} {time}");
            }
        };
        for family in &snapshot.families {
            for series in &family.series {
                let labels = &series.labels;
                match &series.value {
                    #[allow(clippy::cast_precision_loss)] // Graphite values are floats
                    Value::Counter(n) => line(self.path(family.name, "", labels), *n as f64),
                    Value::Gauge(v) | Value::Total(v) => {
                        line(self.path(family.name, "", labels), *v);
                    }
                    Value::Histogram(h) => {
                        #[allow(clippy::cast_precision_loss)]
                        line(self.path(family.name, ".count", labels), h.count() as f64);
                        line(self.path(family.name, ".sum", labels), h.sum);
                        for (suffix, q) in [(".p50", 0.5), (".p90", 0.9), (".p99", 0.99)] {
                            if let Some(v) = h.quantile(q) {
                                line(self.path(family.name, suffix, labels), v);
                            }
                        }
                    }
                    Value::Summary(s) => {
                        #[allow(clippy::cast_precision_loss)]
                        line(self.path(family.name, ".count", labels), s.count as f64);
                        line(self.path(family.name, ".sum", labels), s.sum);
                        for (q, v) in &s.quantiles {
                            line(self.path(family.name, &quantile_suffix(*q), labels), *v);
                        }
                    }
                }
            }
        }
        out
    }

    fn connect(&self) -> Result<TcpStream, SurfaceError> {
        let addrs: Vec<SocketAddr> = self
            .addr
            .to_socket_addrs()
            .map_err(|e| SurfaceError::permanent(format!("`{}`: {e}", self.addr)))?
            .collect();
        let mut last = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, self.timeout) {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(SurfaceError::retryable(match last {
            Some(e) => format!("{}: {e}", self.addr),
            None => format!("`{}` resolves to no address", self.addr),
        }))
    }
}

/// `.p50` for 0.5, `.p99_9` for 0.999: a percentile with no dot inside.
fn quantile_suffix(q: f64) -> String {
    let percent = (q * 100.0 * 1e4).round() / 1e4;
    format!(".p{}", percent.to_string().replace('.', "_"))
}

/// A name part with Graphite's separators replaced.
fn clean(text: &str, labels: GraphiteLabels) -> String {
    text.chars()
        .map(|c| match c {
            ' ' | '\t' | '\n' | ';' | '~' | '=' => '_',
            '.' if labels == GraphiteLabels::Path => '_',
            c => c,
        })
        .collect()
}

impl Surfacer for GraphiteSurfacer {
    fn name(&self) -> &'static str {
        "graphite"
    }

    fn surface(&self, snapshot: &Snapshot) -> Result<(), SurfaceError> {
        let lines = self.lines(snapshot);
        let mut stream = self.connect()?;
        let broken = |e: std::io::Error| SurfaceError::retryable(format!("{}: {e}", self.addr));
        stream
            .set_write_timeout(Some(self.timeout))
            .map_err(broken)?;
        stream.write_all(lines.as_bytes()).map_err(broken)?;
        stream.flush().map_err(broken)?;
        // Written is not received: the bytes may sit in a kernel buffer of a listener that
        // never accepts. The protocol has no answer, but carbon closes its side once it has
        // read ours to the end, so that close is the acknowledgement.
        stream.shutdown(std::net::Shutdown::Write).map_err(broken)?;
        stream
            .set_read_timeout(Some(self.timeout))
            .map_err(broken)?;
        let mut rest = [0u8; 256];
        loop {
            match stream.read(&mut rest) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(SurfaceError::retryable(format!(
                        "{}: the server did not take the data within {:?}: {e}",
                        self.addr, self.timeout
                    )));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_suffixes_have_no_inner_dot() {
        assert_eq!(quantile_suffix(0.5), ".p50");
        assert_eq!(quantile_suffix(0.99), ".p99");
        assert_eq!(quantile_suffix(0.999), ".p99_9");
    }

    #[test]
    fn paths_and_tags() {
        let tags = GraphiteSurfacer::new("x:1").prefix("app.");
        assert_eq!(
            tags.path("orders_total", "", &[("shop", "eu west;1"), ("v", "1.2")]),
            "app.orders_total;shop=eu_west_1;v=1.2"
        );
        let path = tags.clone().labels(GraphiteLabels::Path);
        assert_eq!(
            path.path("latency", ".p99", &[("route", "/a.b")]),
            "app.latency.p99.route./a_b"
        );
    }
}
