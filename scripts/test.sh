#!/usr/bin/env bash
# The test command: checks formatting and lints, builds the runner and the
# wasm components (installing the wasm32-wasip1 target if missing), then
# runs every test: the library against real SQLite, the runner's own tests,
# the end-to-end tests through the real .wasm over HTTP, the portal in a
# real browser, and the fuzzing of the API.
set -euo pipefail
cd "$(dirname "$0")/.."

# The wasm-only packages are the ones a spin.toml builds; everything else in
# the workspace builds natively. Adding a stage to spin.toml is enough.
manifests=(spin.toml tests/fixtures/probe/spin.toml)
mapfile -t wasm < <(sed -n 's/^command = "cargo build --target wasm32-wasip1 --release -p \([A-Za-z0-9_-]*\)"$/\1/p' "${manifests[@]}" | sort -u)
if [ "${#wasm[@]}" -eq 0 ]; then
  echo "no component build commands found in ${manifests[*]}" >&2
  exit 1
fi
native=(--workspace)
components=()
for p in "${wasm[@]}"; do
  native+=(--exclude "$p")
  components+=(-p "$p")
done

cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
cargo fmt --all -- --check
rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1
cargo clippy --release "${native[@]}" --all-targets -- -D warnings
cargo clippy --release --target wasm32-wasip1 "${components[@]}" -- -D warnings
# One build of everything native, tests included, so the runner binary and
# the test harnesses share their dependencies' artifacts.
cargo build --release "${native[@]}" --all-targets
# The runner's `build` runs every build command of a manifest.
./target/release/runner build
./target/release/runner build -f tests/fixtures/probe
cargo test --release "${native[@]}"
# The shared library must also build for the components' target.
cargo build --release --target wasm32-wasip1 -p casework-shared
# The portal in a real browser: one scenario per role, axe-core on every
# page, screenshots in target/screenshots (Debian's chromium and the npm
# packages installed on first use).
./scripts/browser-test.sh
# Every operation of the OpenAPI document fuzzed through the real app, for
# every role (schemathesis from PyPI, installed on first use).
./scripts/fuzz.sh 300
