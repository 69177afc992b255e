//! `GraphiteSurfacer` against a real carbon-cache (the Debian package `graphite-carbon`),
//! verified by reading the stored whisper files back with `whisper-fetch`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use meterbox::{metric, snapshot, Family, Gauge, GraphiteLabels, GraphiteSurfacer, Surfacer};
use meterbox_tests::{free_port, tool};

/// Queue depth by queue, for the Graphite test.
#[metric]
static CARBON_QUEUE_DEPTH: Family<Gauge, 1> = Family::new(["queue"]);

struct Carbon {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Carbon {
    fn start(binary: &Path) -> Self {
        let dir = std::env::temp_dir().join(format!("meterbox-carbon-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("whisper")).unwrap();
        fs::create_dir_all(dir.join("log")).unwrap();
        let port = free_port();
        let d = dir.display();
        fs::write(
            dir.join("carbon.conf"),
            format!(
                "[cache]\nSTORAGE_DIR = {d}/\nLOCAL_DATA_DIR = {d}/whisper/\nCONF_DIR = {d}/\n\
                 LOG_DIR = {d}/log/\nPID_DIR = {d}/\nUSER =\nMAX_CACHE_SIZE = inf\n\
                 MAX_UPDATES_PER_SECOND = inf\nMAX_CREATES_PER_MINUTE = inf\n\
                 LINE_RECEIVER_INTERFACE = 127.0.0.1\nLINE_RECEIVER_PORT = {port}\n\
                 ENABLE_UDP_LISTENER = False\nPICKLE_RECEIVER_INTERFACE = 127.0.0.1\n\
                 PICKLE_RECEIVER_PORT = {}\nCACHE_QUERY_INTERFACE = 127.0.0.1\n\
                 CACHE_QUERY_PORT = {}\nWHISPER_AUTOFLUSH = True\nENABLE_TAGS = False\n\
                 LOG_UPDATES = False\n",
                free_port(),
                free_port()
            ),
        )
        .unwrap();
        fs::write(
            dir.join("storage-schemas.conf"),
            "[everything]\npattern = .*\nretentions = 1s:1h\n",
        )
        .unwrap();
        let child = Command::new(binary)
            .arg(format!("--config={d}/carbon.conf"))
            .arg(format!("--pidfile={d}/carbon.pid"))
            .args(["--nodaemon", "start"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start carbon-cache");
        let carbon = Carbon { child, dir, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", carbon.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "carbon-cache did not start listening"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        carbon
    }

    /// The newest non-empty value stored for a dotted path, if any.
    fn stored(&self, fetch: &Path, path: &str) -> Option<f64> {
        let file = self
            .dir
            .join("whisper")
            .join(format!("{}.wsp", path.replace('.', "/")));
        if !file.exists() {
            return None;
        }
        let out = Command::new(fetch)
            .arg("--from=0")
            .arg(&file)
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .next_back()
    }
}

impl Drop for Carbon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn carbon_stores_what_was_sent() {
    let (Some(cache), Some(fetch)) = (tool("carbon-cache"), tool("whisper-fetch")) else {
        return;
    };
    let carbon = Carbon::start(&cache);
    CARBON_QUEUE_DEPTH.with(["mail"]).set(17.0);
    CARBON_QUEUE_DEPTH.with(["sms out"]).set(2.5);
    let graphite = GraphiteSurfacer::new(format!("127.0.0.1:{}", carbon.port))
        .prefix("meterbox_test")
        .labels(GraphiteLabels::Path);
    graphite.surface(&snapshot()).unwrap();

    let deadline = Instant::now() + Duration::from_secs(60);
    let wanted = [
        ("meterbox_test.carbon_queue_depth.queue.mail", 17.0),
        ("meterbox_test.carbon_queue_depth.queue.sms_out", 2.5),
    ];
    for (path, value) in wanted {
        loop {
            if carbon.stored(&fetch, path) == Some(value) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{path} was not stored as {value}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    // Nothing listening: a retryable error, not a hang.
    let port = carbon.port;
    drop(carbon);
    let err = GraphiteSurfacer::new(format!("127.0.0.1:{port}"))
        .surface(&snapshot())
        .unwrap_err();
    assert!(err.retryable, "{err}");
}
