//! Several worker processes share their metrics through Redis; the reader then shows the
//! totals of all of them, as `meterbox-expose` would serve them.
//!
//! ```sh
//! redis-server --port 6379 &          # any Redis will do
//! cargo run --example redis_shared --features redis -- redis://127.0.0.1:6379/
//! ```

use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::Duration;

use meterbox::redis::{GaugeMode, RedisSurfacer};
use meterbox::{counted, metric, Format, Gauge, Reporter};

/// Worker processes' current batch sizes, one series per process.
#[metric]
static BATCH_SIZE: Gauge = Gauge::new();

#[counted(name = "images_resized")]
fn resize(image: u32) -> Result<u32, String> {
    if image % 10 == 0 {
        Err(format!("image {image} is corrupt"))
    } else {
        Ok(image * 2)
    }
}

const NAMESPACE: &str = "redis_shared_example";
const WORKERS: u32 = 3;

/// One worker: resizes its share of images, transferring every 50 ms and at the end.
fn worker(url: &str, index: u32) -> Result<(), String> {
    let store = Arc::new(
        RedisSurfacer::new(url, NAMESPACE)
            .map_err(|e| e.to_string())?
            .gauges(GaugeMode::PerProcess),
    );
    let reporter = Reporter::builder()
        .interval(Duration::from_millis(50))
        .surfacer(Arc::clone(&store))
        .host_tag(false)
        .start()
        .map_err(|e| e.to_string())?;
    BATCH_SIZE.set(f64::from(10 + index));
    for image in index * 1000..(index + 1) * 1000 {
        let _ = resize(image);
    }
    reporter.stop();
    store.transfer().map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .iter()
        .skip(1)
        .find(|a| a.starts_with("redis://"))
        .cloned()
        .unwrap_or_else(|| "redis://127.0.0.1:6379/".to_owned());
    if let Some(index) = args.iter().position(|a| a == "--worker") {
        let index = args
            .get(index + 1)
            .and_then(|i| i.parse().ok())
            .unwrap_or(0);
        return match worker(&url, index) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("worker {index}: {err}");
                ExitCode::FAILURE
            }
        };
    }

    let client = match redis::Client::open(url.as_str()).and_then(|c| c.get_connection()) {
        Ok(connection) => connection,
        Err(err) => {
            eprintln!("no Redis at {url} ({err}); start one, or pass its URL");
            return ExitCode::FAILURE;
        }
    };
    let mut connection = client;
    let _: Result<(), _> = redis::cmd("DEL")
        .arg(NAMESPACE)
        .arg(format!("{NAMESPACE}:transfers"))
        .query(&mut connection);

    let Ok(me) = std::env::current_exe() else {
        eprintln!("cannot find this program to start its workers");
        return ExitCode::FAILURE;
    };
    let children: Vec<_> = (0..WORKERS)
        .filter_map(|i| {
            Command::new(&me)
                .args([url.as_str(), "--worker", &i.to_string()])
                .spawn()
                .ok()
        })
        .collect();
    for mut child in children {
        let _ = child.wait();
    }
    match meterbox::redis::render(&mut connection, NAMESPACE, Format::Prometheus) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("reading the namespace: {err}");
            ExitCode::FAILURE
        }
    }
}
