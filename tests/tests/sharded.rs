//! A sharded counter keeps exact totals under contention and is exposed as one counter.

use meterbox::{metric, render, snapshot, Format, ShardedCounter};

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
