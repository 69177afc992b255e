//! The reporter: a thread that takes a tagged snapshot on an interval and hands it to each
//! surfacer's own thread, which retries with backoff, keeps a bounded backlog of what could
//! not be sent, reports failures to a handler, and counts all of it in its own metrics. One
//! slow or dead target never holds up another, and stopping is bounded in time.
//!
//! Why this file is long: the builder, the per-surfacer threads and their bounded shutdown
//! share one set of settings; split up, the reasoning about stopping would be spread thin.

use std::collections::VecDeque;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::tags;
use super::Surfacer;
use crate::sanitize::InvalidName;
use crate::self_metrics::{REPORTER_DROPPED, REPORTER_SENDS, REPORTER_SEND_SECONDS};
use crate::snapshot::{snapshot, Snapshot};

/// The longest a `Retry-After` is honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// What the error handler is told after a send with failed attempts: every attempt that
/// failed is in some report, also when a retry then succeeded.
#[derive(Debug)]
pub struct SendReport<'a> {
    /// The surfacer's name.
    pub surfacer: &'a str,
    /// The HTTP status of the last attempt, for surfacers that speak HTTP and got one.
    pub status: Option<u16>,
    /// Series delivered in this round, before the failure.
    pub sent: usize,
    /// Series still waiting to be sent (the failed snapshot's included when no retry
    /// succeeded).
    pub failed: usize,
    /// Each attempt's error, in order.
    pub errors: &'a [String],
}

