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

use crate::metrics::{Conditional, Family, Gauge, MeasuredCounter};

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
            WORKERS
                .metric()
                .with([name])
                .set(metrics.num_workers() as f64);
            ALIVE_TASKS
                .metric()
                .with([name])
                .set(metrics.num_alive_tasks() as f64);
            GLOBAL_QUEUE
                .metric()
                .with([name])
                .set(metrics.global_queue_depth() as f64);
        }
        for worker in 0..metrics.num_workers() {
            let busy = metrics.worker_total_busy_duration(worker).as_secs_f64();
            BUSY.metric()
                .with([name, &worker.to_string()])
                .raise_to(busy);
        }
    }
}

/// Whether a runtime is registered.
fn registered() -> bool {
    !RUNTIMES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .is_empty()
}

/// Worker threads of the tokio runtime.
#[crate::metric(name = "tokio_workers")]
static WORKERS: Conditional<Family<Gauge, 1>> =
    Conditional::refreshed(Family::new(["runtime"]), registered, refresh);

/// Tasks of the tokio runtime spawned and not yet finished.
#[crate::metric(name = "tokio_alive_tasks")]
static ALIVE_TASKS: Conditional<Family<Gauge, 1>> =
    Conditional::refreshed(Family::new(["runtime"]), registered, refresh);

/// Tasks waiting in the tokio runtime's global queue.
#[crate::metric(name = "tokio_global_queue_depth")]
static GLOBAL_QUEUE: Conditional<Family<Gauge, 1>> =
    Conditional::refreshed(Family::new(["runtime"]), registered, refresh);

/// Time each worker of the tokio runtime spent busy, in seconds.
#[crate::metric(name = "tokio_worker_busy_seconds_total", unit = "seconds")]
static BUSY: Conditional<Family<MeasuredCounter, 2>> =
    Conditional::refreshed(Family::new(["runtime", "worker"]), registered, refresh);
