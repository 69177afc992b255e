//! A program that dumps its metrics at exit, for the dump tests.
//!
//! `dump_child PATH wait`: dumps to PATH and waits for a signal;
//! `dump_child PATH`: dumps to PATH at the end of main; `dump_child -`: dumps to stderr.

use meterbox::{counted, Format};

#[counted]
fn work() {}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().map_or("-", String::as_str);
    let _dump = if path == "-" {
        meterbox::dump_at_exit(Format::Table)
    } else {
        meterbox::dump_at_exit_to(path, Format::Prometheus)
    };
    work();
    work();
    if args.get(1).is_some_and(|a| a == "wait") {
        println!("ready");
        std::thread::sleep(std::time::Duration::from_secs(30));
    }
    println!("done");
}
