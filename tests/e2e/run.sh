#!/usr/bin/env bash
# ctest entry of the browser end-to-end test: installs playwright-core (pinned in
# package-lock.json, from the npm registry; it never downloads a browser: the test drives
# Debian's /usr/bin/chromium) when node_modules is missing, then runs ui.test.mjs.
# Environment passed through: ZEUES_BIN, ZEUES_BUILD.
set -euo pipefail
cd "$(dirname "$0")"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [[ ! -d node_modules/playwright-core ]]; then
  # Two ctest runs may share this tree: serialise the install.
  exec 9>"${TMPDIR:-/tmp}/zeues-e2e-npm-install.lock"
  flock 9
  if [[ ! -d node_modules/playwright-core ]]; then
    if [[ -f package-lock.json ]]; then
      npm ci --silent --no-audit --no-fund
    else
      npm install --silent --no-audit --no-fund
    fi
  fi
  flock -u 9
  exec 9>&-
fi
exec node ui.test.mjs "$@"
