# Sourced by the scripts that test the running app (fuzz.sh,
# browser-test.sh): starts the built app as a development instance with the
# demo county on a free port, with state of its own that is removed at exit,
# and sets `url` once it serves (on CASEWORK_LISTEN if set). Extra
# arguments go to `runner up`.
#   . scripts/start-app.sh [RUNNER-UP-ARGUMENTS...]
state=$(mktemp -d)
log="$state/runner.log"
# The log exists before the runner starts, so that reading it for the
# address never races the shell that opens it (a failed read under
# `set -e -o pipefail` would end the caller).
: >"$log"
# The compile cache the end-to-end tests fill (shared: keyed by each .wasm).
./target/release/runner up --listen "${CASEWORK_LISTEN:-127.0.0.1:0}" --state-dir "$state" \
  --cache-dir target/e2e-compile-cache --sqlite @seed/demo-county.sql --quiet "$@" >"$log" 2>&1 &
runner=$!
trap 'kill "$runner" 2>/dev/null || true; rm -rf "$state"' EXIT
url=""
for _ in $(seq 1 240); do
  url=$(sed -n 's/^Serving \(http:[^ ]*\)$/\1/p' "$log" | head -1)
  [ -n "$url" ] && break
  kill -0 "$runner" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.5
done
[ -n "$url" ] || { echo "the runner did not start" >&2; cat "$log" >&2; exit 1; }
