#!/usr/bin/env bash
# The portal's browser tests (tests/browser): Debian's chromium driven by
# playwright-core, every page checked by axe-core, screenshots of each page
# (zh-CN, 1366×768) in target/screenshots. Installs what it needs on a fresh
# machine — the chromium package and a Chinese font (apt-get, as root or
# with sudo) and the npm packages of tests/browser/package-lock.json — lints
# the JavaScript (scripts/js-lint.sh), then starts the app as a
# development instance with the demo county on a free port with its own
# state and runs the tests against it.
# Run by scripts/test.sh after the components are built; alone:
#   scripts/browser-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

chromium="${CHROMIUM:-/usr/bin/chromium}"
packages=()
[ -x "$chromium" ] || packages+=(chromium)
# A Chinese font, so that the pages (and their screenshots) show 汉字.
fc-list :lang=zh 2>/dev/null | grep -q . || packages+=(fonts-wqy-microhei)
if [ "${#packages[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
fi
# The JavaScript linted and its format checked first (installing the npm
# packages of tests/browser/package-lock.json on first use).
./scripts/js-lint.sh

# A real OpenID Provider (tests/browser/oidc-provider.mjs) the app signs
# staff in through: both on ports chosen now, as each must know the other.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
oidc_port=$(free_port)
app_port=$(free_port)
oidc_secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
OIDC_PORT="$oidc_port" APP_URL="http://127.0.0.1:$app_port" CLIENT_SECRET="$oidc_secret" \
  node tests/browser/oidc-provider.mjs >/dev/null 2>&1 &
oidc=$!
export SPIN_VARIABLE_OIDC_ISSUER="http://127.0.0.1:$oidc_port"
export SPIN_VARIABLE_OIDC_HOST="http://127.0.0.1:$oidc_port"
export SPIN_VARIABLE_OIDC_CLIENT_ID=casework
export SPIN_VARIABLE_OIDC_CLIENT_SECRET="$oidc_secret"
export SPIN_VARIABLE_OIDC_REDIRECT_URI="http://127.0.0.1:$app_port/auth/callback"
export CASEWORK_LISTEN="127.0.0.1:$app_port"

# shellcheck source=scripts/start-app.sh
. scripts/start-app.sh
trap 'kill "$runner" "$oidc" 2>/dev/null || true; rm -rf "$state"' EXIT

mkdir -p target/screenshots
CASEWORK_URL="$url" OIDC_ISSUER="$SPIN_VARIABLE_OIDC_ISSUER" CHROMIUM="$chromium" SCREENSHOTS="$PWD/target/screenshots/" \
  node --test --test-concurrency=1 tests/browser/modules.test.mjs tests/browser/i18n.test.mjs tests/browser/portal.test.mjs
echo "screenshots: target/screenshots/"
