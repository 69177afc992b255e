//! Helpers shared by the integration tests: a tiny executor and the external checkers.

use std::future::Future;
use std::io::Write as _;
use std::pin::pin;
use std::process::{Command, Stdio};
use std::task::{Context, Poll, Waker};

/// Polls `future` on this thread until it completes.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}

/// Polls `future` once and reports whether it completed.
pub fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    std::pin::Pin::new(future).poll(&mut cx)
}

/// A future that is pending `n` times before it completes.
pub struct Yield(pub u32);

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

/// Whether external tools are required (the README's full test command sets
/// `METERBOX_REQUIRE_TOOLS=1`): then a missing tool fails the test instead of skipping it.
fn required() -> bool {
    std::env::var("METERBOX_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

/// Runs `program args` with `input` on stdin; `None` when the program is not installed and
/// tools are not required.
///
/// # Panics
///
/// When the program is missing and required, or cannot be run.
#[must_use]
pub fn run_tool(program: &str, args: &[&str], input: &str) -> Option<(bool, String)> {
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                !required(),
                "{program} is required (METERBOX_REQUIRE_TOOLS=1) but not installed"
            );
            eprintln!("skipped: {program} is not installed");
            return None;
        }
        Err(err) => panic!("cannot run {program}: {err}"),
    };
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .expect("write to the checker");
    }
    let out = child.wait_with_output().expect("wait for the checker");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Some((out.status.success(), text))
}

/// `promtool check metrics` on `text`: `Some(output)`, which is empty when the exposition
/// is accepted without a single warning.
#[must_use]
pub fn promtool_check(text: &str) -> Option<String> {
    run_tool("promtool", &["check", "metrics"], text).map(|(_, out)| out)
}

/// Parses `text` with the `OpenMetrics` parser of the Python `prometheus_client` package,
/// which is strict about the format; `Some(families)` as `name type samples` lines, or the
/// parser's error.
///
/// # Panics
///
/// When the package is required but missing.
#[must_use]
pub fn openmetrics_parse(text: &str) -> Option<Result<String, String>> {
    const SCRIPT: &str = "
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
try:
    for f in text_string_to_metric_families(sys.stdin.read()):
        print(f.name, f.type, f.unit or '-', len(f.samples))
except Exception as e:
    print('ERROR', e)
    sys.exit(1)
";
    let probe = run_tool("python3", &["-c", "import prometheus_client"], "")?;
    if !probe.0 {
        assert!(
            !required(),
            "the Python package prometheus_client is required (METERBOX_REQUIRE_TOOLS=1)"
        );
        eprintln!("skipped: the Python package prometheus_client is not installed");
        return None;
    }
    let (ok, out) = run_tool("python3", &["-c", SCRIPT], text)?;
    Some(if ok { Ok(out) } else { Err(out) })
}
