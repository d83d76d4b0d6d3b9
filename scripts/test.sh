#!/usr/bin/env bash
# The test command: builds the runner and the wasm components (installing the
# wasm32-wasip1 target if missing), then runs every test: the library against
# real SQLite, the runner's own tests, and the end-to-end tests through the
# real .wasm over HTTP.
set -euo pipefail
cd "$(dirname "$0")/.."

# Native packages (the wasm-only ones are built by their spin.toml).
native=(--workspace --exclude intake --exclude calendar --exclude cases --exclude filter --exclude route --exclude openapi --exclude probe)

cargo fmt --all -- --check
# One build of everything native, tests included, so the runner binary and
# the test harnesses share their dependencies' artifacts.
cargo build --release "${native[@]}" --all-targets
# The runner's `build` installs the wasm target when rustup lacks it.
./target/release/runner build
./target/release/runner build -f tests/fixtures/probe
cargo test --release "${native[@]}"
# The shared library must also build for the components' target.
cargo build --release --target wasm32-wasip1 -p casework-shared
