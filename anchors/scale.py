#!/usr/bin/env python3
"""Thousands of instrumented functions in one binary: what they cost.

Generates a crate outside the workspace (in target/scale) with N `#[instrumented]`
functions, each called once, and measures:

  - release build time: the crate with no function first (dependencies built), then with N,
    so the difference is the functions' own cost, per function;
  - the binary's size, with N functions against none;
  - the series exported and the bytes of a Prometheus scrape, taken from the program: as
    text, as text gzip-compressed (as the endpoint sends it to a Prometheus, which asks for
    gzip), and with --native in the protobuf format;
  - the time to render that scrape (median of 20 renders, in the program).

With --native, the crate is built with meterbox's `native-histograms` feature.

Usage: python3 anchors/scale.py [--native] [N ...]   (default: 600 2000)
"""

import gzip
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "scale")

MANIFEST = """[package]
name = "scale"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
meterbox = {{ path = "{runtime}"{features} }}

[workspace]
"""

MAIN = """use std::time::Instant;

{functions}

fn main() {{
{calls}
    let text = meterbox::render(meterbox::Format::Prometheus);
    std::fs::write("scrape.prom", &text).expect("scrape.prom written");
    let protobuf: usize = {protobuf};
    let series = text.lines().filter(|l| !l.starts_with('#')).count();
    let mut times: Vec<f64> = (0..20)
        .map(|_| {{
            let start = Instant::now();
            // The process collector's figures change between renders: only the time is kept.
            std::hint::black_box(meterbox::render(meterbox::Format::Prometheus));
            start.elapsed().as_secs_f64()
        }})
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "{{{{\\"series\\": {{}}, \\"bytes\\": {{}}, \\"protobuf\\": {{}}, \\"render_ms\\": {{:.3}}}}}}",
        series,
        text.len(),
        protobuf,
        times[10] * 1e3
    );
}}
"""

FUNCTION = """#[meterbox::instrumented]
fn f{i}(x: u64) -> Result<u64, String> {{
    if x % 7 == 3 {{ Err("odd".into()) }} else {{ Ok(x.wrapping_mul({i})) }}
}}
"""


def write(n, native):
    os.makedirs(os.path.join(WORK, "src"), exist_ok=True)
    features = ', features = ["native-histograms"]' if native else ""
    with open(os.path.join(WORK, "Cargo.toml"), "w") as f:
        f.write(MANIFEST.format(runtime=os.path.join(ROOT, "runtime"), features=features))
    functions = "\n".join(FUNCTION.format(i=i) for i in range(n))
    # Through a table of function pointers, as a program with many call sites would: direct
    # calls from one `main` would inline every function into it, and optimising that one
    # huge function costs more than N functions of a real program do.
    table = ", ".join(f"f{i}" for i in range(n))
    calls = (
        f"    let functions: [fn(u64) -> Result<u64, String>; {n}] = [{table}];\n"
        "    for (i, f) in functions.iter().enumerate() {\n"
        "        let _ = std::hint::black_box(f)(i as u64);\n"
        "    }"
        if n
        else ""
    )
    with open(os.path.join(WORK, "src", "main.rs"), "w") as f:
        protobuf = "meterbox::render_protobuf().len()" if native else "0"
        f.write(MAIN.format(functions=functions, calls=calls, protobuf=protobuf))


def build():
    start = time.monotonic()
    subprocess.run(
        ["cargo", "build", "-q", "--release", "-j", "2"],
        cwd=WORK,
        check=True,
    )
    return time.monotonic() - start


def binary():
    return os.path.join(WORK, "target", "release", "scale")


def main():
    native = "--native" in sys.argv[1:]
    sizes = [int(a) for a in sys.argv[1:] if a != "--native"] or [600, 2000]
    write(0, native)
    build()  # dependencies
    write(0, native)
    os.utime(os.path.join(WORK, "src", "main.rs"))
    base_seconds = build()
    base_size = os.path.getsize(binary())
    print(f"no function: rebuild {base_seconds:.1f} s, binary {base_size / 1e6:.2f} MB")
    print()
    print(
        "| functions | build | per function | binary | per function | series | per function "
        "| scrape | gzip | protobuf | render |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        write(n, native)
        seconds = build()
        size = os.path.getsize(binary())
        run = subprocess.run([binary()], capture_output=True, text=True, check=True, cwd=WORK)
        out = json.loads(run.stdout.strip().splitlines()[-1])
        with open(os.path.join(WORK, "scrape.prom"), "rb") as f:
            # The endpoint compresses at flate2's fastest level; zlib's level 1 is the same.
            compressed = len(gzip.compress(f.read(), compresslevel=1))
        protobuf = f"{out['protobuf'] / 1e3:.0f} KB" if out["protobuf"] else "-"
        extra = seconds - base_seconds
        print(
            f"| {n:,} | {seconds:.1f} s | {extra / n * 1e3:.1f} ms | {size / 1e6:.2f} MB "
            f"| {(size - base_size) / n / 1e3:.1f} KB | {out['series']:,} | {out['series'] / n:.1f} "
            f"| {out['bytes'] / 1e3:.0f} KB | {compressed / 1e3:.0f} KB | {protobuf} "
            f"| {out['render_ms']:.2f} ms |"
        )


if __name__ == "__main__":
    main()
