//! The endpoint stays available to a scraper whatever other clients do: peers that never
//! read their responses, thousands of slowloris connections, and a flood of large JSON
//! requests. Each scenario runs against a real server on a loopback port, with real sockets,
//! and a scrape must be answered within 1 s throughout, with the process's memory bounded.

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use meterbox::{metric, Counter, Family, Server};

/// Series for the flood: 20,000 of them make a JSON document of a few megabytes, slow to
/// render in a debug build.
#[metric]
static FLOOD_SERIES_TOTAL: Family<Counter, 1> = Family::new(["id"]).with_limit(20_000);

/// The process's resident memory, in bytes.
fn resident() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// How many slowloris peers this process can hold: 2,000, or fewer under a low limit of open
/// files, as each peer takes a descriptor here and one in the server.
fn slowloris_peers() -> usize {
    let limit = std::fs::read_to_string("/proc/self/limits")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3)?.parse::<usize>().ok())
        .unwrap_or(usize::MAX);
    let peers = 2_000.min(limit.saturating_sub(300) / 2);
    if peers < 2_000 {
        eprintln!("{peers} slowloris peers only: the limit of open files is {limit}");
    }
    peers
}

/// One whole scrape of `path` on a new connection; how long it took, or why it failed.
fn scrape(addr: SocketAddr, path: &str) -> Result<(Duration, usize), String> {
    let started = Instant::now();
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&response[..response.len().min(64)]).into_owned();
    if !text.starts_with("HTTP/1.1 200") {
        return Err(format!("answered {text:?}"));
    }
    Ok((started.elapsed(), response.len()))
}

/// Scrapes `/metrics` every 100 ms for `how_long`; the slowest answer.
fn slowest_scrape(addr: SocketAddr, how_long: Duration) -> Duration {
    let end = Instant::now() + how_long;
    let mut slowest = Duration::ZERO;
    let mut scrapes = 0;
    while Instant::now() < end {
        let (took, _) = scrape(addr, "/metrics").unwrap_or_else(|e| panic!("a scrape failed: {e}"));
        slowest = slowest.max(took);
        scrapes += 1;
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(scrapes >= 5, "{scrapes} scrapes");
    eprintln!("{scrapes} scrapes, the slowest in {slowest:?}");
    slowest
}

#[test]
fn scrapes_are_answered_while_hundreds_of_peers_never_read() {
    // A body large enough to fill the peers' socket buffers.
    let body = "x_total 1\n".repeat(400_000);
    let server = Server::new(":0")
        .max_connections(64)
        .write_timeout(Duration::from_secs(30))
        .source(move |_| Ok(body.clone()))
        .start()
        .unwrap();
    let addr = server.local_addr();
    let before = resident();
    let mut peers = Vec::new();
    for _ in 0..300 {
        let Ok(mut peer) = TcpStream::connect(addr) else {
            continue;
        };
        let _ = peer.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        peers.push(peer);
    }
    std::thread::sleep(Duration::from_millis(500));
    let slowest = slowest_scrape(addr, Duration::from_secs(3));
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
    let grown = resident().saturating_sub(before);
    assert!(grown < 200 << 20, "memory grew by {} MB", grown >> 20);
    drop(peers);
}

#[test]
fn a_peer_that_stops_reading_is_cut_off_at_the_write_timeout() {
    // Larger than what the kernel buffers of both ends hold on loopback.
    let body = "y_total 1\n".repeat(5_000_000);
    let length = body.len();
    let server = Server::new(":0")
        .write_timeout(Duration::from_secs(1))
        .source(move |_| Ok(body.clone()))
        .start()
        .unwrap();
    let mut peer = TcpStream::connect(server.local_addr()).unwrap();
    peer.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut got = Vec::new();
    let read = peer.read_to_end(&mut got);
    assert!(
        read.is_err() || got.len() < length,
        "the whole response of {length} bytes waited for a peer that did not read"
    );
}

#[test]
fn scrapes_are_answered_through_two_thousand_slowloris_connections() {
    // Twice as many peers as the server has slots, so that it closes some all the time.
    let peers = slowloris_peers();
    let server = Server::new(":0")
        .max_connections(peers / 2)
        .start()
        .unwrap();
    let addr = server.local_addr();
    let before = resident();
    let stop = Arc::new(AtomicBool::new(false));
    let attacker = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let head = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ";
            let mut open: Vec<(TcpStream, usize)> = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                // Keep them all open, replacing those the server closed.
                while open.len() < peers {
                    match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
                        Ok(peer) => {
                            let _ = peer.set_nonblocking(true);
                            open.push((peer, 0));
                        }
                        Err(_) => break,
                    }
                }
                // One byte each, about once a second.
                open.retain_mut(|(peer, sent)| {
                    let byte = head.get(*sent).copied().unwrap_or(b'a');
                    *sent += 1;
                    let mut probe = [0u8; 1];
                    let closed = matches!(peer.read(&mut probe), Ok(0))
                        || matches!(peer.read(&mut probe), Err(e) if e.kind() != ErrorKind::WouldBlock);
                    !closed && peer.write_all(&[byte]).is_ok()
                });
                std::thread::sleep(Duration::from_secs(1));
            }
            open.len()
        })
    };
    std::thread::sleep(Duration::from_secs(2));
    let slowest = slowest_scrape(addr, Duration::from_secs(5));
    stop.store(true, Ordering::Relaxed);
    let open = attacker.join().unwrap();
    assert!(open > 0);
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
    let grown = resident().saturating_sub(before);
    assert!(grown < 200 << 20, "memory grew by {} MB", grown >> 20);
}

#[test]
fn scrapes_are_answered_during_a_flood_of_large_json_requests() {
    for id in 0..20_000 {
        FLOOD_SERIES_TOTAL.with([&id.to_string()]).inc();
    }
    let server = Server::new(":0").start().unwrap();
    let addr = server.local_addr();
    let (alone, size) = scrape(addr, "/metrics").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flood: Vec<_> = (0..8)
        .map(|_| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut fetched = 0;
                while !stop.load(Ordering::Relaxed) {
                    if scrape(addr, "/metrics.json").is_ok() {
                        fetched += 1;
                    }
                }
                fetched
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let slowest = slowest_scrape(addr, Duration::from_secs(4));
    stop.store(true, Ordering::Relaxed);
    let fetched: usize = flood.into_iter().map(|t| t.join().unwrap()).sum();
    eprintln!(
        "a scrape of {size} bytes alone: {alone:?}; during the flood ({fetched} JSON documents \
         served): at most {slowest:?}"
    );
    assert!(fetched > 0, "the flood was served too");
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
}
