//! A multi-thread tokio runtime's metrics: exact workers and alive tasks with a known number
//! of parked tasks, busy time that grows with work, all in a scrape the checkers accept.

use std::time::{Duration, Instant};

use meterbox::{render, snapshot, Format};
use meterbox_tests::{openmetrics_parse, promtool_check};
use tokio::sync::oneshot;

const PARKED: usize = 25;
/// The same, as the gauge shows it.
const PARKED_GAUGE: f64 = 25.0;

#[test]
fn a_multi_thread_runtime_shows_its_workers_tasks_and_busy_time() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(3)
        .build()
        .unwrap();
    meterbox::tokio::register(runtime.handle(), "workers");
    let main = [("runtime", "workers")];

    let read = snapshot();
    assert_eq!(read.gauge("tokio_workers", &main), Some(3.0));
    assert_eq!(read.gauge("tokio_alive_tasks", &main), Some(0.0));

    // Tasks parked on a channel each: alive, and not in any queue once polled.
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..PARKED).map(|_| oneshot::channel::<()>()).unzip();
    let (started, mut all_started) = tokio::sync::mpsc::channel::<()>(PARKED);
    let tasks: Vec<_> = receivers
        .into_iter()
        .map(|receiver| {
            let started = started.clone();
            runtime.spawn(async move {
                let _ = started.send(()).await;
                let _ = receiver.await;
            })
        })
        .collect();
    runtime.block_on(async {
        for _ in 0..PARKED {
            all_started.recv().await.unwrap();
        }
    });
    let read = snapshot();
    assert_eq!(read.gauge("tokio_alive_tasks", &main), Some(PARKED_GAUGE));
    assert_eq!(read.gauge("tokio_global_queue_depth", &main), Some(0.0));

    // Work on the workers shows as busy time.
    let busy = |s: &meterbox::Snapshot| s.total("tokio_worker_busy_seconds_total", &main).unwrap();
    let before = busy(&snapshot());
    runtime.block_on(async {
        let spinners: Vec<_> = (0..3)
            .map(|_| {
                tokio::spawn(async {
                    let begin = Instant::now();
                    while begin.elapsed() < Duration::from_millis(200) {
                        std::hint::black_box(begin.elapsed());
                    }
                })
            })
            .collect();
        for spinner in spinners {
            spinner.await.unwrap();
        }
    });
    let after = busy(&snapshot());
    assert!(after - before >= 0.3, "busy {before} -> {after}");
    let workers = snapshot()
        .series("tokio_worker_busy_seconds_total", &main)
        .len();
    assert_eq!(workers, 3);

    for sender in senders {
        let _ = sender.send(());
    }
    runtime.block_on(async {
        for task in tasks {
            task.await.unwrap();
        }
    });
    // A finished task is released by its worker just after its output is handed over.
    let deadline = Instant::now() + Duration::from_secs(5);
    while snapshot().gauge("tokio_alive_tasks", &main) != Some(0.0) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(snapshot().gauge("tokio_alive_tasks", &main), Some(0.0));

    let text = render(Format::Prometheus);
    assert!(text.contains("tokio_worker_busy_seconds_total{runtime=\"workers\",worker=\"2\"} "));
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "{text}");
    }
    let openmetrics = render(Format::OpenMetrics);
    if let Some(parsed) = openmetrics_parse(&openmetrics) {
        parsed.unwrap_or_else(|e| panic!("{e}\n{openmetrics}"));
    }
}
