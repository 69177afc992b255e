#!/usr/bin/env bash
# Build costs, measured on this machine in one run:
#   - cold `cargo build --release` of the quickstart (meterbox) and of the same program on
#     metrics + metrics-exporter-prometheus (build-time/metrics_quickstart), each in a fresh
#     target directory, dependencies downloaded beforehand;
#   - the quickstart's incremental rebuild after one instrumented function's body changes;
#   - the binary size one `#[counted]` or `#[timed]` adds to a function (size_* examples).
# Memory per metric and per series is printed by `cargo run --release -p meterbox-anchors
# --example footprint`.
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
cp examples/quickstart.rs "$work/quickstart.rs"
restore() {
    cp "$work/quickstart.rs" examples/quickstart.rs
    rm -rf "$work"
}
trap restore EXIT

other=anchors/build-time/metrics_quickstart/Cargo.toml
cargo fetch -q
cargo fetch -q --manifest-path "$other"

TIMEFORMAT=%R
seconds() { { time "$@" >/dev/null 2>&1; } 2>&1; }

echo "cold release build, quickstart on meterbox:        $(seconds env CARGO_TARGET_DIR="$work/meterbox" cargo build --release -p meterbox-examples --example quickstart) s"
echo "cold release build, quickstart on metrics+exporter: $(seconds env CARGO_TARGET_DIR="$work/metrics" cargo build --release --manifest-path "$other") s"

# One instrumented function's body changes; everything else is built.
sed -i 's/200 \* u64::from(cart.items)/201 * u64::from(cart.items)/' examples/quickstart.rs
grep -q '201 \* u64' examples/quickstart.rs
echo "incremental release rebuild after editing checkout: $(seconds env CARGO_TARGET_DIR="$work/meterbox" cargo build --release -p meterbox-examples --example quickstart) s"
cp "$work/quickstart.rs" examples/quickstart.rs

cargo build -q --release -p meterbox-anchors --example size_plain --example size_counted --example size_timed
dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/examples"
plain=$(stat -c %s "$dir/size_plain")
for kind in counted timed; do
    size=$(stat -c %s "$dir/size_$kind")
    echo "binary size per #[$kind] function: $(( (size - plain) / 100 )) bytes ($plain -> $size for 100)"
done
