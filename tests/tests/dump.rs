//! The dump at exit: to a file at the end of main, to stderr, on SIGTERM and SIGINT, and a
//! clear message (not a panic) when the file cannot be written.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

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

fn dump_on_signal(signal: &str, name: &str) {
    let path = temp_path(name);
    let mut child = child()
        .arg(&path)
        .arg("wait")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read ready line");
    assert_eq!(line.trim(), "ready");
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let status = child.wait().expect("wait child");
    assert!(!status.success(), "the signal still ends the process");
    let text = std::fs::read_to_string(&path).expect("dump written on signal");
    assert!(text.contains(r#"result="ok"} 2"#), "{text}");
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
