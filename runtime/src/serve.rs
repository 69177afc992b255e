//! The `/metrics` endpoint: hyper on a single-threaded tokio runtime in a thread of its own,
//! so the application needs no async runtime, and the instrumented code never waits on it.
//!
//! A slow or hostile client gets a bounded share: each connection has a deadline for its
//! request head, heads are capped in size, bodies are refused, and connections beyond the
//! limit wait in the listen backlog instead of taking memory.

use std::convert::Infallible;
use std::io::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{oneshot, Semaphore};

use crate::{render, Format};

/// The port `serve` uses when given none: the one OpenTelemetry's Prometheus exporter
/// registered, which nothing else claims by default.
pub const DEFAULT_PORT: u16 = 9464;

/// What a server with [`Server::source`] renders.
type Source = Arc<dyn Fn(Format) -> Result<String, String> + Send + Sync>;

/// The smallest request-head limit hyper takes.
const MIN_HEAD_BYTES: usize = 8192;

/// Serves `GET /metrics` (Prometheus text, or OpenMetrics when the `Accept` header asks for
/// it; gzip when `Accept-Encoding` does) and `GET /metrics.json` on `addr`, from a
/// background thread, until the handle is dropped or shut down.
///
/// `addr` is `host:port`; a bare port (`"9464"` or `":9464"`) binds `127.0.0.1`, so
/// listening on other interfaces always takes an explicit address such as `0.0.0.0:9464`.
///
/// ```
/// let server = meterbox::serve("127.0.0.1:0")?;
/// println!("metrics on http://{}/metrics", server.local_addr());
/// server.shutdown();
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
///
/// When the address does not resolve or cannot be bound.
pub fn serve(addr: &str) -> io::Result<ServerHandle> {
    Server::new(addr).start()
}

/// The endpoint's settings, for more than [`serve`]'s defaults.
///
/// ```
/// use std::time::Duration;
///
/// let server = meterbox::Server::new(":0")
///     .bearer_token("s3cret")
///     .max_connections(32)
///     .head_timeout(Duration::from_secs(2))
///     .start()?;
/// # drop(server);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Server {
    addr: String,
    source: Option<Source>,
    token: Option<String>,
    max_connections: usize,
    head_timeout: Duration,
    max_head_bytes: usize,
}

impl core::fmt::Debug for Server {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .field("own_source", &self.source.is_some())
            .field("max_connections", &self.max_connections)
            .field("head_timeout", &self.head_timeout)
            .field("max_head_bytes", &self.max_head_bytes)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// An endpoint on `addr` (see [`serve`]) with the default limits: 256 connections at
    /// once, 5 seconds to send a request head, heads of at most 8 KiB.
    #[must_use]
    pub fn new(addr: &str) -> Self {
        Self {
            addr: addr.to_owned(),
            source: None,
            token: None,
            max_connections: 256,
            head_timeout: Duration::from_secs(5),
            max_head_bytes: MIN_HEAD_BYTES,
        }
    }

    /// Serves what `render` returns instead of this program's registry, such as another
    /// store's contents. It runs on a blocking thread, so a slow source delays only its own
    /// scrapes; an `Err` is answered with 503 and the message.
    #[must_use]
    pub fn source(
        mut self,
        render: impl Fn(Format) -> Result<String, String> + Send + Sync + 'static,
    ) -> Self {
        self.source = Some(Arc::new(render));
        self
    }

    /// Requires `Authorization: Bearer <token>` on every request; others get 401.
    #[must_use]
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// How many connections are served at once (at least 1); more wait to be accepted.
    #[must_use]
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// How long a client has to send each request head before its connection is closed;
    /// this also closes keep-alive connections idle for longer.
    #[must_use]
    pub fn head_timeout(mut self, timeout: Duration) -> Self {
        self.head_timeout = timeout;
        self
    }

    /// The largest request head accepted, in bytes (at least 8 KiB); a larger one is
    /// refused.
    #[must_use]
    pub fn max_head_bytes(mut self, bytes: usize) -> Self {
        self.max_head_bytes = bytes.max(MIN_HEAD_BYTES);
        self
    }

