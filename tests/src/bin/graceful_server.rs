//! An axum application that handles SIGTERM itself, for the dump tests: it stops accepting,
//! lets the request in flight finish, does some work of its own after the server stopped,
//! and returns its own exit status (7). The dump goes to the file named by its argument.
//!
//! Prints `listening <port>` once it accepts connections.

use std::process::ExitCode;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use meterbox::{counted, metric, Counter, Format};

/// Work done after the server stopped, during the drain.
#[metric]
static DRAINED_TOTAL: Counter = Counter::new();

#[counted]
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(1)).await;
    "done"
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: graceful_server DUMP_PATH");
        return ExitCode::from(2);
    };
    let _dump = meterbox::dump_at_exit_to(path, Format::Prometheus);
    let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
        return ExitCode::from(2);
    };
    let Ok(mut terminate) =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    else {
        return ExitCode::from(2);
    };
    let port = listener.local_addr().map_or(0, |a| a.port());
    println!("listening {port}");
    let app = Router::new().route("/slow", get(slow));
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            terminate.recv().await;
        })
        .await;
    if served.is_err() {
        return ExitCode::from(2);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    DRAINED_TOTAL.inc();
    ExitCode::from(7)
}
