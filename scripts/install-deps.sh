#!/usr/bin/env bash
# Installs what ZEUES-C needs on Debian 12 (bookworm), only when something is missing.
# Usage: scripts/install-deps.sh [--test]   (--test adds what the test suite needs)
set -euo pipefail

pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libhiredis-dev
      libsqlite3-dev zlib1g-dev libsodium-dev libpq-dev libcurl4-openssl-dev libssl-dev
      libgnutls28-dev
      redis-server tzdata ca-certificates curl wrk)
# The PostgreSQL server (initdb, pg_ctl, psql) and HAProxy: the tests start their own.
# openssl: the Sheets stand-in's test keys.
if [[ "${1:-}" == "--test" ]]; then
  pkgs+=(libcmocka-dev python3 openssl chromium clang libclang-rt-14-dev postgresql haproxy)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from elsewhere than Debian (its npm then conflicts with Debian's): only
# install Debian's when the commands are missing.
if [[ "${1:-}" == "--test" ]]; then
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  # Through env, so the settings survive sudo. DEBCONF_NOWARNINGS: no "delaying package
  # configuration, since apt-utils is not installed" on a minimal system; errors still show.
  apt=($SUDO env DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get)
  "${apt[@]}" update -qq
  "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
