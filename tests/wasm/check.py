#!/usr/bin/env python3
"""Runs the meterbox-wasm program natively and as WebAssembly under wasmtime, and compares
each exposition with expected.prom line by line.

Durations differ from run to run: the finite buckets and the sum of
`function_duration_seconds` are compared as `*`; their `+Inf` bucket and count are exact.

Usage: python3 tests/wasm/check.py NATIVE_BINARY WASM_MODULE   (METERBOX_BLESS=1 rewrites
expected.prom from the native run)
"""

import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(HERE, "expected.prom")
VARIES = re.compile(
    r'^(function_duration_seconds_(?:bucket\{[^}]*le="(?!\+Inf)[^"]*"\}|sum\{[^}]*\})) .*$'
)


def masked(text):
    return [VARIES.sub(r"\1 *", line) for line in text.splitlines()]


def native(binary):
    return subprocess.run([binary], capture_output=True, text=True, check=True).stdout


def under_wasmtime(module_path):
    import wasmtime

    engine = wasmtime.Engine()
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    module = wasmtime.Module.from_file(engine, module_path)
    store = wasmtime.Store(engine)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "stdout")
        wasi = wasmtime.WasiConfig()
        wasi.stdout_file = out
        wasi.inherit_stderr()
        store.set_wasi(wasi)
        instance = linker.instantiate(store, module)
        try:
            instance.exports(store)["_start"](store)
        except wasmtime.ExitTrap as e:
            if e.code != 0:
                raise
        with open(out) as f:
            return f.read()


def compare(what, text, expected):
    got = masked(text)
    if got == expected:
        print(f"{what}: {len(got)} lines as expected")
        return True
    print(f"{what}: the exposition differs from expected.prom", file=sys.stderr)
    for line in sorted(set(expected) - set(got)):
        print(f"  missing: {line}", file=sys.stderr)
    for line in sorted(set(got) - set(expected)):
        print(f"  extra:   {line}", file=sys.stderr)
    if set(got) == set(expected):
        print("  (the same lines in another order)", file=sys.stderr)
    return False


def main():
    binary, module_path = sys.argv[1], sys.argv[2]
    native_text = native(binary)
    if os.environ.get("METERBOX_BLESS"):
        with open(EXPECTED, "w") as f:
            f.write("\n".join(masked(native_text)) + "\n")
    with open(EXPECTED) as f:
        expected = f.read().splitlines()
    ok = compare("native", native_text, expected)
    ok = compare("wasm32-wasip1 under wasmtime", under_wasmtime(module_path), expected) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