    /// Binds and starts serving in a background thread.
    ///
    /// # Errors
    ///
    /// When the address does not resolve or cannot be bound, or the thread cannot start.
    pub fn start(self) -> io::Result<ServerHandle> {
        let listener = TcpListener::bind(resolve(&self.addr)?)?;
        listener.set_nonblocking(true)?;
        let local_addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("meterbox-serve".into())
            .spawn(move || runtime.block_on(accept_loop(listener, self, stopped)))?;
        Ok(ServerHandle {
            local_addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A bare port binds loopback; anything else is resolved as given.
fn resolve(addr: &str) -> io::Result<SocketAddr> {
    let port = addr.strip_prefix(':').unwrap_or(addr);
    if let Ok(port) = port.parse::<u16>() {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    addr.to_socket_addrs()?.next().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{addr}` resolves to no address"),
        )
    })
}

/// The running endpoint. Dropping it, or [`ServerHandle::shutdown`], stops the server
/// and waits for its thread.
#[derive(Debug)]
pub struct ServerHandle {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address bound, with the port the system chose for port 0.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, drops open connections and waits for the thread to end.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop_now();
    }
}

async fn accept_loop(listener: TcpListener, server: Server, mut stopped: oneshot::Receiver<()>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        eprintln!("meterbox: the metrics endpoint could not start its listener");
        return;
    };
    let permits = Arc::new(Semaphore::new(server.max_connections));
    let token: Option<Arc<str>> = server.token.as_deref().map(Arc::from);
    let source = server.source.clone();
    loop {
        // A permit first: past the limit, clients wait in the backlog, costing nothing here.
        let permit = tokio::select! {
            _ = &mut stopped => return,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
        };
        let accepted = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else {
            // Out of descriptors or a reset before accept: wait a little, go on.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let token = token.clone();
        let source = source.clone();
        let connection =
            http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(server.head_timeout)
                .max_buf_size(server.max_head_bytes)
                .serve_connection(
                    TokioIo::new(stream),
                    service_fn(move |request| {
                        let token = token.clone();
                        let source = source.clone();
                        async move {
                            Ok::<_, Infallible>(respond(&request, token.as_deref(), source).await)
                        }
                    }),
                );
        tokio::spawn(async move {
            let _permit = permit;
            let _ = connection.await;
        });
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Equal without leaking where they differ through timing.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn header(request: &Request<Incoming>, name: header::HeaderName) -> Option<&str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn respond(
    request: &Request<Incoming>,
    token: Option<&str>,
    source: Option<Source>,
) -> Response<Full<Bytes>> {
    if let Some(token) = token {
        let given = header(request, header::AUTHORIZATION)
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !same_secret(given.as_bytes(), token.as_bytes()) {
            let mut response = plain(StatusCode::UNAUTHORIZED, "a bearer token is required\n");
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET is served\n");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let has_body = header(request, header::CONTENT_LENGTH).is_some_and(|n| n != "0")
        || request.headers().contains_key(header::TRANSFER_ENCODING);
    if has_body {
        return plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "requests to this endpoint have no body\n",
        );
    }
    let format = match request.uri().path() {
        "/metrics" => Format::negotiate(header(request, header::ACCEPT)),
        "/metrics.json" => Format::Json,
        _ => return plain(StatusCode::NOT_FOUND, "try /metrics or /metrics.json\n"),
    };
    let body = match source {
        None => render(format),
        Some(source) => match tokio::task::spawn_blocking(move || source(format)).await {
            Ok(Ok(body)) => body,
            Ok(Err(message)) => {
                let mut response = Response::new(Full::new(Bytes::from(message + "\n")));
                *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
                return response;
            }
            Err(_) => return plain(StatusCode::INTERNAL_SERVER_ERROR, "the source failed\n"),
        },
    };
    let gzip = header(request, header::ACCEPT_ENCODING).is_some_and(accepts_gzip);
    let mut response = if gzip {
        match gzipped(body.as_bytes()) {
            Ok(bytes) => {
                let mut r = Response::new(Full::new(Bytes::from(bytes)));
                r.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                r
            }
            Err(_) => Response::new(Full::new(Bytes::from(body))),
        }
    } else {
        Response::new(Full::new(Bytes::from(body)))
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Encoding"),
    );
    response
}

/// Whether an `Accept-Encoding` header takes gzip (and does not refuse it with `q=0`).
fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let refused =
            parts.any(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f64>().ok()) == Some(0.0));
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
    })
}

fn gzipped(body: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::fast(),
    );
    encoder.write_all(body)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_port_binds_loopback() {
        assert_eq!(resolve("9464").unwrap(), "127.0.0.1:9464".parse().unwrap());
        assert_eq!(resolve(":0").unwrap(), "127.0.0.1:0".parse().unwrap());
        assert_eq!(resolve("0.0.0.0:1").unwrap(), "0.0.0.0:1".parse().unwrap());
        assert!(resolve("no such host:x").is_err());
    }

    #[test]
    fn gzip_negotiation() {
        assert!(accepts_gzip("gzip"));
        assert!(accepts_gzip("deflate, gzip;q=0.8"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("identity"));
    }

    #[test]
    fn secrets_compare_in_full() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"ab"));
    }
}
