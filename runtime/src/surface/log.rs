//! Writes each snapshot to the `log` facade, one line per series.

use std::fmt::Write as _;

use super::{SurfaceError, Surfacer};
use crate::snapshot::{Snapshot, Value};

/// Logs every series of each snapshot through the [`log`] crate, one line each, under the
/// target `meterbox`: `orders_total{shop="eu"} 3`. Histograms and summaries log their
/// count, sum and quantiles. Where the lines go is the application's logger's choice.
#[derive(Debug, Clone)]
pub struct LogSurfacer {
    level: log::Level,
}

impl LogSurfacer {
    /// Logs at `info`.
    #[must_use]
    pub fn new() -> Self {
        Self {
            level: log::Level::Info,
        }
    }

    /// Logs at `level` instead.
    #[must_use]
    pub fn level(mut self, level: log::Level) -> Self {
        self.level = level;
        self
    }
}

impl Default for LogSurfacer {
    fn default() -> Self {
        Self::new()
    }
}

/// One series as a line: `name{k="v",…} value`.
pub(crate) fn line(name: &str, labels: &[(&str, &str)], value: &Value) -> String {
    let mut out = String::from(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{k}={v:?}");
        }
        out.push('}');
    }
    let _ = match value {
        Value::Counter(n) => write!(out, " {n}"),
        Value::Gauge(v) | Value::Total(v) => write!(out, " {v}"),
        // Each quantile as the bucket that holds it, all the buckets tell for certain:
        // `p50<=0.25`, or `p99>10` past the last bound.
        Value::Histogram(h) => {
            let _ = write!(out, " count={} sum={}", h.count(), h.sum);
            for (name, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
                let _ = match (h.quantile_bound(q), h.bounds.last()) {
                    (Some(b), Some(last)) if b.is_infinite() => write!(out, " {name}>{last}"),
                    (Some(b), _) => write!(out, " {name}<={b}"),
                    (None, _) => write!(out, " {name}=-"),
                };
            }
            Ok(())
        }
        Value::Summary(s) => {
            let _ = write!(out, " count={} sum={}", s.count, s.sum);
            for (q, v) in &s.quantiles {
                let _ = write!(out, " q{q}={v}");
            }
            Ok(())
        }
    };
    out
}

impl Surfacer for LogSurfacer {
    fn name(&self) -> &'static str {
        "log"
    }

    fn surface(&self, snapshot: &Snapshot) -> Result<(), SurfaceError> {
        for family in &snapshot.families {
            for series in &family.series {
                log::log!(
                    target: "meterbox",
                    self.level,
                    "{}",
                    line(family.name, &series.labels, &series.value)
                );
            }
        }
        Ok(())
    }
}
