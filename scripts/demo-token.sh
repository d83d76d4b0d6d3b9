#!/usr/bin/env bash
# Prints a demo staff token (valid for an hour) from a development instance
# running on this machine (the README's first command): the instance signs
# it with its own key. Usage:
#   scripts/demo-token.sh ROLE [UNIT] [leader]
#   BUREAU=$(scripts/demo-token.sh bureau)
#   URBAN=$(scripts/demo-token.sh unit qibin-urban)
#   URBAN_LEADER=$(scripts/demo-token.sh unit qibin-urban leader)
# ROLE is bureau, unit, agent, supervisor or scheduler. CASEWORK_URL
# overrides http://127.0.0.1:3000. An instance with real keys issues none.
set -euo pipefail
role="${1:?usage: scripts/demo-token.sh ROLE [UNIT] [leader]}"
unit="${2:-}"
leader="${3:-}"
body="{\"role\": \"$role\""
[ -n "$unit" ] && body+=", \"unit\": \"$unit\""
[ "$leader" = "leader" ] && body+=", \"leader\": true, \"sub\": \"demo.$unit.leader\""
[ -n "$unit" ] && [ "$leader" != "leader" ] && body+=", \"sub\": \"demo.$unit\""
body+="}"
answer=$(curl -sS -X POST "${CASEWORK_URL:-http://127.0.0.1:3000}/api/dev/tokens" \
  -H 'content-type: application/json' -d "$body" -w '\n%{http_code}')
status="${answer##*$'\n'}"
json="${answer%$'\n'*}"
if [ "$status" != "201" ]; then
  echo "no demo token (HTTP $status): $json" >&2
  exit 1
fi
printf '%s\n' "$json" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
