#!/usr/bin/env bash
# ctest entry of the browser end-to-end test: installs playwright-core (pinned in
# package-lock.json, from the npm registry; it never downloads a browser: the test drives
# Debian's /usr/bin/chromium) unless exactly the pinned version is installed, then runs
# ui.test.mjs, or the test script given as the first argument (auth.test.mjs), or, with
# --script FILE ARGS..., node FILE ARGS (other tests' browser steps). An install failure is
# printed in full (ctest --output-on-failure shows it).
# Environment passed through: ZEUES_BIN, ZEUES_BUILD.
set -euo pipefail
cd "$(dirname "$0")"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

pinned() { node -p "require('./package-lock.json').packages['node_modules/playwright-core'].version"; }
installed() { node -p "require('./node_modules/playwright-core/package.json').version" 2>/dev/null || true; }

want=$(pinned)
if [[ "$(installed)" != "$want" ]]; then
  # Two ctest runs may share this tree: serialise the install.
  exec 9>"${TMPDIR:-/tmp}/zeues-e2e-npm-install.lock"
  flock 9
  if [[ "$(installed)" != "$want" ]]; then
    echo "e2e: installing playwright-core $want with node $(node --version), npm $(npm --version)"
    # --engine-strict: a Node.js the package does not support fails here, with npm's message,
    # instead of later inside the test.
    if ! npm ci --engine-strict --no-audit --no-fund --loglevel=warn; then
      echo "e2e: FAILED: npm ci of playwright-core $want (see npm's output above)" >&2
      exit 1
    fi
  fi
  flock -u 9
  exec 9>&-
fi
if [[ "${1:-}" == "--script" ]]; then
  shift
  exec node "$@"
fi
script=ui.test.mjs
if [[ "${1:-}" == *.mjs ]]; then
  script=$1
  shift
fi
exec node "$script" "$@"
