//! Transfers the registry's changes into a namespace's hash, exactly once each.
//!
//! A transfer is one Lua script call, atomic on the server: it checks this process's
//! transfer number against the last one the namespace applied, and applies the increments
//! only if it is new. A transfer whose answer was lost (the connection broke after the
//! call was sent) is sent again unchanged, under the same number, until an answer comes:
//! applied or already applied, never twice. Changes made meanwhile wait, merged, for the
//! next transfer, so memory is bounded by the number of series, not by time.
//!
//! Why this file is long: the transfer (numbered calls, resending, merging what changed
//! meanwhile) is one state machine, and its settings and tests belong with it.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::keys::{field, type_letter, Ext};
use crate::snapshot::{snapshot, Snapshot, Value};
use crate::surface::{SurfaceError, Surfacer};
use crate::syntax::push_f64;

/// Applies one transfer if its number is new for this process. KEYS: the namespace's hash,
/// the hash of transfer numbers, the sorted set of when each process was last seen. ARGV:
/// process id, transfer number, seconds after which an absent process is forgotten, then
/// triples of operation (`i` HINCRBY, `f` HINCRBYFLOAT, `s` HSET), field, value.
///
/// Every process start adds a transfer number; those of processes not seen for the given time
/// are removed (a hundred per call at most), so the hash stays as large as the processes
/// that write.
const TRANSFER: &str = r"
local now = tonumber(redis.call('TIME')[1])
redis.call('ZADD', KEYS[3], now, ARGV[1])
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[3]), 'LIMIT', 0, 100)
for _, process in ipairs(gone) do
  redis.call('HDEL', KEYS[2], process)
  redis.call('ZREM', KEYS[3], process)
end
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local number = tonumber(ARGV[2])
if number <= last then
  return 0
end
for i = 4, #ARGV, 3 do
  local op, field, value = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if op == 'i' then
    redis.call('HINCRBY', KEYS[1], field, value)
  elseif op == 'f' then
    redis.call('HINCRBYFLOAT', KEYS[1], field, value)
  else
    redis.call('HSET', KEYS[1], field, value)
  end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
";

/// How gauges from several processes share a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GaugeMode {
    /// One field per series: the process that wrote last wins (Python `prometheus_client`'s
    /// `mostrecent`).
    LastWrite,
    /// One field per series and process, told apart by a `pid` label (`<pid>@<host>`), so
    /// each process's value is kept and a query can `sum` or `max` them (`all` there).
    PerProcess,
}

/// One operation of a transfer.
#[derive(Debug, Clone)]
struct Op {
    code: &'static str,
    field: String,
    value: String,
}

/// What was included in transfers so far, per field.
#[derive(Debug, Clone, Copy)]
enum Sent {
    Count(u64),
    Float(f64),
}

struct State {
    connection: Option<redis::Connection>,
    number: u64,
    /// The transfer sent but not answered: sent again, unchanged, before anything new.
    in_flight: Option<Vec<Op>>,
    sent: HashMap<String, Sent>,
    described: std::collections::HashSet<String>,
}

/// Writes what the registry recorded into a Redis hash shared by many processes, from
/// which [`render`](super::render) and `meterbox-expose` serve the totals.
///
/// ```no_run
/// use std::sync::Arc;
/// use std::time::Duration;
/// use meterbox::redis::{GaugeMode, RedisSurfacer};
/// use meterbox::Reporter;
///
/// let store = Arc::new(RedisSurfacer::new("redis://127.0.0.1/", "shop")?.gauges(GaugeMode::PerProcess));
/// let reporter = Reporter::builder()
///     .interval(Duration::from_secs(5))
///     .surfacer(Arc::clone(&store))
///     .host_tag(false) // the same series from every host add up into one field
///     .start()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Each transfer sends the changes since the previous one: counters, histogram buckets,
/// sums and counts and summary counts and sums as increments (`HINCRBY`,
/// `HINCRBYFLOAT`), gauges and summary quantiles as values (`HSET`), and each metric's
/// description and type once per process. While Redis cannot be reached, nothing is lost:
/// the next transfer that succeeds carries every change since the last one that did.
///
/// Batched: on the reporter's interval (and its final report at `stop`). For the seed's
/// eager mode, call [`RedisSurfacer::transfer`] after each unit of work; instrumented
/// code itself never talks to Redis, whose round trip would cost a thousand times the
/// atomic add it makes.
pub struct RedisSurfacer {
    client: redis::Client,
    namespace: String,
    transfers: String,
    seen: String,
    forget_after: Duration,
    process: String,
    pid_label: String,
    gauges: GaugeMode,
    timeout: Duration,
    script: redis::Script,
    state: Mutex<State>,
}

