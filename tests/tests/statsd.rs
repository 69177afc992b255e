//! `StatsdSurfacer` against a real StatsD-speaking server: collectd's statsd plugin (the
//! Debian package `collectd-core`), whose csv plugin writes what it aggregated to files
//! read back here.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use meterbox::{metric, snapshot, Counter, Gauge, Histogram, StatsdSurfacer, Surfacer};
use meterbox_tests::tool;

/// Messages sent, for the statsd test.
#[metric]
static STATSD_SENT_TOTAL: Counter = Counter::new();

/// Queue depth, for the statsd test.
#[metric]
static STATSD_DEPTH: Gauge = Gauge::new();

/// Send time, for the statsd test.
#[metric(unit = "seconds")]
static STATSD_SEND_SECONDS: Histogram = Histogram::for_durations();

struct Collectd {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Collectd {
    fn start(binary: &Path) -> Self {
        let dir = std::env::temp_dir().join(format!("meterbox-collectd-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .unwrap()
            .port();
        let d = dir.display();
        fs::write(
            dir.join("collectd.conf"),
            format!(
                "Hostname \"meterbox\"\nFQDNLookup false\nInterval 1\nBaseDir \"{d}\"\n\
                 PIDFile \"{d}/collectd.pid\"\nPluginDir \"/usr/lib/collectd\"\n\
                 TypesDB \"/usr/share/collectd/types.db\"\nLoadPlugin statsd\nLoadPlugin csv\n\
                 <Plugin statsd>\n  Host \"127.0.0.1\"\n  Port \"{port}\"\n</Plugin>\n\
                 <Plugin csv>\n  DataDir \"{d}/csv\"\n  StoreRates false\n</Plugin>\n"
            ),
        )
        .unwrap();
        let child = Command::new(binary)
            .args(["-f", "-C"])
            .arg(dir.join("collectd.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start collectd");
        Collectd { child, dir, port }
    }

    /// The newest value collectd wrote for `file` (its name without the date).
    fn value(&self, file: &str) -> Option<f64> {
        let folder = self.dir.join("csv/meterbox/statsd");
        let entry = fs::read_dir(folder)
            .ok()?
            .filter_map(Result::ok)
            .find(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{file}-2"))
            })?;
        fs::read_to_string(entry.path())
            .ok()?
            .lines()
            .filter_map(|l| l.split(',').nth(1)?.parse::<f64>().ok())
            .rfind(|v| !v.is_nan())
    }

    fn wait_for(&self, file: &str, want: f64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = self.value(file);
            if got.is_some_and(|v| (v - want).abs() < 1e-9) {
                return;
            }
            assert!(Instant::now() < deadline, "{file}: {got:?}, not {want}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Collectd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn collectd_sums_the_changes_to_the_exact_total() {
    let Some(binary) = tool("collectd") else {
        return;
    };
    let collectd = Collectd::start(&binary);
    // Datagrams sent before collectd opens its socket are lost: probe until one arrives.
    let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while collectd.value("gauge-probe").is_none() {
        assert!(Instant::now() < deadline, "collectd did not start");
        let _ = probe.send_to(b"probe:1|g", ("127.0.0.1", collectd.port));
        std::thread::sleep(Duration::from_millis(200));
    }
    let statsd = StatsdSurfacer::new(format!("127.0.0.1:{}", collectd.port)).unwrap();
    STATSD_DEPTH.set(3.5);
    STATSD_SEND_SECONDS.observe(0.012);
    STATSD_SEND_SECONDS.observe(0.020);
    for n in [5, 7, 8] {
        STATSD_SENT_TOTAL.inc_by(n);
        statsd.surface(&snapshot()).unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    collectd.wait_for("derive-statsd_sent_total", 20.0);
    collectd.wait_for("gauge-statsd_depth", 3.5);
    // One timer of the two observations' mean, 16 ms; collectd stores seconds.
    collectd.wait_for("latency-statsd_send_seconds-average", 0.016);
    collectd.wait_for("derive-statsd_send_seconds.count", 2.0);
}