/// Called from the reporter's thread when a surfacer fails a round.
pub type ErrorHandler = Box<dyn Fn(&SendReport<'_>) + Send + Sync>;

fn default_handler(report: &SendReport<'_>) {
    eprintln!(
        "meterbox: surfacer `{}` failed{}: {}; {} series waiting, {} sent",
        report.surfacer,
        report
            .status
            .map(|s| format!(" (HTTP {s})"))
            .unwrap_or_default(),
        report.errors.last().map_or("", String::as_str),
        report.failed,
        report.sent,
    );
}

/// Settings of a [`Reporter`]; [`ReporterBuilder::start`] starts it.
pub struct ReporterBuilder {
    interval: Duration,
    surfacers: Vec<Box<dyn Surfacer>>,
    tags: Vec<(String, String)>,
    env_tags: bool,
    host_tag: Option<bool>,
    handler: ErrorHandler,
    retries: u32,
    backoff: Duration,
    max_pending: usize,
    stop_timeout: Duration,
}

impl ReporterBuilder {
    /// Time between reports (at least a millisecond); 60 seconds by default.
    #[must_use]
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval.max(Duration::from_millis(1));
        self
    }

    /// Adds a surfacer; every report goes to each one.
    #[must_use]
    pub fn surfacer(mut self, surfacer: impl Surfacer) -> Self {
        self.surfacers.push(Box::new(surfacer));
        self
    }

    /// Adds a global tag: a label on every series sent. Tags set here win over the same
    /// keys in `METERBOX_TAGS`.
    #[must_use]
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// Whether to read tags from `METERBOX_TAGS="k1: v1, k2: v2"`; on by default.
    #[must_use]
    pub fn env_tags(mut self, on: bool) -> Self {
        self.env_tags = on;
        self
    }

    /// Whether to add `host=<machine name>`; on by default, off when
    /// `METERBOX_DISABLE_HOST_TAG=true`. Set here, it wins over the variable.
    #[must_use]
    pub fn host_tag(mut self, on: bool) -> Self {
        self.host_tag = Some(on);
        self
    }

    /// Replaces the default error handler, which writes a line to stderr.
    #[must_use]
    pub fn error_handler(
        mut self,
        handler: impl Fn(&SendReport<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.handler = Box::new(handler);
        self
    }

    /// Retries of a failed send within one round (2 by default), waiting `backoff`, then
    /// twice that, and so on (100 ms by default) before each.
    #[must_use]
    pub fn retries(mut self, retries: u32, backoff: Duration) -> Self {
        self.retries = retries;
        self.backoff = backoff;
        self
    }

    /// The most snapshots kept per surfacer while it cannot deliver (10 by default, at
    /// least 1): past it the oldest is dropped and counted in
    /// `meterbox_reporter_dropped_snapshots_total`. Snapshots hold totals, so the newest
    /// one alone brings counters up to date; the backlog keeps the history in between.
    #[must_use]
    pub fn max_pending(mut self, snapshots: usize) -> Self {
        self.max_pending = snapshots.max(1);
        self
    }

    /// The most [`Reporter::stop`] waits for the last sends and flushes (5 s by default).
    /// A surfacer still sending then is left to finish on its own thread.
    #[must_use]
    pub fn stop_timeout(mut self, timeout: Duration) -> Self {
        self.stop_timeout = timeout;
        self
    }

    /// Starts the reporter's threads; the first report is one interval from now.
    ///
    /// # Errors
    ///
    /// When a tag key is unusable under the process's `Sanitize` setting.
    pub fn start(self) -> Result<Reporter, InvalidName> {
        let env = self
            .env_tags
            .then(|| std::env::var("METERBOX_TAGS").ok())
            .flatten();
        let host_on = self.host_tag.unwrap_or_else(|| {
            !std::env::var("METERBOX_DISABLE_HOST_TAG")
                .is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"))
        });
        let host = if host_on { tags::host_name() } else { None };
        let tags = tags::resolve(&self.tags, env.as_deref(), host)?;
        let policy = Arc::new(Policy {
            handler: self.handler,
            retries: self.retries,
            backoff: self.backoff,
        });
        let (done, finished) = mpsc::channel();
        let mut outlets = Vec::new();
        for surfacer in self.surfacers {
            let outlet = Arc::new(Outlet {
                name: surfacer.name().to_owned(),
                queue: Mutex::new(Queue {
                    pending: VecDeque::new(),
                    pushed: 0,
                    stopping: false,
                }),
                wake: Condvar::new(),
            });
            let worker = Arc::clone(&outlet);
            let policy = Arc::clone(&policy);
            let done = done.clone();
            spawn("meterbox-surfacer", move || {
                worker.run(surfacer.as_ref(), &policy);
                let _ = done.send(());
            })?;
            outlets.push(outlet);
        }
        let (stop, stopped) = mpsc::channel();
        let interval = self.interval;
        let ticker_outlets = outlets.clone();
        let max_pending = self.max_pending;
        let thread = spawn("meterbox-reporter", move || loop {
            let last = !matches!(
                stopped.recv_timeout(interval),
                Err(RecvTimeoutError::Timeout)
            );
            let tagged = tags::apply(&snapshot(), &tags);
            for outlet in &ticker_outlets {
                outlet.push(tagged.clone(), max_pending, last);
            }
            if last {
                return;
            }
        })?;
        Ok(Reporter {
            stop: Some(stop),
            thread: Some(thread),
            finished,
            surfacers: outlets.len(),
            stop_timeout: self.stop_timeout,
        })
    }
}

fn spawn(name: &str, run: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>, InvalidName> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(run)
        .map_err(|e| InvalidName {
            text: name.into(),
            reason: if e.kind() == std::io::ErrorKind::OutOfMemory {
                "no memory for the reporter's threads"
            } else {
                "the reporter's threads could not start"
            },
        })
}

/// Surfaces the registry on an interval from a background thread.
///
/// ```
/// use std::time::Duration;
/// use meterbox::{MemorySurfacer, Reporter};
///
/// let reporter = Reporter::builder()
///     .interval(Duration::from_secs(10))
///     .surfacer(MemorySurfacer::new())
///     .tag("service", "orders")
///     .start()?;
/// reporter.stop(); // reports once more, then flushes each surfacer
/// # Ok::<(), meterbox::InvalidName>(())
/// ```
///
/// Each report is a [`snapshot`](crate::snapshot) with the global tags added to every
/// series: tags from code, then `METERBOX_TAGS="k1: v1, k2: v2"` for keys code did not
/// set, then `host` (the machine's name) unless `METERBOX_DISABLE_HOST_TAG=true`. A
/// series' own label that a tag also names is sent as `exported_<name>`.
///
/// Each surfacer sends from a thread of its own, so a slow or dead target holds up no
/// other. A surfacer that fails is retried with backoff; what it still cannot deliver waits,
/// up to [`ReporterBuilder::max_pending`] snapshots, and goes first in the next round.
/// [`Reporter::stop`] returns within [`ReporterBuilder::stop_timeout`]. The
/// error handler hears of every failed round, and the reporter's own metrics count every
/// attempt: `meterbox_reporter_sends_total{surfacer, outcome}`,
/// `meterbox_reporter_send_seconds{surfacer}` and
/// `meterbox_reporter_dropped_snapshots_total{surfacer}`.
pub struct Reporter {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    /// One message per surfacer thread that has flushed and ended.
    finished: mpsc::Receiver<()>,
    surfacers: usize,
    stop_timeout: Duration,
}

impl Reporter {
    /// A reporter's settings, to be started.
    #[must_use]
    pub fn builder() -> ReporterBuilder {
        ReporterBuilder {
            interval: Duration::from_secs(60),
            surfacers: Vec::new(),
            tags: Vec::new(),
            env_tags: true,
            host_tag: None,
            handler: Box::new(default_handler),
            retries: 2,
            backoff: Duration::from_millis(100),
            max_pending: 10,
            stop_timeout: Duration::from_secs(5),
        }
    }

    /// Reports once more, lets each surfacer send what it holds (one attempt each, no more
    /// retries) and flush, and returns once they are done or after the stop timeout (5 s by
    /// default), whichever comes first, whatever the targets do.
    pub fn stop(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        let Some(stop) = self.stop.take() else {
            return;
        };
        let deadline = Instant::now() + self.stop_timeout;
        let _ = stop.send(());
        if let Some(thread) = self.thread.take() {
            // The ticker only takes a snapshot and hands it over.
            let _ = thread.join();
        }
        for _ in 0..self.surfacers {
            let left = deadline.saturating_duration_since(Instant::now());
            if self.finished.recv_timeout(left).is_err() {
                return;
            }
        }
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        self.stop_now();
    }
}

impl core::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Reporter")
            .field("running", &self.thread.is_some())
            .finish_non_exhaustive()
    }
}

