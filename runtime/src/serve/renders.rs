//! Rendering off the connections' thread, one render at a time per format and encoding,
//! shared by every request that arrives while it runs.
//!
//! A flood of requests for a large format costs one render after another, not one each, and
//! never holds up the thread that reads requests and writes responses.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::watch;

use super::negotiate::Answer;
use crate::{render, Format};

/// What a server with [`Server::source`](super::Server::source) renders.
pub(super) type Source = Arc<dyn Fn(Format) -> Result<String, String> + Send + Sync>;

/// A rendered body, and whether it is gzip-compressed.
#[derive(Clone)]
pub(super) struct Body {
    pub bytes: Bytes,
    pub gzip: bool,
}

/// Why there is no body.
#[derive(Clone)]
pub(super) enum Failure {
    /// The server's own source said why.
    Source(String),
    /// Rendering took longer than the render timeout.
    TimedOut,
    /// The render panicked.
    Failed,
}

type Outcome = Option<Result<Body, Failure>>;

pub(super) struct Renders {
    source: Option<Source>,
    timeout: Duration,
    running: Mutex<HashMap<(Answer, bool), watch::Receiver<Outcome>>>,
}

impl Renders {
    pub(super) fn new(source: Option<Source>, timeout: Duration) -> Arc<Self> {
        Arc::new(Self {
            source,
            timeout,
            running: Mutex::new(HashMap::new()),
        })
    }

    /// How long a request waits for its body.
    pub(super) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether the server can answer in the protobuf format: its own source renders text only.
    pub(super) fn renders_protobuf(&self) -> bool {
        self.source.is_none()
    }

    /// The body for `answer`, gzip-compressed if `gzip`: the render running now, or a new one.
    pub(super) async fn body(
        self: &Arc<Self>,
        answer: Answer,
        gzip: bool,
    ) -> Result<Body, Failure> {
        let mut outcome = {
            let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
            running
                .entry((answer, gzip))
                .or_insert_with(|| self.start(answer, gzip))
                .clone()
        };
        let waited = tokio::time::timeout(self.timeout, outcome.wait_for(Option::is_some)).await;
        match waited {
            Ok(Ok(done)) => done.clone().unwrap_or(Err(Failure::Failed)),
            Ok(Err(_)) => Err(Failure::Failed),
            Err(_) => Err(Failure::TimedOut),
        }
    }

    /// Starts a render on the blocking pool; it removes itself from `running` when done.
    fn start(self: &Arc<Self>, answer: Answer, gzip: bool) -> watch::Receiver<Outcome> {
        let (done, outcome) = watch::channel(None);
        let renders = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                renders.render(answer, gzip)
            }))
            .unwrap_or(Err(Failure::Failed));
            renders
                .running
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&(answer, gzip));
            let _ = done.send(Some(result));
        });
        outcome
    }

    fn render(&self, answer: Answer, gzip: bool) -> Result<Body, Failure> {
        let body: Vec<u8> = match (answer, &self.source) {
            (Answer::Text(format), None) => render(format).into(),
            (Answer::Text(format), Some(source)) => source(format).map_err(Failure::Source)?.into(),
            #[cfg(feature = "protobuf")]
            (Answer::Protobuf, _) => crate::render_protobuf(),
        };
        if gzip {
            if let Ok(bytes) = gzipped(&body) {
                return Ok(Body {
                    bytes: Bytes::from(bytes),
                    gzip: true,
                });
            }
        }
        Ok(Body {
            bytes: Bytes::from(body),
            gzip: false,
        })
    }
}

fn gzipped(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::fast(),
    );
    encoder.write_all(body)?;
    encoder.finish()
}
