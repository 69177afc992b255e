//! A tokio runtime's own metrics, read from its stable `RuntimeMetrics` when metrics are
//! read.
//!
//! ```
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! meterbox::tokio::register(runtime.handle(), "main");
//! let snapshot = meterbox::snapshot();
//! assert_eq!(snapshot.gauge("tokio_workers", &[("runtime", "main")]), Some(1.0));
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! | metric | type | what |
//! |---|---|---|
//! | `tokio_workers{runtime}` | gauge | worker threads |
//! | `tokio_alive_tasks{runtime}` | gauge | tasks spawned and not yet finished |
//! | `tokio_global_queue_depth{runtime}` | gauge | tasks waiting in the global queue |
//! | `tokio_worker_busy_seconds_total{runtime, worker}` | counter | time each worker spent busy |
//!
//! The families are shown from the first registration on. The number of blocking threads is
//! left out: tokio offers it only under `tokio_unstable`.

// Registering puts each descriptor in a link section, which `unsafe_code` counts when the
// registration is written in this crate; nothing else here is unsafe.
#![allow(unsafe_code)]

use std::sync::{Mutex, PoisonError};

use ::tokio::runtime::Handle;

use crate::metrics::{Collect, Counter, Family, Gauge, Kind, MeasuredCounter, MetricRef};

/// The registered runtimes, by name.
static RUNTIMES: Mutex<Vec<(String, Handle)>> = Mutex::new(Vec::new());

/// Exposes the metrics of the runtime behind `handle` under `runtime="<name>"`, from now on
/// and for as long as the program runs. Registering a name again replaces its runtime.
pub fn register(handle: &Handle, name: impl AsRef<str>) {
    let name = name.as_ref();
    let mut runtimes = RUNTIMES.lock().unwrap_or_else(PoisonError::into_inner);
    match runtimes.iter_mut().find(|(n, _)| n == name) {
        Some(entry) => entry.1 = handle.clone(),
        None => runtimes.push((name.to_owned(), handle.clone())),
    }
    // The families are shown from the first runtime on.
    crate::runtime_family::lay_out_again();
}

/// Copies every registered runtime's figures into the families, just before they are read.
fn refresh() {
    let runtimes = RUNTIMES.lock().unwrap_or_else(PoisonError::into_inner);
    for (name, handle) in runtimes.iter() {
        let metrics = handle.metrics();
        // Counts of threads and tasks are far below 2^53.
        #[allow(clippy::cast_precision_loss)]
        {
            WORKERS.0.with([name]).set(metrics.num_workers() as f64);
            ALIVE_TASKS
                .0
                .with([name])
                .set(metrics.num_alive_tasks() as f64);
            GLOBAL_QUEUE
                .0
                .with([name])
                .set(metrics.global_queue_depth() as f64);
        }
        for worker in 0..metrics.num_workers() {
            let busy = metrics.worker_total_busy_duration(worker).as_secs_f64();
            BUSY.0.with([name, &worker.to_string()]).raise_to(busy);
        }
    }
}

/// A family whose values are copied in from the runtimes each time it is read.
struct Refreshed<M: 'static>(M);

impl<M: Collect> Collect for Refreshed<M> {
    fn kind(&self) -> Kind {
        self.0.kind()
    }

    fn extra_label_names(&'static self) -> &'static [&'static str] {
        self.0.extra_label_names()
    }

    fn grows_at_run_time(&self) -> bool {
        self.0.grows_at_run_time()
    }

    fn dropped_label_sets(&'static self) -> Option<&'static Counter> {
        self.0.dropped_label_sets()
    }

    fn is_exposed(&'static self) -> bool {
        !RUNTIMES
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    fn visit(&'static self, visit: &mut dyn FnMut(&[&'static str], MetricRef)) {
        refresh();
        self.0.visit(visit);
    }
}

/// Worker threads of the tokio runtime.
#[crate::metric(name = "tokio_workers")]
static WORKERS: Refreshed<Family<Gauge, 1>> = Refreshed(Family::new(["runtime"]));

/// Tasks of the tokio runtime spawned and not yet finished.
#[crate::metric(name = "tokio_alive_tasks")]
static ALIVE_TASKS: Refreshed<Family<Gauge, 1>> = Refreshed(Family::new(["runtime"]));

/// Tasks waiting in the tokio runtime's global queue.
#[crate::metric(name = "tokio_global_queue_depth")]
static GLOBAL_QUEUE: Refreshed<Family<Gauge, 1>> = Refreshed(Family::new(["runtime"]));

/// Time each worker of the tokio runtime spent busy, in seconds.
#[crate::metric(name = "tokio_worker_busy_seconds_total", unit = "seconds")]
static BUSY: Refreshed<Family<MeasuredCounter, 2>> = Refreshed(Family::new(["runtime", "worker"]));
