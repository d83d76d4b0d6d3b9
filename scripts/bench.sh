#!/usr/bin/env bash
# The write-path benchmark (BENCHMARKS.md): builds the runner and the
# components, then runs tests/benches/write_path.rs — the reads and the
# three-stage submission over HTTP at saturation, the submission at a fixed
# rate, restart to ready, and the same stages natively — and prints the
# table and the ratios. BENCH_CLIENTS (8), BENCH_SECONDS (5), BENCH_RATE
# (500) and BENCH_SUSTAINED_RATE (200) change the load; BENCH_ONLY picks
# scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p runner
./target/release/runner build
cargo bench -p e2e --bench write_path
