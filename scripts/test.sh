#!/usr/bin/env bash
# The test command: builds the runner and the wasm components (installing the
# wasm32-wasip1 target if missing), then runs every test, end-to-end included.
set -euo pipefail
cd "$(dirname "$0")/.."

# The runner's own `build` installs the wasm target when rustup lacks it.
cargo build --release -p runner
./target/release/runner build

cargo fmt --all -- --check
cargo test --release --workspace --exclude intake --exclude component-common
# The shared library must also build for the components' target.
cargo build --release --target wasm32-wasip1 -p casework-shared
