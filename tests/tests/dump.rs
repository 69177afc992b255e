//! The dump at exit: to a file at the end of main, to stderr, on SIGTERM and SIGINT, and a
//! clear message (not a panic) when the file cannot be written.

use std::io::{BufRead, BufReader};
#[cfg(unix)]
use std::os::unix::process::ExitStatusExt as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn child() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dump_child"))
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meterbox-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir.join(name)
}

#[test]
fn dump_to_file_at_end_of_main() {
    let path = temp_path("end.prom");
    let out = child().arg(&path).output().expect("run child");
    assert!(out.status.success());
    let text = std::fs::read_to_string(&path).expect("dump written");
    assert!(
        text.contains(r#"function_calls_total{function="work",module="dump_child",result="ok"} 2"#),
        "{text}"
    );
}

#[test]
fn dump_table_to_stderr() {
    let out = child().arg("-").output().expect("run child");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let row = stderr
        .lines()
        .find(|l| l.contains("function=work") && l.contains("result=ok"))
        .unwrap_or_else(|| panic!("no row in {stderr}"));
    assert_eq!(row.split_whitespace().nth(4), Some("2"), "{row}");
}

#[test]
fn unwritable_path_reports_and_exits_normally() {
    let path = temp_path("no/such/dir/dump.prom");
    let out = child().arg(&path).output().expect("run child");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "done");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("meterbox: cannot write the metrics dump to")
            && stderr.contains("dump.prom"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The child dumping to `path`, once it says it is ready.
fn ready_child(path: &std::path::Path, mode: &str) -> std::process::Child {
    let mut child = child()
        .arg(path)
        .arg(mode)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read ready line");
    assert_eq!(line.trim(), "ready");
    child
}

#[cfg(unix)]
fn dump_on_signal(signal: &str, name: &str) {
    let path = temp_path(name);
    let mut child = ready_child(&path, "wait");
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let status = child.wait().expect("wait child");
    // Without a handler of its own, the program ends by the signal, as it would have.
    let number = if signal == "-TERM" { 15 } else { 2 };
    assert_eq!(status.signal(), Some(number), "{status:?}");
    let text = std::fs::read_to_string(&path).expect("dump written on signal");
    assert!(text.contains(r#"result="ok"} 2"#), "{text}");
}

#[test]
#[cfg(unix)]
fn a_second_signal_during_a_slow_dump_exits_at_once_and_leaves_the_old_file_whole() {
    let path = temp_path("slow.prom");
    std::fs::write(&path, "previous dump\n").expect("an earlier dump");
    let mut child = ready_child(&path, "slow");
    let kill = |signal: &str| {
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    };
    kill("-TERM");
    // The dump now reads a gauge that takes 3 s.
    std::thread::sleep(Duration::from_millis(500));
    let second = Instant::now();
    kill("-TERM");
    let status = child.wait().expect("wait child");
    assert!(
        second.elapsed() < Duration::from_secs(2),
        "{:?}",
        second.elapsed()
    );
    assert_eq!(status.code(), Some(128 + 15), "{status:?}");
    // The dump never completed: the earlier file is still there, whole.
    assert_eq!(
        std::fs::read_to_string(&path).expect("still there"),
        "previous dump\n"
    );
    let dir = path.parent().expect("a directory");
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("slow.prom."))
        .collect();
    assert!(
        leftovers.len() <= 1,
        "at most the interrupted temporary file"
    );
}

#[test]
#[cfg(unix)]
fn dump_on_sigterm() {
    dump_on_signal("-TERM", "term.prom");
}

#[test]
#[cfg(unix)]
fn dump_on_sigint() {
    dump_on_signal("-INT", "int.prom");
}

#[test]
#[cfg(unix)]
fn an_application_that_handles_sigterm_keeps_control_of_its_shutdown() {
    let path = temp_path("graceful.prom");
    let mut child = Command::new(env!("CARGO_BIN_EXE_graceful_server"))
        .arg(&path)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the port");
    let port: u16 = line
        .trim()
        .strip_prefix("listening ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let request = std::thread::spawn(move || meterbox_tests::http_get(addr, "/slow", &[]));
    // SIGTERM while the request is in flight.
    std::thread::sleep(Duration::from_millis(300));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let response = request.join().expect("the client").expect("a response");
    assert_eq!((response.status, response.text()), (200, "done".to_owned()));
    let status = child.wait().expect("wait for the server");
    assert_eq!(
        status.code(),
        Some(7),
        "the application's own status: {status:?}"
    );
    let text = std::fs::read_to_string(&path).expect("the final dump");
    assert!(
        text.contains(
            r#"function_calls_total{function="slow",module="graceful_server",result="ok"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains("\ndrained_total 1\n"),
        "the drain's work: {text}"
    );
}
