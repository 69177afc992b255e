//! A program that dumps its metrics at exit, for the dump tests.
//!
//! `dump_child PATH wait`: dumps to PATH and waits for a signal;
//! `dump_child PATH slow`: the same, with a gauge that takes 3 s to read;
//! `dump_child PATH`: dumps to PATH at the end of main; `dump_child -`: dumps to stderr.

use std::sync::atomic::{AtomicBool, Ordering};

use meterbox::{counted, metric, CallbackGauge, Format};

/// Whether reading the gauge below takes its time (the `slow` mode).
static SLOW: AtomicBool = AtomicBool::new(false);

#[counted]
fn work() {}

fn slowly() -> f64 {
    if SLOW.load(Ordering::Relaxed) {
        std::thread::sleep(std::time::Duration::from_secs(3));
    }
    1.0
}

/// A gauge that takes its time to read, to make the dump slow.
#[metric]
static SLOW_READING: CallbackGauge = CallbackGauge::new(slowly);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().map_or("-", String::as_str);
    let mode = args.get(1).map_or("", String::as_str);
    let _dump = if path == "-" {
        meterbox::dump_at_exit(Format::Table)
    } else {
        meterbox::dump_at_exit_to(path, Format::Prometheus)
    };
    work();
    work();
    SLOW.store(mode == "slow", Ordering::Relaxed);
    if mode == "wait" || mode == "slow" {
        println!("ready");
        std::thread::sleep(std::time::Duration::from_secs(30));
    }
    println!("done");
}
