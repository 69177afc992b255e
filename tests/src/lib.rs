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

/// Says that the running test skips its checks because `what` is missing: on the terminal,
/// past the test harness's capture of `eprintln!`, so that a skipped test is seen as one
/// even when the run passes. With `METERBOX_REQUIRE_TOOLS=1`, fails the test instead.
///
/// # Panics
///
/// When tools are required.
pub fn skip(what: &str) {
    assert!(
        !required(),
        "{what} is required (METERBOX_REQUIRE_TOOLS=1) but not installed"
    );
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED {test}: {what} is not installed (the README's test command installs it)"
    );
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
            skip(program);
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

/// `promtool <command> <file>` (such as `check rules` or `test rules`), with `files` (name
/// and text) written beside each other in a scratch directory first, so that a rule test
/// finds the rule file it names; `None` when promtool is not installed and tools are not
/// required.
///
/// # Panics
///
/// When a file cannot be written, or promtool is missing and required.
#[must_use]
pub fn promtool_on(
    files: &[(&str, &str)],
    command: [&str; 2],
    file: &str,
) -> Option<(bool, String)> {
    static SCRATCH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SCRATCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("meterbox-promtool-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let path = dir.join(file).display().to_string();
    let result = run_tool("promtool", &[command[0], command[1], &path], "");
    let _ = std::fs::remove_dir_all(&dir);
    result
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
        skip("the Python package prometheus_client");
        return None;
    }
    let (ok, out) = run_tool("python3", &["-c", SCRIPT], text)?;
    Some(if ok { Ok(out) } else { Err(out) })
}

/// `/metrics` at `addr` in both text formats, `(prometheus, openmetrics)`, each answered
/// with 200 and accepted by its checker: promtool without a warning, and the strict
/// `OpenMetrics` parser.
///
/// # Panics
///
/// When a scrape fails or a checker complains.
#[must_use]
pub fn scrape_checked(addr: std::net::SocketAddr) -> (String, String) {
    let scrape = |accept: &[(&str, &str)]| {
        let response = http_get(addr, "/metrics", accept).expect("a scrape");
        assert_eq!(response.status, 200);
        response.text()
    };
    let text = scrape(&[]);
    if let Some(complaints) = promtool_check(&text) {
        assert_eq!(complaints, "", "{text}");
    }
    let openmetrics = scrape(&[("Accept", "application/openmetrics-text; version=1.0.0")]);
    if let Some(parsed) = openmetrics_parse(&openmetrics) {
        parsed.unwrap_or_else(|e| panic!("{e}\n{openmetrics}"));
    }
    (text, openmetrics)
}

/// A response read off the wire by [`http_get`].
#[derive(Debug)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names in lower case, with their values.
    pub headers: Vec<(String, String)>,
    /// The body, as sent (still compressed if it was).
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of a header, by lower-case name.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one HTTP/1.1 request with `Connection: close` to a loopback server and reads the
/// whole answer: the tests look at status lines and bytes on the wire, which is what a
/// client library would hide.
///
/// # Errors
///
/// When the connection fails or the answer is not HTTP.
pub fn http_request(
    addr: std::net::SocketAddr,
    request_line: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<HttpResponse> {
    use std::io::Read as _;
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    let mut head = format!("{request_line} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        for part in [k, ": ", v, "\r\n"] {
            head.push_str(part);
        }
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw)
}

/// `GET path` with these headers; see [`http_request`].
///
/// # Errors
///
/// As [`http_request`].
pub fn http_get(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<HttpResponse> {
    http_request(addr, &format!("GET {path}"), headers)
}

fn parse_response(raw: &[u8]) -> std::io::Result<HttpResponse> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of head"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(HttpResponse {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    })
}

/// The path of an installed program, `None` when it is missing and tools are not required.
///
/// # Panics
///
/// When the program is missing and required.
#[must_use]
pub fn tool(program: &str) -> Option<std::path::PathBuf> {
    // Daemons live in sbin, which a user's PATH may leave out.
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|dir| dir.join(program))
        .find(|path| path.is_file());
    if found.is_none() {
        skip(program);
    }
    found
}

/// Serves `router` on a free loopback port from a two-worker runtime of its own, on a thread
/// of its own, for as long as the test runs.
///
/// # Panics
///
/// When no port can be bound.
#[must_use]
pub fn serve_axum(router: axum::Router) -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    let addr = listener.local_addr().expect("its address");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            axum::serve(listener, router).await.expect("serving");
        });
    });
    addr
}

/// A TCP port free on loopback now.
///
/// # Panics
///
/// When no port can be bound.
#[must_use]
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a free loopback port")
        .port()
}

/// A `redis-server` on a free loopback port, with every write on disk before it is
/// acknowledged (`appendfsync always`), so it can be killed and restarted without losing
/// what it answered for. Killed on drop.
pub struct RedisServer {
    binary: std::path::PathBuf,
    dir: std::path::PathBuf,
    child: Option<std::process::Child>,
    /// The port it listens on.
    pub port: u16,
}

impl RedisServer {
    /// Starts one; `None` when `redis-server` is missing and tools are not required.
    ///
    /// # Panics
    ///
    /// When it does not start.
    #[must_use]
    pub fn start(name: &str) -> Option<Self> {
        let binary = tool("redis-server")?;
        let dir =
            std::env::temp_dir().join(format!("meterbox-redis-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        let mut server = RedisServer {
            binary,
            dir,
            child: None,
            port: free_port(),
        };
        server.restart();
        Some(server)
    }

    /// `redis://127.0.0.1:<port>/`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills it at once, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it (again) on the same port and data, and waits until it answers.
    ///
    /// # Panics
    ///
    /// When it does not answer within 30 seconds.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new(&self.binary)
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .arg("--dir")
            .arg(&self.dir)
            .args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if self.ping() {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not answer"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    fn ping(&self) -> bool {
        use std::io::Read as _;
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(1)));
        let mut answer = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut answer).is_ok()
            && &answer == b"+PONG\r\n"
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

