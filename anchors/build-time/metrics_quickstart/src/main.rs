//! The meterbox quickstart's order pipeline, instrumented by hand with `metrics` and served by
//! `metrics-exporter-prometheus`: the same metrics, written the way that stack asks for.

use std::time::{Duration, Instant};

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::PrometheusBuilder;

struct Cart {
    items: u32,
}

#[derive(Debug)]
enum CheckoutError {
    Empty,
}

fn record(function: &'static str, start: Instant, ok: bool) {
    let result = if ok { "ok" } else { "error" };
    counter!("function_calls_total", "function" => function, "result" => result).increment(1);
    histogram!("function_duration_seconds", "function" => function).record(start.elapsed());
}

fn checkout(cart: &Cart) -> Result<u32, CheckoutError> {
    let start = Instant::now();
    let result = if cart.items == 0 {
        Err(CheckoutError::Empty)
    } else {
        std::thread::sleep(Duration::from_micros(200 * u64::from(cart.items)));
        histogram!("payload_bytes").record(f64::from(cart.items) * 180.0);
        counter!("orders_total").increment(1);
        gauge!("backlog", "warehouse" => "north").increment(1.0);
        Ok(cart.items * 7)
    };
    record("checkout", start, result.is_ok());
    result
}

fn pick(pace: Duration, items: u32) -> u32 {
    let start = Instant::now();
    std::thread::sleep(pace * items);
    histogram!("function_duration_seconds", "function" => "pick").record(start.elapsed());
    items
}

fn ship(pace: Duration) {
    let start = Instant::now();
    std::thread::sleep(pace / 10);
    gauge!("backlog", "warehouse" => "north").decrement(1.0);
    histogram!("function_duration_seconds", "function" => "ship").record(start.elapsed());
}

fn notify(order: u32) -> Result<(), String> {
    let start = Instant::now();
    let result = if order % 5 == 0 {
        Err(format!("mail server refused order {order}"))
    } else {
        Ok(())
    };
    record("notify", start, result.is_ok());
    result
}

fn main() {
    let installed = PrometheusBuilder::new()
        .with_http_listener(([127, 0, 0, 1], 9464))
        .set_buckets(&[0.0001, 0.001, 0.01, 0.1, 1.0])
        .and_then(PrometheusBuilder::install);
    if let Err(err) = installed {
        eprintln!("no endpoint on 127.0.0.1:9464: {err}");
    }
    describe_counter!("orders_total", "Orders accepted by the checkout.");
    describe_gauge!("backlog", "Orders waiting to be shipped.");
    describe_histogram!("payload_bytes", "Size of each order's payload.");
    let pace = Duration::from_micros(50);
    for order in 0..40u32 {
        let cart = Cart { items: order % 6 };
        match checkout(&cart) {
            Ok(_) => {
                pick(pace, cart.items);
                if let Err(err) = notify(order) {
                    eprintln!("warning: {err}");
                }
                ship(pace);
            }
            Err(err) => eprintln!("order {order} rejected: {err:?}"),
        }
    }
    println!("processed 40 orders");
}
