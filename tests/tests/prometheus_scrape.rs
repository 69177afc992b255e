//! A real Prometheus (the Debian package) scrapes `meterbox::serve`, and its query API
//! returns the values the program recorded: a counter, a labelled family and a histogram.

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use meterbox::{metric, serve, Counter, Family, Histogram};
use meterbox_tests::{free_port, http_get, tool};

/// Orders placed, for the scrape test.
#[metric]
static SCRAPED_ORDERS_TOTAL: Counter = Counter::new();

/// Requests by method and status, for the scrape test.
#[metric]
static SCRAPED_REQUESTS_TOTAL: Family<Counter, 2> = Family::new(["method", "status"]);

/// Latency, for the scrape test.
#[metric(unit = "seconds")]
static SCRAPED_LATENCY_SECONDS: Histogram = Histogram::new(&[0.5, 1.0]);

/// A Prometheus server in a scratch directory, killed and cleaned up on drop.
struct Prometheus {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Prometheus {
    fn start(binary: &std::path::Path, target_port: u16) -> Self {
        let dir = std::env::temp_dir().join(format!("meterbox-prometheus-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let config = dir.join("prometheus.yml");
        fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  \
                 - job_name: meterbox\n    static_configs:\n      \
                 - targets: ['127.0.0.1:{target_port}']\n"
            ),
        )
        .unwrap();
        let port = free_port();
        let log = fs::File::create(dir.join("prometheus.log")).unwrap();
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        Prometheus { child, dir, port }
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }

    /// The value of an instant query with one series in its answer, if it has one.
    fn query(&self, query: &str) -> Option<f64> {
        let encoded: String = query
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"_-.".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        let response = http_get(addr, &format!("/api/v1/query?query={encoded}"), &[]).ok()?;
        let json: serde_json::Value = serde_json::from_slice(&response.body).ok()?;
        let result = json["data"]["result"].as_array()?;
        if result.len() != 1 {
            return None;
        }
        result[0]["value"][1].as_str()?.parse().ok()
    }

    /// Waits until `query` answers `want`.
    fn wait_for(&self, query: &str, want: f64) {
        let deadline = Instant::now() + Duration::from_secs(90);
        let mut last = None;
        while Instant::now() < deadline {
            last = self.query(query);
            if last == Some(want) {
                return;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        panic!(
            "`{query}` answered {last:?}, not {want}; prometheus log:\n{}",
            self.log()
        );
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn prometheus_scrapes_the_endpoint_and_sees_the_values() {
    let Some(binary) = tool("prometheus") else {
        return;
    };
    SCRAPED_ORDERS_TOTAL.inc_by(7);
    SCRAPED_REQUESTS_TOTAL.with(["GET", "200"]).inc_by(3);
    SCRAPED_REQUESTS_TOTAL.with(["POST", "500"]).inc();
    SCRAPED_LATENCY_SECONDS.observe(0.3);
    SCRAPED_LATENCY_SECONDS.observe(0.7);
    let server = serve(":0").unwrap();
    let prometheus = Prometheus::start(&binary, server.local_addr().port());

    prometheus.wait_for(r#"up{job="meterbox"}"#, 1.0);
    prometheus.wait_for("scraped_orders_total", 7.0);
    prometheus.wait_for(r#"scraped_requests_total{method="GET",status="200"}"#, 3.0);
    prometheus.wait_for(r#"scraped_requests_total{method="POST",status="500"}"#, 1.0);
    prometheus.wait_for(r#"scraped_latency_seconds_bucket{le="0.5"}"#, 1.0);
    prometheus.wait_for(r#"scraped_latency_seconds_bucket{le="+Inf"}"#, 2.0);
    prometheus.wait_for("scraped_latency_seconds_count", 2.0);
    // A later change is seen by a later scrape.
    SCRAPED_ORDERS_TOTAL.inc();
    prometheus.wait_for("scraped_orders_total", 8.0);
    drop(prometheus);
    server.shutdown();
}
