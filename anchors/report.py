#!/usr/bin/env python3
"""The side-by-side table: instructions per operation from callgrind next to criterion's
medians, with ratios against the hand-written floor and the best anchor.

    python3 anchors/report.py            # callgrind, then the criterion run, then the table
    python3 anchors/report.py --no-bench # callgrind, and the medians of the last criterion run

Instructions are (profile at 2N calls - profile at N calls) / N, so one-time costs cancel.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CALLS = 100_000


def run(*args, **kwargs):
    return subprocess.run(args, cwd=ROOT, check=True, text=True, **kwargs)


def target_dir():
    meta = run("cargo", "metadata", "--format-version", "1", "--no-deps", capture_output=True)
    return Path(json.loads(meta.stdout)["target_directory"])


def inclusive_counts(binary, calls, workdir):
    """Inclusive instruction counts by function name for one run of `binary calls`."""
    out = workdir / f"callgrind.{calls}"
    run("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", str(binary), str(calls),
        stderr=subprocess.DEVNULL)
    annotated = run("callgrind_annotate", "--inclusive=yes", "--threshold=100", str(out),
                    capture_output=True).stdout
    counts = {}
    for line in annotated.splitlines():
        match = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?\S*?:(\S+)", line)
        if match:
            name = match.group(2)
            counts.setdefault(name, int(match.group(1).replace(",", "")))
    return counts


def instructions(target):
    run("cargo", "build", "--release", "-p", "meterbox-anchors", "--bin", "instructions")
    binary = target / "release" / "instructions"
    listing = run(str(binary), "--list", capture_output=True).stdout
    ops = [tuple(line.split("\t")) for line in listing.splitlines()]
    with tempfile.TemporaryDirectory() as tmp:
        once = inclusive_counts(binary, CALLS, Path(tmp))
        twice = inclusive_counts(binary, 2 * CALLS, Path(tmp))
    # A function listed under several operations runs once per listing.
    listings = defaultdict(int)
    for _, _, function in ops:
        listings[function] += 1
    result = {}
    for operation, library, function in ops:
        if function in once and function in twice:
            calls = CALLS * listings[function]
            result[(operation, library)] = (twice[function] - once[function]) / calls
        else:
            print(f"warning: {function} not in the profile (inlined or renamed?)", file=sys.stderr)
    return ops, result


def medians(target):
    result = {}
    for bench in (target / "criterion").glob("*/*/new/benchmark.json"):
        info = json.loads(bench.read_text())
        estimates = json.loads((bench.parent / "estimates.json").read_text())
        result[(info["group_id"], info["function_id"])] = estimates["median"]["point_estimate"]
    return result


def ratio(value, base):
    if value is None or not base:
        return ""
    return f"{value / base:.2f}x"


def fmt_ns(ns):
    if ns is None:
        return ""
    if ns >= 10_000:
        return f"{ns / 1000:,.0f} µs"
    return f"{ns:.2f} ns"


def table(title, rows, instr, ns):
    """rows: libraries of one group, in order."""
    floor_ns = ns.get("floor")
    anchors = [ns[lib] for lib in rows if ns.get(lib) is not None
               and lib != "floor" and not lib.startswith("meterbox")]
    best = min(anchors) if anchors else None
    print(f"\n### {title}\n")
    print("| library | instructions | median | vs floor | vs best anchor |")
    print("|---|---:|---:|---:|---:|")
    for lib in rows:
        count = instr.get(lib)
        print(f"| {lib} | {'' if count is None else f'{count:,.0f}'} | {fmt_ns(ns.get(lib))} "
              f"| {ratio(ns.get(lib), floor_ns)} | {ratio(ns.get(lib), best)} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-bench", action="store_true", help="use the last criterion run")
    parser.add_argument("--bench-args", default="--warm-up-time 1 --measurement-time 2",
                        help="arguments after -- for criterion")
    args = parser.parse_args()
    target = target_dir()
    ops, counts = instructions(target)
    if not args.no_bench:
        run("cargo", "bench", "-p", "meterbox-anchors", "--bench", "side_by_side", "--",
            *args.bench_args.split())
    times = medians(target)

    groups = defaultdict(list)
    for operation, library, _ in ops:
        groups[operation].append(library)
    for operation, libraries in groups.items():
        instr = {lib: counts.get((operation, lib)) for lib in libraries}
        ns = {lib: times.get((operation, lib)) for lib in libraries}
        table(operation, libraries, instr, ns)
    for group in ("contended_1", "contended_2", "render"):
        libraries = sorted({lib for (g, lib) in times if g == group},
                           key=lambda lib: (lib != "floor", not lib.startswith("meterbox"), lib))
        if libraries:
            table(group, libraries, {}, {lib: times[(group, lib)] for lib in libraries})


if __name__ == "__main__":
    main()
