#!/usr/bin/env bash
# The portal's JavaScript and the browser tests, linted (ESLint's
# recommended rules) and checked for format (Prettier), with the npm
# packages of tests/browser/package-lock.json installed on first use.
# Run by scripts/browser-test.sh; `scripts/js-lint.sh --fix` formats the
# files and applies ESLint's fixes.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d tests/browser/node_modules/eslint ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --silent)
fi
bin=tests/browser/node_modules/.bin
files=(components/portal/assets/*.js tests/browser/*.mjs tests/browser/eslint.config.js)
if [ "${1:-}" = "--fix" ]; then
  "$bin/prettier" --config tests/browser/prettier.json --write "${files[@]}"
  "$bin/eslint" --config tests/browser/eslint.config.js --fix "${files[@]}"
else
  "$bin/prettier" --config tests/browser/prettier.json --check "${files[@]}"
  "$bin/eslint" --config tests/browser/eslint.config.js --max-warnings 0 "${files[@]}"
fi
