//! Runs every single-threaded operation a given number of times (default 100,000), for
//! instruction counts under callgrind; `report.py` runs it twice with different counts and
//! divides the difference, so that one-time costs (lazy statics, clock calibration, the first
//! insertion of a label set) cancel out. `instructions --list` prints each operation's
//! library and function, tab-separated, for the report to find them in the profile.

use meterbox_anchors::{setup, OPERATIONS};

fn main() {
    let calls: u64 = match std::env::args().nth(1).as_deref() {
        None => 100_000,
        Some("--list") => {
            for op in OPERATIONS {
                println!("{}\t{}\t{}", op.operation, op.library, op.function);
            }
            return;
        }
        Some(arg) => match arg.parse() {
            Ok(calls) => calls,
            Err(error) => {
                eprintln!("usage: instructions [CALLS | --list]: {arg}: {error}");
                std::process::exit(2);
            }
        },
    };
    setup();
    for op in OPERATIONS {
        for _ in 0..calls {
            (op.run)();
        }
    }
}
