//! A single-node `victoria-metrics` server in a scratch directory, killed and cleaned up on drop.

use crate::{free_port, instant_query, tool, wait_for_value, wait_until_ready};

/// A running `victoria-metrics`.
pub struct VictoriaMetrics {
    child: std::process::Child,
    dir: std::path::PathBuf,
    port: u16,
}

impl VictoriaMetrics {
    /// Starts one on a free loopback port; `None` when it is missing and tools are not
    /// required.
    ///
    /// # Panics
    ///
    /// When it cannot be started.
    #[must_use]
    pub fn start(name: &str) -> Option<Self> {
        let binary = tool("victoria-metrics")?;
        let dir =
            std::env::temp_dir().join(format!("meterbox-victoria-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.join("victoria.log")).unwrap();
        let child = std::process::Command::new(binary)
            .arg(format!("-httpListenAddr=127.0.0.1:{port}"))
            .arg(format!("-storageDataPath={}", dir.join("data").display()))
            // Queries see what was written a moment ago, not only what is 30 s old.
            .arg("-search.latencyOffset=0s")
            .arg("-search.disableCache")
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start victoria-metrics");
        let server = VictoriaMetrics { child, dir, port };
        wait_until_ready(port, "/health", &|| server.log());
        Some(server)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("victoria.log")).unwrap_or_default()
    }

    /// Where it receives Prometheus remote write.
    #[must_use]
    pub fn write_url(&self) -> String {
        format!("http://127.0.0.1:{}/api/v1/write", self.port)
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

impl Drop for VictoriaMetrics {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
