//! An OTLP/HTTP receiver that decodes each request with the official Python
//! `opentelemetry-proto` package, keeps it as JSON, and can refuse the first requests with
//! 429 and a `Retry-After`.

use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};

use crate::{run_tool, skip};

const SCRIPT: &str = r#"
import http.server, json, sys, time
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as service

out, refuse = sys.argv[1], int(sys.argv[2])
state = {"refuse": refuse}

class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        arrived = time.time()
        if state["refuse"] > 0:
            state["refuse"] -= 1
            self.send_response(429)
            self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            with open(out, "a") as f:
                f.write(json.dumps({"refused_at": arrived}) + "\n")
            return
        request = service.ExportMetricsServiceRequest()
        request.ParseFromString(body)
        record = MessageToDict(request)
        record["path"] = self.path
        record["arrived_at"] = arrived
        record["headers"] = {k.lower(): v for k, v in self.headers.items()}
        with open(out, "a") as f:
            f.write(json.dumps(record) + "\n")
        answer = service.ExportMetricsServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

/// A running receiver; killed on drop.
pub struct OtlpReceiver {
    child: Child,
    out: std::path::PathBuf,
    /// The port it listens on.
    pub port: u16,
}

impl OtlpReceiver {
    /// Starts one that answers the first `refuse` requests with 429 and `Retry-After: 1`;
    /// `None` when Python or its `opentelemetry-proto` package is missing and tools are not
    /// required.
    ///
    /// # Panics
    ///
    /// When it does not start.
    #[must_use]
    pub fn start(name: &str, refuse: u32) -> Option<Self> {
        let probe = run_tool(
            "python3",
            &["-c", "import opentelemetry.proto.collector.metrics.v1"],
            "",
        )?;
        if !probe.0 {
            skip("the Python package opentelemetry-proto");
            return None;
        }
        let out =
            std::env::temp_dir().join(format!("meterbox-otlp-{name}-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&out);
        let mut child = Command::new("python3")
            .args(["-c", SCRIPT])
            .arg(&out)
            .arg(refuse.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the OTLP receiver");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("its stdout"))
            .read_line(&mut line)
            .expect("the receiver's port");
        let port = line.trim().parse().expect("a port number");
        Some(OtlpReceiver { child, out, port })
    }

    /// Its base URL.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request it received so far, decoded, in order; refusals as
    /// `{"refused_at": seconds}`.
    #[must_use]
    pub fn received(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.out);
    }
}
