//! The reporter: a thread that surfaces a tagged snapshot on an interval, retries with
//! backoff, keeps a bounded backlog of what could not be sent, reports failures to a
//! handler, and counts all of it in its own metrics.

use std::collections::VecDeque;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::tags;
use super::Surfacer;
use crate::sanitize::InvalidName;
use crate::self_metrics::{REPORTER_DROPPED, REPORTER_SENDS, REPORTER_SEND_SECONDS};
use crate::snapshot::{snapshot, Snapshot};

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

    /// Starts the reporter's thread; the first report is one interval from now.
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
        let (stop, stopped) = mpsc::channel();
        let mut worker = Worker {
            outlets: self
                .surfacers
                .into_iter()
                .map(|surfacer| Outlet {
                    surfacer,
                    pending: VecDeque::new(),
                })
                .collect(),
            tags,
            handler: self.handler,
            retries: self.retries,
            backoff: self.backoff,
            max_pending: self.max_pending,
        };
        let interval = self.interval;
        let thread = std::thread::Builder::new()
            .name("meterbox-reporter".into())
            .spawn(move || loop {
                match stopped.recv_timeout(interval) {
                    Err(RecvTimeoutError::Timeout) => worker.report(),
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                        worker.report();
                        worker.flush();
                        return;
                    }
                }
            })
            .map_err(|e| InvalidName {
                text: "meterbox-reporter".into(),
                reason: if e.kind() == std::io::ErrorKind::OutOfMemory {
                    "no memory for the reporter's thread"
                } else {
                    "the reporter's thread could not start"
                },
            })?;
        Ok(Reporter {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
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
/// series' own label wins over a tag of the same key.
///
/// A surfacer that fails is retried with backoff; what it still cannot deliver waits, up
/// to [`ReporterBuilder::max_pending`] snapshots, and goes first in the next round. The
/// error handler hears of every failed round, and the reporter's own metrics count every
/// attempt: `meterbox_reporter_sends_total{surfacer, outcome}`,
/// `meterbox_reporter_send_seconds{surfacer}` and
/// `meterbox_reporter_dropped_snapshots_total{surfacer}`.
pub struct Reporter {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
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
        }
    }

    /// Reports once more, flushes every surfacer, and ends the thread.
    pub fn stop(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
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

struct Outlet {
    surfacer: Box<dyn Surfacer>,
    pending: VecDeque<Snapshot>,
}

struct Worker {
    outlets: Vec<Outlet>,
    tags: Vec<(&'static str, &'static str)>,
    handler: ErrorHandler,
    retries: u32,
    backoff: Duration,
    max_pending: usize,
}

fn series_count(snapshot: &Snapshot) -> usize {
    snapshot.families.iter().map(|f| f.series.len()).sum()
}

impl Worker {
    fn report(&mut self) {
        let tagged = tags::apply(&snapshot(), &self.tags);
        for i in 0..self.outlets.len() {
            let outlet = &mut self.outlets[i];
            if outlet.pending.len() >= self.max_pending {
                outlet.pending.pop_front();
                REPORTER_DROPPED.with([outlet.surfacer.name()]).inc();
            }
            outlet.pending.push_back(tagged.clone());
            self.deliver(i);
        }
    }

    /// Sends the backlog oldest first, until it is empty or a snapshot fails.
    fn deliver(&mut self, i: usize) {
        let Outlet { surfacer, pending } = &mut self.outlets[i];
        let name = surfacer.name();
        let mut sent = 0;
        while let Some(front) = pending.front() {
            let mut errors = Vec::new();
            let mut status = None;
            let mut delivered = false;
            for attempt in 0..=self.retries {
                if attempt > 0 {
                    std::thread::sleep(self.backoff.saturating_mul(1 << (attempt - 1).min(16)));
                }
                let started = Instant::now();
                let result = surfacer.surface(front);
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
                        errors.push(err.to_string());
                        if !err.retryable {
                            break;
                        }
                    }
                }
            }
            if delivered {
                sent += series_count(front);
                pending.pop_front();
            }
            // Every failed attempt is reported, also when a retry then succeeded.
            if !errors.is_empty() {
                (self.handler)(&SendReport {
                    surfacer: name,
                    status,
                    sent,
                    failed: pending.iter().map(series_count).sum(),
                    errors: &errors,
                });
            }
            if !delivered {
                return;
            }
        }
    }

    fn flush(&mut self) {
        for outlet in &self.outlets {
            if let Err(err) = outlet.surfacer.flush() {
                let errors = [err.to_string()];
                (self.handler)(&SendReport {
                    surfacer: outlet.surfacer.name(),
                    status: err.status,
                    sent: 0,
                    failed: outlet.pending.iter().map(series_count).sum(),
                    errors: &errors,
                });
            }
        }
    }
}