impl RedisSurfacer {
    /// Writes to namespace `namespace` (the hash's key) on the server at `url`
    /// (`redis://host:port/db`); nothing connects until the first transfer.
    ///
    /// # Errors
    ///
    /// When the URL is not a Redis URL.
    pub fn new(url: impl AsRef<str>, namespace: impl AsRef<str>) -> Result<Self, SurfaceError> {
        let url = url.as_ref();
        let namespace = namespace.as_ref();
        let client = redis::Client::open(url)
            .map_err(|e| SurfaceError::permanent(format!("`{url}`: {e}")))?;
        let host = crate::surface::host_name().unwrap_or_else(|| "unknown".into());
        let pid = std::process::id();
        // Unique per process start, so a restarted process's numbers begin afresh.
        let nonce = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        Ok(Self {
            client,
            namespace: namespace.to_owned(),
            transfers: format!("{namespace}:transfers"),
            seen: format!("{namespace}:seen"),
            forget_after: Duration::from_secs(24 * 60 * 60),
            process: format!("{pid}@{host}/{nonce:016x}"),
            pid_label: format!("{pid}@{host}"),
            gauges: GaugeMode::LastWrite,
            timeout: Duration::from_secs(5),
            script: redis::Script::new(TRANSFER),
            state: Mutex::new(State {
                connection: None,
                number: 0,
                in_flight: None,
                sent: HashMap::new(),
                described: std::collections::HashSet::new(),
            }),
        })
    }

    /// After how long without a transfer a process's transfer number is forgotten (a day by
    /// default, at least a second): each process start leaves one in `<namespace>:transfers`,
    /// and this keeps that hash as large as the processes that still write. A process that
    /// cannot reach Redis for longer, and then resends a transfer whose answer it never got,
    /// could have it applied twice.
    #[must_use]
    pub fn forget_after(mut self, after: Duration) -> Self {
        self.forget_after = after.max(Duration::from_secs(1));
        self
    }

    /// How gauges of several processes share the namespace; [`GaugeMode::LastWrite`]
    /// unless set.
    #[must_use]
    pub fn gauges(mut self, mode: GaugeMode) -> Self {
        self.gauges = mode;
        self
    }

    /// The time allowed to connect and for each transfer; 5 seconds unless set.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Transfers the registry's changes now: the eager mode, for a call after each request
    /// or job.
    ///
    /// # Errors
    ///
    /// When Redis cannot be reached; the changes wait for the next transfer.
    pub fn transfer(&self) -> Result<(), SurfaceError> {
        self.surface(&snapshot())
    }

    /// The operations that bring the namespace from what was sent to `snapshot`.
    fn changes(&self, state: &mut State, snapshot: &Snapshot) -> Vec<Op> {
        let mut changes = Changes {
            sent: &mut state.sent,
            ops: Vec::new(),
        };
        for family in &snapshot.families {
            let name = family.name;
            if state.described.insert(name.to_owned()) {
                changes.write(field(name, Ext::Description, &[]), family.help.to_owned());
                changes.write(
                    field(name, Ext::Type, &[]),
                    type_letter(family.kind).to_owned(),
                );
            }
            for series in &family.series {
                let labels = &series.labels;
                match &series.value {
                    Value::Counter(n) => changes.count(field(name, Ext::Value, labels), *n),
                    Value::Total(v) => changes.sum(field(name, Ext::Value, labels), *v),
                    Value::Gauge(v) => changes.set(
                        field(name, Ext::Value, &self.gauge_labels(labels, None)),
                        *v,
                    ),
                    Value::Histogram(h) => {
                        let mut cumulative = 0;
                        for (i, n) in h.buckets.iter().enumerate() {
                            cumulative += n;
                            let le = h
                                .bounds
                                .get(i)
                                .map_or_else(|| "+Inf".to_owned(), |b| plain(*b));
                            let mut with_le = labels.clone();
                            with_le.push(("le", &le));
                            changes.count(field(name, Ext::Bucket, &with_le), cumulative);
                        }
                        changes.count(field(name, Ext::Count, labels), cumulative);
                        changes.sum(field(name, Ext::Sum, labels), h.sum);
                    }
                    Value::Summary(s) => {
                        changes.count(field(name, Ext::Count, labels), s.count);
                        changes.sum(field(name, Ext::Sum, labels), s.sum);
                        for (q, v) in &s.quantiles {
                            let quantile = plain(*q);
                            let with_q = self.gauge_labels(labels, Some(&quantile));
                            changes.set(field(name, Ext::Value, &with_q), *v);
                        }
                    }
                }
            }
        }
        changes.ops
    }