mod chromium;
mod otlp_receiver;
mod victoria;
pub use chromium::Chromium;
pub use otlp_receiver::OtlpReceiver;
pub use victoria::VictoriaMetrics;

/// A Prometheus server in a scratch directory, killed and cleaned up on drop.
pub struct Prometheus {
    child: std::process::Child,
    dir: std::path::PathBuf,
    port: u16,
}

impl Prometheus {
    /// Starts one scraping `127.0.0.1:<target_port>` every second.
    ///
    /// # Panics
    ///
    /// When it cannot be started.
    #[must_use]
    pub fn start(binary: &std::path::Path, target_port: u16) -> Self {
        Self::scraping(binary, target_port, &[])
    }

    /// Starts one scraping `127.0.0.1:<target_port>` every second, with `flags` more (such
    /// as `--enable-feature=exemplar-storage`).
    ///
    /// # Panics
    ///
    /// When it cannot be started.
    #[must_use]
    pub fn scraping(binary: &std::path::Path, target_port: u16, flags: &[&str]) -> Self {
        Self::start_with(
            binary,
            &format!("scrape-{target_port}"),
            &format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  \
                 - job_name: meterbox\n    static_configs:\n      \
                 - targets: ['127.0.0.1:{target_port}']\n"
            ),
            flags,
        )
    }

    /// The answer of `/api/v1/query_exemplars` for `query` over the last hour: its `data`.
    #[must_use]
    pub fn query_exemplars(&self, query: &str) -> serde_json::Value {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        let path = format!(
            "/api/v1/query_exemplars?query={}&start={}&end={}",
            url_encode(query),
            now - 3600,
            now + 60
        );
        http_get(addr, &path, &[])
            .ok()
            .and_then(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok())
            .map_or(serde_json::Value::Null, |json| json["data"].clone())
    }

    /// Starts one that scrapes nothing and receives remote write, exemplars too, at
    /// [`Prometheus::write_url`].
    ///
    /// # Panics
    ///
    /// When it cannot be started.
    #[must_use]
    pub fn receiver(binary: &std::path::Path, name: &str) -> Self {
        Self::start_with(
            binary,
            name,
            "global:\n  scrape_interval: 1m\n",
            &[
                "--web.enable-remote-write-receiver",
                "--enable-feature=exemplar-storage",
                "--enable-feature=native-histograms",
            ],
        )
    }

    fn start_with(binary: &std::path::Path, name: &str, config_text: &str, flags: &[&str]) -> Self {
        let dir =
            std::env::temp_dir().join(format!("meterbox-prometheus-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("prometheus.yml");
        std::fs::write(&config, config_text).unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
        let child = std::process::Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .args(flags)
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        let prometheus = Prometheus { child, dir, port };
        wait_until_ready(port, "/-/ready", &|| prometheus.log());
        prometheus
    }

    /// Where it receives remote write.
    #[must_use]
    pub fn write_url(&self) -> String {
        format!("http://127.0.0.1:{}/api/v1/write", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }

    /// The series of an instant query's answer: its `data.result`, `Null` when it failed.
    #[must_use]
    pub fn query_result(&self, query: &str) -> serde_json::Value {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        let path = format!("/api/v1/query?query={}", url_encode(query));
        http_get(addr, &path, &[])
            .ok()
            .and_then(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok())
            .map_or(serde_json::Value::Null, |json| {
                json["data"]["result"].clone()
            })
    }

    /// The value of an instant query with one series in its answer, if it has one.
    #[must_use]
    pub fn query(&self, query: &str) -> Option<f64> {
        instant_query(self.port, query)
    }

    /// Waits until `query` answers `want`.
    ///
    /// # Panics
    ///
    /// When it does not within 90 seconds.
    pub fn wait_for(&self, query: &str, want: f64) {
        wait_for_value(&|| self.query(query), want, query, &|| self.log());
    }
}

/// The value of an instant query to the Prometheus query API on `port`, with one series in
/// its answer, if it has one.
#[must_use]
pub fn instant_query(port: u16, query: &str) -> Option<f64> {
    let encoded = url_encode(query);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let response = http_get(addr, &format!("/api/v1/query?query={encoded}"), &[]).ok()?;
    let json: serde_json::Value = serde_json::from_slice(&response.body).ok()?;
    let result = json["data"]["result"].as_array()?;
    if result.len() != 1 {
        return None;
    }
    result[0]["value"][1].as_str()?.parse().ok()
}

/// `text` percent-encoded for a URL's query.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"_-.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Waits until `GET path` on `port` answers 200.
///
/// # Panics
///
/// When it does not within 60 seconds, with `log()`.
pub fn wait_until_ready(port: u16, path: &str, log: &dyn Fn() -> String) {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while http_get(addr, path, &[]).map_or(true, |r| r.status != 200) {
        assert!(
            std::time::Instant::now() < deadline,
            "no answer on {path}:\n{}",
            log()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Waits until `query()` answers `want`.
///
/// # Panics
///
/// When it does not within 90 seconds, with `log()`.
pub fn wait_for_value(
    query: &dyn Fn() -> Option<f64>,
    want: f64,
    what: &str,
    log: &dyn Fn() -> String,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let mut last = None;
    while std::time::Instant::now() < deadline {
        last = query();
        if last == Some(want) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    panic!("`{what}` answered {last:?}, not {want}; log:\n{}", log());
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
