//! `#[metered]` on every shape: sync, async, an impl block, a returned future; no warning.
#![deny(warnings)]

use std::future::Future;

use meterbox::metered;

#[metered]
fn sync_call(x: u8) -> u8 {
    x
}

#[metered(name = "async_throughput")]
async fn async_call() -> Result<(), String> {
    Ok(())
}

#[metered(name = "future_throughput")]
fn future_call(x: &u8) -> impl Future<Output = u8> + '_ {
    async move { *x }
}

pub struct Queue;

#[metered(name = "queue_throughput", labels(queue = "mail"))]
impl Queue {
    pub fn push(&self, n: usize) -> usize {
        n
    }
}

fn main() {
    sync_call(1);
    drop(async_call());
    drop(future_call(&1));
    Queue.push(3);
}
