#!/usr/bin/env bash
# Fuzzes every operation of the API's OpenAPI document through the real
# app (the runner and the built .wasm), once per role, with schemathesis
# from PyPI (installed into target/fuzz-venv on first use): every answer
# must be no 5xx, a status the document lists, its content type, and a body
# that matches its schema; data the document allows is never refused as
# malformed and data it does not allow is never taken (expected statuses in
# scripts/schemathesis.toml). The app runs as a development instance on a
# free port with its own state, its public limits raised for the run.
# Run by scripts/test.sh after the components are built; alone:
#   scripts/fuzz.sh [EXAMPLES] [EXAMPLES_FOR_OTHER_ROLES]
# The bureau, whose token reaches every operation, gets EXAMPLES per
# operation (300 by default); every other role EXAMPLES_FOR_OTHER_ROLES
# (100): 800 examples per operation in all.
# The same seed every run (FUZZ_SEED overrides it), so a failure reproduces.
# One worker (FUZZ_WORKERS overrides it): generating cases is bound by
# Python's GIL, so a second thread gains nothing, and two threads can meet a
# CPython 3.11 race in ast.parse inside Hypothesis ("SystemError: AST
# constructor recursion depth mismatch") that aborts a role's run.
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-300}"
other_examples="${2:-100}"
venv=target/fuzz-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'schemathesis==4.32.5'
fi

# shellcheck source=scripts/start-app.sh
. scripts/start-app.sh --max-connections-per-client 1000

token() { CASEWORK_URL="$url" scripts/demo-token.sh "$@"; }
# Limits raised for the run (public submissions, tracking guesses), again
# before each role: the bureau's run may have set other rules.
raise_limits() {
  curl -sf -X PUT "$url/api/admin/rules/intake" -H "authorization: Bearer $(token bureau)" \
    -H 'content-type: application/json' -d '{
      "public_submissions_per_minute": 1000000,
      "hall_opening_hours": [{"from": "00:00", "to": "23:59"}],
      "tracking": {"window_minutes": 1, "per_client": 1000000, "per_code_and_client": 1000000,
                   "per_code": 1000000, "slowed_interval_seconds": 1}}' >/dev/null
}

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
checks+=,positive_data_acceptance,negative_data_rejection
status=0
# FUZZ_ROLES (comma-separated) narrows the run, e.g. FUZZ_ROLES=bureau.
IFS=',' read -ra roles <<<"${FUZZ_ROLES:-none,bureau,unit qibin-urban,agent,supervisor,scheduler}"
for who in "${roles[@]}"; do
  raise_limits
  # shellcheck disable=SC2086
  if [ "$who" = none ]; then auth=(); else auth=(-H "Authorization: Bearer $(token $who)"); fi
  n=$other_examples
  [ "$who" = bureau ] && n=$examples
  echo "== fuzzing as $who ($n examples per operation)"
  if ! "$venv/bin/schemathesis" --no-color --config-file scripts/schemathesis.toml run "$url/api/openapi.json" "${auth[@]}" \
      --checks "$checks" --max-examples "$n" --phases examples,coverage,fuzzing \
      --seed "${FUZZ_SEED:-20261201}" --workers "${FUZZ_WORKERS:-1}" --suppress-health-check all --warnings off; then
    status=1
  fi
done
exit "$status"
