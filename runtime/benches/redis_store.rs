//! The shared Redis store's costs, against a `redis-server` this benchmark starts on a free
//! loopback port (without persistence, so the figures are the protocol's and the store's,
//! not the disk's): `cargo bench -p meterbox --features redis --bench redis_store`.

use std::hint::black_box;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use meterbox::redis::{render, RedisSurfacer};
use meterbox::{Counter, Family, Format};

/// Series changed between batched transfers.
#[meterbox::metric(name = "bench_changed")]
static CHANGED: Family<Counter, 1> = Family::new(["series"]);

/// The counter of the eager transfers.
#[meterbox::metric(name = "bench_eager")]
static EAGER: Counter = Counter::new();

struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start() -> Option<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .ok()?
        .port();
    let child = Command::new("redis-server")
        .args([
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .spawn()
        .ok()?;
    let server = Server(child, port);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(server)
}

fn store(c: &mut Criterion) {
    let Some(server) = start() else {
        eprintln!("skipped: redis-server is not installed or did not start");
        return;
    };
    let url = format!("redis://127.0.0.1:{}/", server.1);
    let names: Vec<String> = (0..100).map(|i| format!("s{i}")).collect();
    let mut g = c.benchmark_group("redis");

    let batched = RedisSurfacer::new(&url, "bench_batched").unwrap();
    g.bench_function("transfer of 100 changed series (batched)", |b| {
        b.iter(|| {
            for name in &names {
                CHANGED.with([name]).inc();
            }
            batched.transfer().unwrap();
        });
    });

    let eager = RedisSurfacer::new(&url, "bench_eager").unwrap();
    g.bench_function("one update, transferred at once (eager)", |b| {
        b.iter(|| {
            EAGER.inc();
            eager.transfer().unwrap();
        });
    });

    let mut con = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let mut fill = redis::pipe();
    fill.cmd("HSET")
        .arg("bench_read")
        .arg("requests_total:t:")
        .arg("c")
        .ignore();
    for i in 0..10_000 {
        fill.cmd("HSET")
            .arg("bench_read")
            .arg(format!("requests_total::path=\"/p{i}\""))
            .arg(i)
            .ignore();
    }
    let () = fill.query(&mut con).unwrap();
    g.bench_function("render a namespace of 10,000 fields", |b| {
        b.iter(|| black_box(render(&mut con, "bench_read", Format::Prometheus).unwrap()));
    });
    g.finish();
}

criterion_group!(benches, store);
criterion_main!(benches);
