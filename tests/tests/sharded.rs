//! A sharded counter keeps exact totals under contention and is exposed as one counter.

use meterbox::{counted, metric, render, snapshot, Format, ShardedCounter};

/// Increments from many threads at once.
#[metric]
static CONTENDED_TOTAL: ShardedCounter = ShardedCounter::new();

#[test]
fn eight_threads_of_ten_million_increments_add_up_exactly() {
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..10_000_000 {
                    CONTENDED_TOTAL.inc();
                }
            });
        }
    });
    assert_eq!(CONTENDED_TOTAL.get(), 80_000_000);
    assert_eq!(snapshot().counter("contended_total", &[]), Some(80_000_000));
    assert!(render(Format::Prometheus).contains("contended_total 80000000\n"));
}

#[counted(name = "sharded_calls", sharded)]
fn hot(fail: bool) -> Result<(), ()> {
    if fail {
        Err(())
    } else {
        Ok(())
    }
}

#[test]
fn counted_sharded_counts_every_outcome_exactly() {
    std::thread::scope(|scope| {
        for t in 0..4 {
            scope.spawn(move || {
                for i in 0..100_000 {
                    let _ = hot(t == 0 && i % 10 == 0);
                }
            });
        }
    });
    let s = snapshot();
    let calls = |result| {
        s.counter(
            "sharded_calls_total",
            &[("function", "hot"), ("result", result)],
        )
    };
    assert_eq!(calls("ok"), Some(390_000));
    assert_eq!(calls("error"), Some(10_000));
}
