#!/usr/bin/env bash
# One command from a fresh Debian 12 to a running ZEUES: installs what is missing, builds a
# release binary, creates a demo plant (once) and serves it with a local Redis.
#   ZEUES_DB (default ./zeues.db), PORT (default 8000), REDIS_PORT (default 6379)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DZEUES_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
db="${ZEUES_DB:-./zeues.db}"
[[ -f "$db" ]] || build/zeues demo --db "$db" --spools "${DEMO_SPOOLS:-2000}"
rport="${REDIS_PORT:-6379}"
if ! redis-cli -p "$rport" ping >/dev/null 2>&1; then
  mkdir -p .redis
  redis-server --port "$rport" --bind 127.0.0.1 --dir "$PWD/.redis" --appendonly yes \
    --daemonize yes --logfile "$PWD/.redis/redis.log" --pidfile "$PWD/.redis/redis.pid"
  for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:$rport}"
exec build/zeues serve --db "$db" --port "${PORT:-8000}"
