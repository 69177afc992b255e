//! The server: its settings, its thread and runtime, and the accept loop.

use std::convert::Infallible;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::deadline::DeadlineIo;
use super::renders::{Renders, Source};
use super::slots::Slots;
use crate::dashboard::History;
use crate::Format;

/// The port `serve` uses when given none: the one OpenTelemetry's Prometheus exporter
/// registered, which nothing else claims by default.
pub const DEFAULT_PORT: u16 = 9464;

/// The smallest request-head limit hyper takes.
const MIN_HEAD_BYTES: usize = 8192;

/// Connections waiting to be accepted; they are accepted as fast as they come.
const LISTEN_BACKLOG: u32 = 1024;

/// Serves `GET /metrics` (Prometheus text, or OpenMetrics when the `Accept` header asks for
/// it; gzip when `Accept-Encoding` does) and `GET /metrics.json` on `addr`, from a
/// background thread, until the handle is dropped or shut down.
///
/// `addr` is `host:port` (a `&str`, a `String` such as `format!("127.0.0.1:{port}")`); a
/// bare port (`"9464"` or `":9464"`) binds `127.0.0.1`, so listening on other interfaces
/// always takes an explicit address such as `0.0.0.0:9464`.
///
/// ```
/// let server = meterbox::serve("127.0.0.1:0")?;
/// println!("metrics on http://{}/metrics", server.local_addr());
/// server.shutdown();
///
/// let port = 0; // from configuration
/// let server = meterbox::serve(format!("127.0.0.1:{port}"))?;
/// assert!(server.local_addr().ip().is_loopback());
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
///
/// When the address does not resolve or cannot be bound.
pub fn serve(addr: impl AsRef<str>) -> io::Result<ServerHandle> {
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
    write_timeout: Duration,
    render_timeout: Duration,
    max_head_bytes: usize,
    /// The dashboard's interval and number of ticks kept, when it is on.
    dashboard: Option<(Duration, usize)>,
}

impl core::fmt::Debug for Server {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .field("own_source", &self.source.is_some())
            .field("max_connections", &self.max_connections)
            .field("head_timeout", &self.head_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("render_timeout", &self.render_timeout)
            .field("max_head_bytes", &self.max_head_bytes)
            .field("dashboard", &self.dashboard)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// An endpoint on `addr` (see [`serve`]) with the default limits: 1,024 connections at
    /// once, 5 seconds to send a request head, 10 seconds to render a response and 10 to take
    /// it, heads of at most 8 KiB.
    #[must_use]
    pub fn new(addr: impl AsRef<str>) -> Self {
        Self {
            addr: addr.as_ref().to_owned(),
            source: None,
            token: None,
            max_connections: 1024,
            head_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(10),
            render_timeout: Duration::from_secs(10),
            max_head_bytes: MIN_HEAD_BYTES,
            dashboard: Some((
                crate::dashboard::DEFAULT_INTERVAL,
                crate::dashboard::DEFAULT_TICKS,
            )),
        }
    }

    /// Serves what `render` returns instead of this program's registry, such as another
    /// store's contents. It runs on a blocking thread, so a slow source delays only its own
    /// scrapes; an `Err` is answered with 503 and the message. The dashboard, which shows this
    /// program's registry, is then off.
    #[must_use]
    pub fn source(
        mut self,
        render: impl Fn(Format) -> Result<String, String> + Send + Sync + 'static,
    ) -> Self {
        self.source = Some(Arc::new(render));
        self.dashboard = None;
        self
    }

    /// The dashboard at `/` draws the last `ticks` values, one taken every `interval`
    /// (by default 180 ticks of 5 seconds: 15 minutes). Its memory is 8 bytes a number per
    /// tick: a counter or gauge series is one number, a histogram series its buckets and
    /// sum, and a tick keeps at most 16,384 numbers, so at most 128 KiB a tick.
    #[must_use]
    pub fn dashboard_history(mut self, interval: Duration, ticks: usize) -> Self {
        self.dashboard = Some((interval.max(Duration::from_millis(100)), ticks.max(2)));
        self
    }

    /// No dashboard: `/` is not served and no values are kept.
    #[must_use]
    pub fn without_dashboard(mut self) -> Self {
        self.dashboard = None;
        self
    }

    /// Requires `Authorization: Bearer <token>` on every request (the scheme in any case);
    /// others get 401.
    #[must_use]
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// How many connections are open at once (at least 1). A connection past the limit is
    /// still accepted: the oldest one not waiting for a render is closed to make room, so a
    /// scraper gets in however many idle, slow or hostile connections there are.
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

    /// How long a client has to take a whole response once the server starts writing it; a
    /// client that reads slower, or not at all, is disconnected.
    #[must_use]
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// How long a request waits for its response to be rendered before it is answered with
    /// 503. Requests that arrive while a render of the same format runs share it.
    #[must_use]
    pub fn render_timeout(mut self, timeout: Duration) -> Self {
        self.render_timeout = timeout;
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
        let addr = resolve(&self.addr)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let listener = {
            let _context = runtime.enter();
            let socket = if addr.is_ipv4() {
                tokio::net::TcpSocket::new_v4()?
            } else {
                tokio::net::TcpSocket::new_v6()?
            };
            socket.set_reuseaddr(true)?;
            socket.bind(addr)?;
            socket.listen(LISTEN_BACKLOG)?
        };
        let local_addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
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
    let slots = Slots::new(server.max_connections);
    let renders = Renders::new(server.source.clone(), server.render_timeout);
    let token: Option<Arc<str>> = server.token.as_deref().map(Arc::from);
    let dashboard = server.dashboard.map(|(interval, ticks)| {
        let history = Arc::new(History::new(interval, ticks));
        tokio::spawn(keep_history(Arc::clone(&history)));
        history
    });
    loop {
        let accepted = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else {
            // Out of descriptors or a reset before accept: wait a little, go on.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        // Every slot waiting for a render: the newcomer is turned away at once.
        let Some((slot, closed)) = slots.take() else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(DeadlineIo::new(stream, server.write_timeout));
        let token = token.clone();
        let renders = Arc::clone(&renders);
        let dashboard = dashboard.clone();
        let state = Arc::clone(&slot.state);
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(server.head_timeout)
            .max_buf_size(server.max_head_bytes)
            .serve_connection(
                io,
                service_fn(move |request| {
                    let token = token.clone();
                    let renders = Arc::clone(&renders);
                    let dashboard = dashboard.clone();
                    let state = Arc::clone(&state);
                    async move {
                        state.store(super::slots::RENDERING, Ordering::Release);
                        let response = super::respond::respond(
                            &request,
                            token.as_deref(),
                            &renders,
                            dashboard.as_ref(),
                        )
                        .await;
                        state.store(super::slots::SERVED, Ordering::Release);
                        Ok::<_, Infallible>(response)
                    }
                }),
            );
        tokio::spawn(async move {
            let _slot = slot;
            tokio::select! {
                _ = connection => {}
                // Another connection needed the room.
                _ = closed => {}
            }
        });
    }
}

/// Takes the dashboard's ticks for as long as the server runs, each on the blocking pool.
async fn keep_history(history: Arc<History>) {
    let mut ticks = tokio::time::interval(history.interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let history = Arc::clone(&history);
        let _ = tokio::task::spawn_blocking(move || crate::dashboard::record(&history)).await;
    }
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
}