    /// A gauge's labels: with this process's `pid` under [`GaugeMode::PerProcess`], and a
    /// summary's `quantile` when given.
    fn gauge_labels<'a>(
        &'a self,
        labels: &[(&'a str, &'a str)],
        quantile: Option<&'a str>,
    ) -> Vec<(&'a str, &'a str)> {
        let mut out = labels.to_vec();
        if let Some(q) = quantile {
            out.push(("quantile", q));
        }
        if self.gauges == GaugeMode::PerProcess {
            out.push(("pid", &self.pid_label));
        }
        out
    }

    /// Sends `ops` as transfer `number`; `Ok` when applied now or before.
    fn send(
        &self,
        connection: &mut redis::Connection,
        number: u64,
        ops: &[Op],
    ) -> redis::RedisResult<()> {
        let mut call = self.script.key(&self.namespace);
        call.key(&self.transfers)
            .key(&self.seen)
            .arg(&self.process)
            .arg(number)
            .arg(self.forget_after.as_secs());
        for op in ops {
            call.arg(op.code).arg(&op.field).arg(&op.value);
        }
        let _applied: i64 = call.invoke(connection)?;
        Ok(())
    }

    fn connect(&self) -> Result<redis::Connection, SurfaceError> {
        let unreachable = |e: redis::RedisError| SurfaceError::retryable(format!("redis: {e}"));
        let connection = self
            .client
            .get_connection_with_timeout(self.timeout)
            .map_err(unreachable)?;
        connection
            .set_read_timeout(Some(self.timeout))
            .map_err(unreachable)?;
        connection
            .set_write_timeout(Some(self.timeout))
            .map_err(unreachable)?;
        Ok(connection)
    }
}

/// A float as Redis and the text formats read it: `0.5`, `1e-9`, never `NaN` here.
fn plain(value: f64) -> String {
    let mut out = String::new();
    push_f64(&mut out, value);
    out
}

/// The operations of one transfer, and what they bring each field to.
struct Changes<'a> {
    sent: &'a mut HashMap<String, Sent>,
    ops: Vec<Op>,
}

impl Changes<'_> {
    /// A total that only grows, sent as an increment.
    fn count(&mut self, field: String, total: u64) {
        let before = match self.sent.get(&field) {
            Some(Sent::Count(n)) => *n,
            _ => 0,
        };
        // A total below what was sent is an older snapshot's: nothing new in it.
        if total > before {
            self.ops.push(Op {
                code: "i",
                value: (total - before).to_string(),
                field: field.clone(),
            });
            self.sent.insert(field, Sent::Count(total));
        }
    }

    /// A float total, sent as an increment.
    fn sum(&mut self, field: String, total: f64) {
        let before = match self.sent.get(&field) {
            Some(Sent::Float(v)) => *v,
            _ => 0.0,
        };
        let change = total - before;
        if change.is_finite() && change.to_bits() != 0.0f64.to_bits() {
            self.ops.push(Op {
                code: "f",
                value: plain(change),
                field: field.clone(),
            });
            self.sent.insert(field, Sent::Float(total));
        }
    }

    /// A value, written when it changed.
    fn set(&mut self, field: String, value: f64) {
        let unchanged =
            matches!(self.sent.get(&field), Some(Sent::Float(v)) if v.to_bits() == value.to_bits());
        if value.is_finite() && !unchanged {
            self.write(field.clone(), plain(value));
            self.sent.insert(field, Sent::Float(value));
        }
    }

    fn write(&mut self, field: String, value: String) {
        self.ops.push(Op {
            code: "s",
            field,
            value,
        });
    }
}

impl core::fmt::Debug for RedisSurfacer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RedisSurfacer")
            .field("namespace", &self.namespace)
            .field("process", &self.process)
            .field("gauges", &self.gauges)
            .finish_non_exhaustive()
    }
}

impl Surfacer for RedisSurfacer {
    fn name(&self) -> &'static str {
        "redis"
    }

    fn surface(&self, snapshot: &Snapshot) -> Result<(), SurfaceError> {
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let state = &mut *guard;
        // At most two transfers: one left unanswered before, then this snapshot's changes.
        for _ in 0..2 {
            if state.in_flight.is_none() {
                let ops = self.changes(state, snapshot);
                if ops.is_empty() {
                    return Ok(());
                }
                state.number += 1;
                state.in_flight = Some(ops);
            }
            // A connection that failed is not kept: a broken one must not carry the next call.
            let mut connection = match state.connection.take() {
                Some(connection) => connection,
                None => self.connect()?,
            };
            let ops = state.in_flight.as_deref().unwrap_or_default();
            self.send(&mut connection, state.number, ops)
                .map_err(|e| SurfaceError::retryable(format!("redis: {e}")))?;
            state.in_flight = None;
            state.connection = Some(connection);
        }
        Ok(())
    }
}
