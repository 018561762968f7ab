#!/usr/bin/env bash
# Builds the plant's v5 tablet app (the original `zeues-frontend/`, checked out by you somewhere
# outside this repository) against a ZEUES-C server on 127.0.0.1:API_PORT, without internet
# access other than the npm registry, and serves it on http://localhost:3000.
#
#   scripts/v5-app.sh /path/to/zeues-frontend API_PORT            # build if needed, then serve
#   scripts/v5-app.sh /path/to/zeues-frontend API_PORT --build-only
#
# Steps (each skipped when already done):
#   1. check that the machine's node satisfies Next.js's `engines`;
#   2. `npm ci` (node_modules missing or older than package-lock.json);
#   3. JetBrains Mono woff2 files from npm `@fontsource/jetbrains-mono` (npm pack) and a
#      generated module for NEXT_FONT_GOOGLE_MOCKED_RESPONSES that answers every Google Fonts
#      CSS URL `next/font/google` asks for with @font-face rules pointing at those files;
#   4. `next build` with NEXT_PUBLIC_API_URL=http://127.0.0.1:API_PORT (the URL is baked into
#      the bundle, so a build for another port or another package-lock is redone);
#   5. `next start -p APP_PORT` (exec, so the caller can stop it by its pid).
#
# Environment: APP_PORT (default 3000), V5APP_STATE (work files, default
# FRONTEND/.zeues-c-v5app), FONTSOURCE_VERSION (default 5.2.8), V5APP_LOG (build log file).
# Nothing of the app itself is stored here or changed in its directory except node_modules/,
# .next/ and the state directory.
set -euo pipefail

