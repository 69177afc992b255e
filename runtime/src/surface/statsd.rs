//! Sends StatsD over UDP: counters as the change since the last send, gauges as values,
//! histograms as a timer of the mean of their new observations.

use std::collections::HashMap;
use std::net::UdpSocket;
use std::sync::{Mutex, PoisonError};

use cadence::prelude::*;
use cadence::{MetricBuilder, StatsdClient, UdpMetricSink};

use super::{SurfaceError, Surfacer};
use crate::snapshot::{Snapshot, Value};

/// How labels reach a StatsD server, whose protocol has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatsdLabels {
    /// In the name: `jobs.queue.mail` (plain StatsD, Etsy's server, collectd).
    Path,
    /// As DogStatsD tags: `jobs|#queue:mail` (Datadog's agent, Telegraf).
    Tags,
}

/// Sends each snapshot to a StatsD server:
///
/// - a counter as a StatsD counter of the change since the last send, so the server's
///   sums match the program's totals;
/// - a gauge as a gauge;
/// - a histogram as `<name>.count`, a counter of its new observations, and `<name>`, a
///   timer holding their mean, in milliseconds for a `seconds` histogram (StatsD timers
///   are whole milliseconds) and as recorded otherwise;
/// - a summary as `<name>.count` and one gauge per quantile (`<name>.p50`).
///
/// UDP gives no word of delivery: a datagram the network drops is lost, and only a
/// socket error makes a send fail.
///
/// ```no_run
/// use meterbox::{StatsdLabels, StatsdSurfacer};
///
/// let statsd = StatsdSurfacer::new("127.0.0.1:8125")?
///     .prefix("shop")?
///     .labels(StatsdLabels::Tags);
/// # Ok::<(), meterbox::SurfaceError>(())
/// ```
#[derive(Debug)]
pub struct StatsdSurfacer {
    client: StatsdClient,
    addr: String,
    labels: StatsdLabels,
    /// What was last sent per series, to send changes.
    last: Mutex<HashMap<String, (u64, f64)>>,
}

impl StatsdSurfacer {
    /// Sends to the server at `addr` (`host:port`, usually port 8125), labels in names.
    ///
    /// # Errors
    ///
    /// When no UDP socket can be opened or `addr` does not resolve.
    pub fn new(addr: impl AsRef<str>) -> Result<Self, SurfaceError> {
        let addr = addr.as_ref();
        Ok(Self {
            client: Self::client(addr, "")?,
            addr: addr.to_owned(),
            labels: StatsdLabels::Path,
            last: Mutex::new(HashMap::new()),
        })
    }

    fn client(addr: &str, prefix: &str) -> Result<StatsdClient, SurfaceError> {
        let socket = UdpSocket::bind(("0.0.0.0", 0))
            .map_err(|e| SurfaceError::permanent(format!("UDP socket: {e}")))?;
        let sink = UdpMetricSink::from(addr, socket)
            .map_err(|e| SurfaceError::permanent(format!("`{addr}`: {e}")))?;
        Ok(StatsdClient::from_sink(prefix, sink))
    }

    /// Puts `prefix.` before every name.
    ///
    /// # Errors
    ///
    /// As [`StatsdSurfacer::new`].
    pub fn prefix(mut self, prefix: impl AsRef<str>) -> Result<Self, SurfaceError> {
        let prefix = prefix.as_ref();
        self.client = Self::client(&self.addr, prefix)?;
        Ok(self)
    }

    /// Chooses how labels are written.
    #[must_use]
    pub fn labels(mut self, labels: StatsdLabels) -> Self {
        self.labels = labels;
        self
    }

    /// The metric name: with labels in it for [`StatsdLabels::Path`].
    fn key(&self, name: &str, labels: &[(&str, &str)]) -> String {
        let mut key = clean(name);
        if self.labels == StatsdLabels::Path {
            for (k, v) in labels {
                key.push('.');
                key.push_str(&clean(k));
                key.push('.');
                key.push_str(&clean(v));
            }
        }
        key
    }

    fn send<T: cadence::Metric + From<String>>(
        &self,
        builder: MetricBuilder<'_, '_, T>,
        labels: &[(&str, &str)],
    ) -> Result<(), SurfaceError> {
        let mut builder = builder;
        if self.labels == StatsdLabels::Tags {
            for (k, v) in labels {
                builder = builder.with_tag(k, v);
            }
        }
        builder
            .try_send()
            .map(|_| ())
            .map_err(|e| SurfaceError::retryable(format!("{}: {e}", self.addr)))
    }
}

/// StatsD separates fields with `:`, `|` and `@`, and names with `.`; `#` and `,` start and
/// split DogStatsD tags.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            ':' | '|' | '@' | '.' | '#' | ',' | ' ' | '\n' => '_',
            c => c,
        })
        .collect()
}

impl Surfacer for StatsdSurfacer {
    fn name(&self) -> &'static str {
        "statsd"
    }

    // Counts become a mean, a mean whole milliseconds.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    fn surface(&self, snapshot: &Snapshot) -> Result<(), SurfaceError> {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        for family in &snapshot.families {
            for series in &family.series {
                let labels = &series.labels;
                let key = self.key(family.name, labels);
                // The identity of the series, tags included, for the changes.
                let id = format!("{key}{labels:?}");
                let (before, before_sum) = last.get(&id).copied().unwrap_or((0, 0.0));
                match &series.value {
                    Value::Counter(n) => {
                        // A smaller total is a new process's: all of it is new.
                        let change = if *n >= before { n - before } else { *n };
                        if change > 0 {
                            self.send(self.client.count_with_tags(&key, change), labels)?;
                        }
                        last.insert(id, (*n, 0.0));
                    }
                    // StatsD counts whole events; a measured total (CPU seconds) is sent as
                    // what it is now, a gauge.
                    Value::Gauge(v) | Value::Total(v) => {
                        if v.is_finite() {
                            self.send(self.client.gauge_with_tags(&key, *v), labels)?;
                        }
                    }
                    Value::Histogram(h) => {
                        let count = h.count();
                        let (new, new_sum) = if count >= before {
                            (count - before, h.sum - before_sum)
                        } else {
                            (count, h.sum)
                        };
                        if new > 0 {
                            let counted = format!("{key}.count");
                            self.send(self.client.count_with_tags(&counted, new), labels)?;
                            let mean = new_sum / new as f64;
                            let ms = if family.unit == "seconds" {
                                mean * 1000.0
                            } else {
                                mean
                            };
                            let ms = ms.max(0.0).round() as u64;
                            self.send(self.client.time_with_tags(&key, ms), labels)?;
                        }
                        last.insert(id, (count, h.sum));
                    }
                    Value::Summary(s) => {
                        let new = if s.count >= before {
                            s.count - before
                        } else {
                            s.count
                        };
                        if new > 0 {
                            let counted = format!("{key}.count");
                            self.send(self.client.count_with_tags(&counted, new), labels)?;
                        }
                        for (q, v) in &s.quantiles {
                            if v.is_finite() {
                                let name =
                                    format!("{key}.p{}", (q * 100.0).to_string().replace('.', "_"));
                                self.send(self.client.gauge_with_tags(&name, *v), labels)?;
                            }
                        }
                        last.insert(id, (s.count, s.sum));
                    }
                }
            }
        }
        Ok(())
    }
}