/// How every surfacer thread sends: shared settings.
struct Policy {
    handler: ErrorHandler,
    retries: u32,
    backoff: Duration,
}

struct Queue {
    pending: VecDeque<Snapshot>,
    /// Snapshots pushed so far: a failed send waits for the next one, the next round.
    pushed: u64,
    /// The last snapshot is in: send what is pending once, flush, end.
    stopping: bool,
}

/// One surfacer's backlog, filled by the ticker and emptied by the surfacer's own thread, so
/// that a slow or dead target holds up no other.
struct Outlet {
    name: String,
    queue: Mutex<Queue>,
    wake: Condvar,
}

fn series_count(snapshot: &Snapshot) -> usize {
    snapshot.families.iter().map(|f| f.series.len()).sum()
}

impl Outlet {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a snapshot, dropping the oldest past `max_pending`.
    fn push(&self, snapshot: Snapshot, max_pending: usize, last: bool) {
        let mut queue = self.lock();
        if queue.pending.len() >= max_pending {
            queue.pending.pop_front();
            REPORTER_DROPPED.with([self.name.as_str()]).inc();
        }
        queue.pending.push_back(snapshot);
        queue.pushed += 1;
        queue.stopping |= last;
        self.wake.notify_all();
    }

    /// The surfacer's thread: sends whatever is queued, until the reporter stops.
    fn run(&self, surfacer: &dyn Surfacer, policy: &Policy) {
        let mut seen = 0;
        loop {
            // A new snapshot (a round), or the stop.
            let stopping = {
                let mut queue = self.lock();
                while queue.pushed == seen && !queue.stopping {
                    queue = self
                        .wake
                        .wait(queue)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                seen = queue.pushed;
                queue.stopping
            };
            self.deliver(surfacer, policy, stopping);
            if stopping {
                self.flush(surfacer, policy);
                return;
            }
        }
    }

    /// Waits `pause` unless the reporter starts stopping; whether it did.
    fn pause(&self, pause: Duration) -> bool {
        let queue = self.lock();
        let (queue, _) = self
            .wake
            .wait_timeout_while(queue, pause, |q| !q.stopping)
            .unwrap_or_else(PoisonError::into_inner);
        queue.stopping
    }

    /// Sends the backlog oldest first, until it is empty or a snapshot fails; retries with
    /// backoff unless stopping.
    fn deliver(&self, surfacer: &dyn Surfacer, policy: &Policy, stopping: bool) {
        let name = surfacer.name();
        let mut sent = 0;
        loop {
            let Some(front) = self.lock().pending.front().cloned() else {
                return;
            };
            let mut errors = Vec::new();
            let mut status = None;
            let mut delivered = false;
            let mut asked_to_wait = None;
            let retries = if stopping { 0 } else { policy.retries };
            for attempt in 0..=retries {
                let backoff = policy
                    .backoff
                    .saturating_mul(1 << attempt.saturating_sub(1).min(16));
                // A `Retry-After` is honoured, up to a bound that keeps a confused server
                // from parking the surfacer for good.
                let wait = asked_to_wait.map_or(backoff, |asked: Duration| {
                    asked.min(MAX_RETRY_AFTER).max(backoff)
                });
                if attempt > 0 && self.pause(wait) {
                    break;
                }
                let started = Instant::now();
                let result = surfacer.surface(&front);
                REPORTER_SEND_SECONDS
                    .with([name])
                    .observe(started.elapsed().as_secs_f64());
                match result {
                    Ok(()) => {
                        REPORTER_SENDS.with([name, "ok"]).inc();
                        delivered = true;
                        break;
                    }
                    Err(err) => {
                        REPORTER_SENDS.with([name, "error"]).inc();
                        status = err.status;
                        asked_to_wait = err.retry_after;
                        errors.push(err.to_string());
                        if !err.retryable {
                            break;
                        }
                    }
                }
            }
            let waiting = {
                let mut queue = self.lock();
                if delivered {
                    sent += series_count(&front);
                    queue.pending.pop_front();
                }
                queue.pending.iter().map(series_count).sum()
            };
            // Every failed attempt is reported, also when a retry then succeeded.
            if !errors.is_empty() {
                (policy.handler)(&SendReport {
                    surfacer: name,
                    status,
                    sent,
                    failed: waiting,
                    errors: &errors,
                });
            }
            if !delivered {
                return;
            }
        }
    }

    fn flush(&self, surfacer: &dyn Surfacer, policy: &Policy) {
        if let Err(err) = surfacer.flush() {
            let errors = [err.to_string()];
            let failed = self.lock().pending.iter().map(series_count).sum();
            (policy.handler)(&SendReport {
                surfacer: surfacer.name(),
                status: err.status,
                sent: 0,
                failed,
                errors: &errors,
            });
        }
    }
}
