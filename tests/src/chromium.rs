//! A headless Chromium driven through the `DevTools` protocol: open a page, evaluate script in
//! it, take a screenshot, and hear every console error and uncaught exception.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// Browsers started so far in this process.
static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A browser with one page, killed on drop.
pub struct Chromium {
    child: Child,
    dir: std::path::PathBuf,
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Console errors, exceptions and failed loads the page reported, as text.
    pub errors: Vec<String>,
}

impl Chromium {
    /// Starts one with a blank page; `None` when it is not installed and tools are not
    /// required.
    ///
    /// # Panics
    ///
    /// When it cannot be started or spoken to.
    #[must_use]
    pub fn start() -> Option<Self> {
        let binary = crate::tool("chromium")?;
        // A profile of its own: two browsers cannot share one.
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("meterbox-chromium-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = Command::new(binary)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--window-size=1280,900",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", dir.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium starts");
        // It says where its DevTools listen on stderr: `DevTools listening on ws://…`.
        let stderr = child.stderr.take().expect("stderr");
        let (found, port) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut found = Some(found);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("ws://127.0.0.1:").nth(1) {
                    let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    if let Some(found) = found.take() {
                        let _ = found.send(port);
                    }
                }
            }
        });
        let port = port
            .recv_timeout(Duration::from_secs(30))
            .expect("chromium says where its DevTools listen");
        let targets = targets(&port);
        let url = targets
            .as_array()
            .and_then(|t| t.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("a page")
            .to_owned();
        let (socket, _) = tungstenite::connect(url).expect("the page's DevTools socket");
        if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
        }
        let mut browser = Self {
            child,
            dir,
            socket,
            next_id: 0,
            errors: Vec::new(),
        };
        for domain in ["Runtime.enable", "Log.enable", "Page.enable"] {
            browser.call(domain, &json!({}));
        }
        Some(browser)
    }

    /// Sends `method` and returns its result, noting the events that arrive meanwhile.
    ///
    /// # Panics
    ///
    /// When the browser answers with an error or not at all.
    pub fn call(&mut self, method: &str, params: &Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({"id": id, "method": method, "params": params}).to_string();
        self.socket
            .send(Message::text(message))
            .expect("the DevTools socket takes a message");
        loop {
            let message = self.socket.read().expect("an answer from the browser");
            let Message::Text(text) = message else {
                continue;
            };
            let value: Value = serde_json::from_str(text.as_str()).expect("JSON");
            if value["id"] == id {
                assert!(value.get("error").is_none(), "{method}: {value}");
                return value["result"].clone();
            }
            self.note(&value);
        }
    }

    fn note(&mut self, event: &Value) {
        let params = &event["params"];
        match event["method"].as_str() {
            Some("Runtime.exceptionThrown") => self
                .errors
                .push(format!("exception: {}", params["exceptionDetails"])),
            Some("Runtime.consoleAPICalled")
                if matches!(
                    params["type"].as_str(),
                    Some("error" | "warning" | "assert")
                ) =>
            {
                self.errors.push(format!("console: {}", params["args"]));
            }
            Some("Log.entryAdded") if params["entry"]["level"] == "error" => {
                self.errors.push(format!("log: {}", params["entry"]));
            }
            _ => {}
        }
    }

    /// Opens `url`.
    pub fn open(&mut self, url: &str) {
        self.call("Page.navigate", &json!({"url": url}));
    }

    /// The value of `expression` evaluated in the page (awaited if it is a promise).
    ///
    /// # Panics
    ///
    /// When it throws.
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            &json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(
            result.get("exceptionDetails").is_none(),
            "{expression}: {result}"
        );
        result["result"]["value"].clone()
    }

    /// Waits until `expression` is true in the page; while it throws (the page still
    /// loading), it is false.
    ///
    /// # Panics
    ///
    /// After `timeout`.
    pub fn wait_until(&mut self, expression: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let guarded = format!(
            "(() => {{ try {{ return !!({expression}); }} catch (e) {{ return false; }} }})()"
        );
        while self.eval(&guarded) != Value::Bool(true) {
            assert!(
                Instant::now() < deadline,
                "{expression} still false; errors: {:?}",
                self.errors
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A PNG of the page as it is shown.
    ///
    /// # Panics
    ///
    /// When the browser sends no image.
    pub fn screenshot(&mut self) -> Vec<u8> {
        use base64::Engine as _;
        let shot = self.call(
            "Page.captureScreenshot",
            &json!({"format": "png", "captureBeyondViewport": true}),
        );
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("image data"))
            .expect("base64")
    }
}

/// The browser's targets from `/json/list`. Its server keeps the connection open whatever
/// the request says, so the body is read to its `Content-Length`.
fn targets(port: &str) -> Value {
    use std::io::{Read as _, Write as _};
    let mut stream = TcpStream::connect(format!("127.0.0.1:{port}")).expect("DevTools answer");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    // The socket URLs it answers with take their address from `Host`.
    stream
        .write_all(format!("GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes())
        .unwrap();
    let mut raw = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let n = stream.read(&mut buffer).expect("the DevTools list");
        assert!(n > 0, "the DevTools server closed early");
        raw.extend_from_slice(&buffer[..n]);
        let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("a Content-Length");
        if raw.len() >= end + 4 + length {
            return serde_json::from_slice(&raw[end + 4..end + 4 + length]).expect("JSON");
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.socket.close(None);
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