usage() { echo "usage: $0 /path/to/zeues-frontend API_PORT [--build-only]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
FRONTEND="$(cd "$1" && pwd)"
API_PORT="$2"
BUILD_ONLY=0
[[ "${3:-}" == "--build-only" ]] && BUILD_ONLY=1
[[ "$API_PORT" =~ ^[0-9]+$ ]] || usage
[[ -f "$FRONTEND/package.json" && -f "$FRONTEND/package-lock.json" ]] \
  || { echo "v5-app: $FRONTEND has no package.json/package-lock.json" >&2; exit 2; }

APP_PORT="${APP_PORT:-3000}"
STATE="${V5APP_STATE:-$FRONTEND/.zeues-c-v5app}"
FONTSOURCE_VERSION="${FONTSOURCE_VERSION:-5.2.8}"
API_URL="http://127.0.0.1:${API_PORT}"
LOG="${V5APP_LOG:-$STATE/build.log}"
mkdir -p "$STATE"
export NEXT_TELEMETRY_DISABLED=1

say() { printf '[v5-app %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

# ---------------------------------------------------------------------------------------------
# 1. node
# ---------------------------------------------------------------------------------------------
command -v node >/dev/null && command -v npm >/dev/null \
  || { echo "v5-app: node/npm not found (Debian: apt-get install nodejs npm)" >&2; exit 1; }
NODE_VERSION="$(node --version)"

# `node_modules/next/package.json` after npm ci; before it, the lock file's entry for next.
next_engines() {
  node -e '
    const fs = require("fs"), p = process.argv[1];
    let e = null;
    try { e = JSON.parse(fs.readFileSync(p + "/node_modules/next/package.json")).engines; } catch (_) {
      try { e = JSON.parse(fs.readFileSync(p + "/package-lock.json")).packages["node_modules/next"].engines; } catch (_) {}
    }
    process.stdout.write(e && e.node ? e.node : "");' "$FRONTEND"
}
# Accepts the usual engines forms: ">=X.Y.Z", "^X || >=Y", ranges separated by "||".
node_satisfies() {
  node -e '
    const want = process.argv[1], have = process.versions.node.split(".").map(Number);
    const cmp = (a, b) => { for (let i = 0; i < 3; i++) { if ((a[i]||0) !== (b[i]||0)) return (a[i]||0) - (b[i]||0); } return 0; };
    const ver = (s) => s.replace(/^[v=]/, "").split(".").map((x) => Number(x) || 0);
    const one = (c) => {
      c = c.trim(); if (!c || c === "*") return true;
      let m;
      if ((m = /^>=\s*(.+)$/.exec(c))) return cmp(have, ver(m[1])) >= 0;
      if ((m = /^>\s*(.+)$/.exec(c))) return cmp(have, ver(m[1])) > 0;
      if ((m = /^<=\s*(.+)$/.exec(c))) return cmp(have, ver(m[1])) <= 0;
      if ((m = /^<\s*(.+)$/.exec(c))) return cmp(have, ver(m[1])) < 0;
      if ((m = /^\^\s*(.+)$/.exec(c))) { const v = ver(m[1]); return have[0] === v[0] && cmp(have, v) >= 0; }
      if ((m = /^~\s*(.+)$/.exec(c))) { const v = ver(m[1]); return have[0] === v[0] && have[1] === v[1] && cmp(have, v) >= 0; }
      const v = ver(c); return have[0] === v[0];
    };
    const ok = want.split("||").some((alt) => alt.trim().split(/\s+(?=[<>=^~])/).every(one));
    process.exit(ok ? 0 : 1);' "$1"
}
ENGINES="$(next_engines)"
if [[ -n "$ENGINES" ]] && ! node_satisfies "$ENGINES"; then
  echo "v5-app: Next.js needs node $ENGINES, this machine has $NODE_VERSION" >&2
  exit 1
fi
say "node $NODE_VERSION (Next.js engines: ${ENGINES:-none})"

# ---------------------------------------------------------------------------------------------
# 2. npm ci
# ---------------------------------------------------------------------------------------------
if [[ ! -x "$FRONTEND/node_modules/.bin/next" \
      || "$FRONTEND/package-lock.json" -nt "$FRONTEND/node_modules/.package-lock.json" ]]; then
  t=$(date +%s)
  say "npm ci in $FRONTEND"
  (cd "$FRONTEND" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) >>"$LOG" 2>&1 \
    || { echo "v5-app: npm ci failed, see $LOG" >&2; exit 1; }
  say "npm ci done in $(elapsed "$t")"
fi

# ---------------------------------------------------------------------------------------------
# 3. fonts: woff2 from @fontsource, and the mocked Google Fonts CSS module
# ---------------------------------------------------------------------------------------------
FONTS="$STATE/fonts"
if ! ls "$FONTS"/jetbrains-mono-latin-[0-9]*-normal.woff2 >/dev/null 2>&1; then
  t=$(date +%s)
  say "fetching @fontsource/jetbrains-mono@$FONTSOURCE_VERSION from npm"
  rm -rf "$STATE/fontsource" && mkdir -p "$STATE/fontsource" "$FONTS"
  tgz="$(cd "$STATE/fontsource" && npm pack --silent "@fontsource/jetbrains-mono@$FONTSOURCE_VERSION" | tail -1)"
  tar -xzf "$STATE/fontsource/$tgz" -C "$STATE/fontsource"
  cp "$STATE/fontsource/package/files/"jetbrains-mono-latin-[0-9]*-normal.woff2 "$FONTS/"
  say "fonts ready in $(elapsed "$t")"
fi

# Next's loader requires the module given in NEXT_FONT_GOOGLE_MOCKED_RESPONSES and looks the
# CSS up by the exact Google Fonts URL (css2?family=Name:wght@400;500&display=swap); it then
# reads every `src: url(/absolute/path)` from disk. A Proxy answers any such URL, so the module
# does not depend on which weights the app asks for. Weights without a local file fall back to
# the nearest one; the comment above each @font-face names its subset (used for preloading).
MOCK="$STATE/google-fonts-mock.cjs"
cat >"$MOCK" <<EOF
// Generated by scripts/v5-app.sh: answers next/font/google's CSS requests from local files.
'use strict';
const fs = require('fs');
const path = require('path');
const DIR = $(node -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$FONTS");
const available = fs.readdirSync(DIR)
  .map((f) => /^jetbrains-mono-latin-(\d+)-normal\.woff2$/.exec(f))
  .filter(Boolean).map((m) => Number(m[1])).sort((a, b) => a - b);
function fileFor(w) {
  let best = available[0];
  for (const a of available) if (Math.abs(a - w) < Math.abs(best - w)) best = a;
  return path.join(DIR, 'jetbrains-mono-latin-' + best + '-normal.woff2');
}
function css(url) {
  const u = new URL(url);
  const family = (u.searchParams.get('family') || 'JetBrains Mono').split(':')[0].replace(/\+/g, ' ');
  const spec = (u.searchParams.get('family') || '').split(':')[1] || 'wght@400';
  const [axes, values] = spec.split('@');
  const names = axes.split(',');
  const display = u.searchParams.get('display') || 'swap';
  let out = '';
  for (const variant of (values || '400').split(';')) {
    const vals = variant.split(',');
    const wIdx = names.indexOf('wght');
    const iIdx = names.indexOf('ital');
    const weight = wIdx >= 0 ? vals[wIdx] : '400';
    const style = iIdx >= 0 && vals[iIdx] === '1' ? 'italic' : 'normal';
    const w = Number(String(weight).split('..')[0]) || 400;
    out += '/* latin */\n@font-face {\n' +
      "  font-family: '" + family + "';\n" +
      '  font-style: ' + style + ';\n' +
      '  font-weight: ' + weight.replace('..', ' ') + ';\n' +
      '  font-display: ' + display + ';\n' +
      '  src: url(' + fileFor(w) + ") format('woff2');\n" +
      '  unicode-range: U+0000-00FF, U+0131, U+0152-0153, U+02BB-02BC, U+02C6, U+02DA, U+02DC, ' +
      'U+0304, U+0308, U+0329, U+2000-206F, U+20AC, U+2122, U+2191, U+2193, U+2212, U+2215, U+FEFF, U+FFFD;\n' +
      '}\n';
  }
  return out;
}
module.exports = new Proxy({}, {
  get(_t, key) {
    if (typeof key !== 'string' || !key.startsWith('https://fonts.googleapis.com/')) return undefined;
    return css(key);
  },
});
EOF

# ---------------------------------------------------------------------------------------------
# 4. next build (redone when the API URL or the lock file changed)
# ---------------------------------------------------------------------------------------------
STAMP="$STATE/build.stamp"
want_stamp="api=$API_URL lock=$(sha256sum "$FRONTEND/package-lock.json" | cut -c1-16) node=$NODE_VERSION"
if [[ ! -f "$FRONTEND/.next/BUILD_ID" || ! -f "$STAMP" || "$(cat "$STAMP")" != "$want_stamp" ]]; then
  t=$(date +%s)
  say "next build with NEXT_PUBLIC_API_URL=$API_URL"
  rm -f "$STAMP"
  (cd "$FRONTEND" && NEXT_PUBLIC_API_URL="$API_URL" NEXT_FONT_GOOGLE_MOCKED_RESPONSES="$MOCK" \
     node_modules/.bin/next build) >>"$LOG" 2>&1 \
    || { echo "v5-app: next build failed, last lines of $LOG:" >&2; tail -30 "$LOG" >&2; exit 1; }
  echo "$want_stamp" >"$STAMP"
  say "next build done in $(elapsed "$t")"
else
  say "build for $API_URL is up to date"
fi
[[ $BUILD_ONLY -eq 1 ]] && exit 0

# ---------------------------------------------------------------------------------------------
# 5. serve
# ---------------------------------------------------------------------------------------------
say "serving on http://localhost:$APP_PORT (API $API_URL)"
cd "$FRONTEND"
exec node_modules/.bin/next start -p "$APP_PORT"
