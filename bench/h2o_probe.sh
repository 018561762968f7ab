#!/usr/bin/env bash
# The HTTP library question, measured: the same loadgen runs against `zeues serve` (libmicrohttpd
# 0.9.75) and against bench/h2o_probe.c (Debian 12's libh2o-evloop 2.2.5, one event-loop thread,
# no application work), one after the other on the same machine:
#   idle   4,096 idle keep-alive connections (each after one GET /api/workers) + 1,000 SSE
#          streams: VmRSS 2 s after the last one, and VmRSS before (the process alone);
#   sse    10,000 streams, 10 TOMARs one at a time: per stream the delay until the frame
#          naming that spool arrives (p50/p99; a miss counts 2 s);
#   get    GET /api/workers at 64 connections, 5 s (the probe answers a body of the same size).
# The probe is a floor for the library, not a server: read the rows as "what the HTTP layer
# costs", beside the zeues rows. Installs libh2o-evloop-dev (Debian 12) when it is missing.
# Prints a table; about 2 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s)
LOG_PREFIX=h2o-probe
. bench/lib.sh
B=build-bench
bench_build "$B"
if ! pkg-config --exists libh2o-evloop; then
    log "installing libh2o-evloop-dev"
    apt-get install -y -q libh2o-evloop-dev >/dev/null
fi
cc -O2 -Wall -o "$B/h2o_probe" bench/h2o_probe.c $(pkg-config --cflags --libs libh2o-evloop)
bench_setup zeues-h2o-probe

RPORT=$(free_port)
redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$TMP" --save '' --logfile "$TMP/redis.log" \
    >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
export REDIS_URL="redis://127.0.0.1:$RPORT"
"$ZEUES" demo --db "$TMP/demo.db" --spools 2000 >/dev/null

PID="" PORT=""
start() { # start zeues|h2o
    if [[ $1 == zeues ]]; then
        cp "$TMP/demo.db" "$TMP/run.db"
        rm -f "$TMP/run.db-wal" "$TMP/run.db-shm"
        redis-cli -p "$RPORT" flushall >/dev/null
        "$ZEUES" serve --port 0 --bind 127.0.0.1 --db "$TMP/run.db" --max-connections 10300 \
            --sse-max-clients 10050 --log-level WARN >"$TMP/srv.out" 2>"$TMP/srv.log" &
    else
        "$B/h2o_probe" 0 >"$TMP/srv.out" 2>"$TMP/srv.log" &
    fi
    PID=$!
    PIDS+=($PID)
    PORT=$(wait_line "$TMP/srv.out" 'listening on http://' | sed -E 's|.*http://[^:]*:([0-9]+).*|\1|')
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/api/workers" >/dev/null 2>&1 && return 0; sleep 0.05; done
    log "$1 did not answer"; cat "$TMP/srv.log" >&2; return 1
}
stop() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
rss_now() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }

start zeues
URL=http://127.0.0.1:$PORT
WORKERS=$(arm_workers "$URL")
{ arm_free "$URL" | head -n 20 >"$TMP/sse.txt"; } || true
stop

declare -A R
for srv in zeues h2o; do
    start "$srv"
    sleep 0.5
    R[$srv.base]=$(rss_now)
    log "$srv: idle 4096 + 1000 streams"
    R[$srv.idle]=$("$LOADGEN" -m idle -p "$PORT" -c 4096 -e 1000 -P /api/workers -R "$PID")
    stop
    start "$srv"
    log "$srv: 10,000 streams, 10 events"
    R[$srv.sse]=$("$LOADGEN" -m sse -p "$PORT" -c 10000 -e 10 -s "$TMP/sse.txt" -w "$WORKERS" -R "$PID")
    stop
    start "$srv"
    log "$srv: GET /api/workers, 64 connections"
    R[$srv.get]=$("$LOADGEN" -m get -p "$PORT" -c 64 -d 5 -W 1 -P /api/workers)
    stop
done

mb() { calc "$1 / 1024" 1; }
echo
echo "HTTP library probe  $(date -u +%FT%TZ)  nproc $(nproc)"
echo
echo "| Figure | zeues serve (libmicrohttpd 0.9.75) | h2o_probe (libh2o-evloop 2.2.5) |"
echo "|---|---|---|"
row() { echo "| $1 | $2 | $3 |"; }
for s in zeues h2o; do
    i=${R[$s.idle]}
    declare "idle_$s=$(mb "$(kv "$i" rss_kb)") MB (process alone $(mb "${R[$s.base]}") MB; answered $(kv "$i" answered), streams $(kv "$i" streams), failed $(kv "$i" failed))"
    x=${R[$s.sse]}
    declare "sse_$s=p50 $(kv "$x" p50_ms) / p99 $(kv "$x" p99_ms) ms (open $(kv "$x" open), missed $(kv "$x" missed), RSS $(mb "$(kv "$x" rss_max_kb)") MB)"
    g=${R[$s.get]}
    declare "get_$s=$(kv "$g" rps) req/s, p99 $(kv "$g" p99_ms) ms"
done
row "RSS, 4096 idle keep-alive + 1000 streams" "$idle_zeues" "$idle_h2o"
row "10,000 streams, one event: delivery" "$sse_zeues" "$sse_h2o"
row "GET /api/workers, 64 connections" "$get_zeues" "$get_h2o"
