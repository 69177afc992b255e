//! `HttpJsonSurfacer` against a collector: a real HTTP server (Python's `http.server`)
//! that stores each batch, and answers 503 while told to, so retries and recovery show.

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use meterbox::{metric, Counter, HttpJsonSurfacer, Reporter};
use meterbox_tests::{free_port, tool};

/// Uploads counted for the collector test.
#[metric]
static COLLECTED_UPLOADS_TOTAL: Counter = Counter::new();

const COLLECTOR: &str = r#"
import http.server, json, os, sys
port, folder = int(sys.argv[1]), sys.argv[2]
class Collector(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if os.path.exists(os.path.join(folder, "fail")):
            self.send_response(503)
            self.end_headers()
            self.wfile.write(b"busy")
            return
        n = len([f for f in os.listdir(folder) if f.startswith("batch")])
        record = {"key": self.headers.get("X-Api-Key"), "body": json.loads(body)}
        with open(os.path.join(folder, "batch-%06d.json" % n), "w") as f:
            json.dump(record, f)
        self.send_response(204)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Collector).serve_forever()
"#;

struct Collector {
    child: Child,
    dir: PathBuf,
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn posts_json_batches_and_retries_through_a_busy_collector() {
    let Some(python) = tool("python3") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("meterbox-collector-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("fail"), "").unwrap();
    let port = free_port();
    let child = Command::new(python)
        .args(["-c", COLLECTOR, &port.to_string(), &dir.to_string_lossy()])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let collector = Collector { child, dir };

    COLLECTED_UPLOADS_TOTAL.inc_by(42);
    let failures = Arc::new(AtomicUsize::new(0));
    let statuses = Arc::new(Mutex::new(Vec::new()));
    let reporter = {
        let (failures, statuses) = (Arc::clone(&failures), Arc::clone(&statuses));
        Reporter::builder()
            .interval(Duration::from_millis(50))
            .surfacer(
                HttpJsonSurfacer::new(format!("http://127.0.0.1:{port}/ingest"))
                    .header("X-Api-Key", "k-123"),
            )
            .retries(1, Duration::from_millis(5))
            .tag("service", "uploads")
            .env_tags(false)
            .host_tag(false)
            .error_handler(move |report| {
                failures.fetch_add(report.errors.len(), Ordering::Relaxed);
                statuses.lock().unwrap().push(report.status);
            })
            .start()
            .unwrap()
    };
    // Busy answers, then (once the server is up) 503s.
    wait_until("503 answers", || {
        statuses.lock().unwrap().contains(&Some(503))
    });
    fs::remove_file(collector.dir.join("fail")).unwrap();
    let batch = collector.dir.join("batch-000000.json");
    wait_until("a stored batch", || batch.exists());
    reporter.stop();

    let record: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&batch).unwrap()).unwrap();
    assert_eq!(record["key"], "k-123");
    let body = &record["body"];
    assert!(body["timestamp_ms"].as_u64().unwrap() > 1_600_000_000_000);
    let family = body["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "collected_uploads_total")
        .expect("the counter in the batch");
    assert_eq!(family["series"][0]["value"], 42);
    assert_eq!(family["series"][0]["labels"]["service"], "uploads");
    assert!(failures.load(Ordering::Relaxed) >= 2);
}
