//! A small order pipeline, instrumented. While it runs, its metrics are served on
//! <http://127.0.0.1:9464/metrics> and drawn on <http://127.0.0.1:9464/>; the metrics table
//! is printed when it ends.
//!
//! Run it with `cargo run --example quickstart`; `-- --linger 60` keeps the endpoint up for
//! a minute after the orders are processed (Ctrl-C ends it sooner, table included).

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use meterbox::{counted, metric, timed, Counter, Format, Gauge, Histogram};

/// Orders accepted by the checkout.
#[metric]
static ORDERS_TOTAL: Counter = Counter::new();

/// Orders waiting to be shipped.
#[metric(labels(warehouse = "north"))]
static BACKLOG: Gauge = Gauge::new();

/// Size of each order's payload.
#[metric(unit = "bytes")]
static PAYLOAD_BYTES: Histogram = Histogram::exponential(64.0, 2.0, 12);

#[derive(Debug)]
struct Cart {
    items: u32,
}

#[derive(Debug)]
enum CheckoutError {
    Empty,
}

#[counted]
#[timed]
fn checkout(cart: &Cart) -> Result<u32, CheckoutError> {
    if cart.items == 0 {
        return Err(CheckoutError::Empty);
    }
    std::thread::sleep(Duration::from_micros(200 * u64::from(cart.items)));
    PAYLOAD_BYTES.observe(f64::from(cart.items) * 180.0);
    ORDERS_TOTAL.inc();
    BACKLOG.inc();
    Ok(cart.items * 7)
}

struct Warehouse {
    /// Time to pick one item.
    pace: Duration,
}

#[timed]
impl Warehouse {
    fn pick(&self, items: u32) -> u32 {
        std::thread::sleep(self.pace * items);
        items
    }

    fn ship(&self) {
        std::thread::sleep(self.pace / 10);
        BACKLOG.dec();
    }
}

#[counted]
#[timed(buckets = [0.0001, 0.001, 0.01, 0.1])]
async fn notify(order: u32) -> Result<(), String> {
    Yield(order % 3).await;
    if order % 5 == 0 {
        Err(format!("mail server refused order {order}"))
    } else {
        Ok(())
    }
}

/// A future that is pending `n` times before it completes.
struct Yield(u32);

impl Future for Yield {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            Poll::Ready(())
        } else {
            self.0 -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Runs a future to completion on this thread.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// Seconds to keep serving after the work is done: `--linger N`, 3 by default.
fn linger() -> Duration {
    let args: Vec<String> = std::env::args().collect();
    let seconds = args
        .iter()
        .position(|a| a == "--linger")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    Duration::from_secs(seconds)
}

fn main() {
    let _dump = meterbox::dump_at_exit(Format::Table);
    // The endpoint is a convenience here: if the port is taken, the example goes on.
    let server = match meterbox::serve("127.0.0.1:9464") {
        Ok(server) => {
            let addr = server.local_addr();
            println!("serving http://{addr}/metrics, and a dashboard on http://{addr}/");
            Some(server)
        }
        Err(err) => {
            eprintln!("no endpoint on 127.0.0.1:9464: {err}");
            None
        }
    };
    let warehouse = Warehouse {
        pace: Duration::from_micros(50),
    };
    for order in 0..40u32 {
        let cart = Cart { items: order % 6 };
        match checkout(&cart) {
            Ok(_) => {
                warehouse.pick(cart.items);
                if let Err(err) = block_on(notify(order)) {
                    eprintln!("warning: {err}");
                }
                warehouse.ship();
            }
            Err(err) => eprintln!("order {order} rejected: {err:?}"),
        }
    }
    if let Err(conflicts) = meterbox::check() {
        for conflict in conflicts {
            eprintln!("{conflict}");
        }
    }
    println!("processed 40 orders; the metrics table follows on stderr");
    if server.is_some() {
        let linger = linger();
        println!("the endpoint stays up for {} s", linger.as_secs());
        std::thread::sleep(linger);
    }
}
