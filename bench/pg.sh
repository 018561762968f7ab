#!/usr/bin/env bash
# The PostgreSQL rows of the benchmark: `bench/pg.sh`.
#
# The same Release binary, load generator and static-200 baseline as bench/run.sh, on a
# 10,000-spool demo plant stored in a real PostgreSQL 15 (tests/pg/pg_server.py: initdb +
# postgres as an unprivileged user on a free port in a temporary directory, removed on exit)
# with its own redis-server:
#   1. one `zeues serve --store postgres://...`: TOMAR->PAUSAR closed loop at 64 connections,
#      and GET /api/spools/iniciar with Accept-Encoding: gzip at 64 connections;
#   2. two instances on the same PostgreSQL and Redis behind a real HAProxy (deploy/haproxy.cfg
#      with the instances' ports): the same two workloads through HAProxy.
# Each workload is measured next to wrk against static-200 at the same connection count, taken
# right before it. Prints the rows in the README table's format.
set -euo pipefail
cd "$(dirname "$0")/.."

DUR=${BENCH_SECONDS:-5}
BASE_DUR=3
WARM=1
NSPOOLS=${BENCH_SPOOLS:-10000}
B=build-bench
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
LOG_PREFIX=bench-pg
. bench/lib.sh

bench_build "$B" --test # postgresql and haproxy are in the test set
bench_on_exit() { python3 tests/pg/pg_server.py --shared-stop "$TMP/pg" >/dev/null 2>&1 || true; }
bench_setup zeues-bench-pg

# ------------------------------------------------------------------ services
"$B/static200" -p 0 -t 1 >"$TMP/static200.out" 2>&1 &
PIDS+=($!)
SPORT=$(wait_line "$TMP/static200.out" 'listening on' | awk '{print $NF}')
RPORT=$(free_port)
redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$TMP" --save '' --appendonly yes \
    --logfile "$TMP/redis.log" >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
log "starting PostgreSQL"
python3 tests/pg/pg_server.py --shared-start "$TMP/pg" >&2
PGURL=$(python3 -c "
import sys; sys.path.insert(0, 'tests/pg'); import pg_server as p
s = p.PgServer.attach('$TMP/pg'); s.psql('CREATE DATABASE bench'); print(s.base_url + '/bench')")
PGVER=$(python3 -c "
import sys; sys.path.insert(0, 'tests/pg'); import pg_server as p
print(p.PgServer.attach('$TMP/pg').psql('SHOW server_version'))")
log "demo plant of $NSPOOLS spools into $PGURL (PostgreSQL $PGVER)"
"$ZEUES" demo --store "$PGURL" --spools "$NSPOOLS" >/dev/null

ZPIDS=()
start_instance() { # start_instance NAME: its port in PORT, its pid appended to ZPIDS
    "$ZEUES" serve --port 0 --bind 127.0.0.1 --store "$PGURL" --instance "$1" \
        --redis-url "redis://127.0.0.1:$RPORT" --log-level WARN \
        >"$TMP/$1.out" 2>"$TMP/$1.log" &
    PIDS+=($!)
    ZPIDS+=($!)
    PORT=$(wait_line "$TMP/$1.out" 'listening on http://' | sed -E 's|.*http://[^:]*:([0-9]+).*|\1|')
    for _ in $(seq 200); do
        curl -fs "http://127.0.0.1:$PORT/api/health" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    log "$1 did not become healthy"; cat "$TMP/$1.log" >&2; return 1
}
start_instance zeues1
P1=$PORT
URL1=http://127.0.0.1:$P1
WORKERS=$(arm_workers "$URL1")
arm_free "$URL1" >"$TMP/free.txt"
(($(wc -l <"$TMP/free.txt") >= 256)) || { log "too few free ARM spools"; exit 1; }
head -n 128 "$TMP/free.txt" >"$TMP/cycle1.txt"
sed -n '129,256p' "$TMP/free.txt" >"$TMP/cycle2.txt"

ROWS=()
add() { ROWS+=("$1|$2|$3|$4|$5|$6|$7"); }
measure() { # measure LABEL PORT SPOOLS: the two workloads against PORT
    local label=$1 port=$2 spools=$3 base r rps rt p99 lr lrt cold
    base=$(run_wrk 64 "http://127.0.0.1:$SPORT/" "$BASE_DUR")
    log "$label: TOMAR->PAUSAR, 64 connections"
    r=$("$LOADGEN" -m cycle -p "$port" -c 64 -k 2 -d "$DUR" -W "$WARM" -s "$spools" \
        -w "$WORKERS" -R "${ZPIDS[0]}")
    rps=$(kv "$r" rps) p99=$(kv "$r" p99_ms)
    rt=$(ratio "$rps" "$(kv "$base" rps)")
    add "$label: TOMAR->PAUSAR c=64 throughput" "$rps mut/s" "$(kv "$base" rps) static-200" \
        "${rt}x" ">= 0.10x" "$(verdict "${rt:-0} >= 0.10")" \
        "p50 $(kv "$r" p50_ms) / p99 $p99 ms (static-200 p99 $(kv "$base" p99_ms) ms); non-2xx $(kv "$r" non2xx), errors $(kv "$r" errors)"
    # The first request after the writes builds the list (one build per instance however many
    # ask at once); then 1 s of warm-up, as every workload of bench/run.sh gets.
    cold=$(curl -s -o /dev/null -w '%{time_total}' -H 'Accept-Encoding: gzip' \
        "http://127.0.0.1:$port/api/spools/iniciar?operacion=ARM")
    WRK_H=("Accept-Encoding: gzip")
    run_wrk 64 "http://127.0.0.1:$port/api/spools/iniciar?operacion=ARM" "$WARM" >/dev/null
    base=$(run_wrk 64 "http://127.0.0.1:$SPORT/" "$BASE_DUR")
    log "$label: GET iniciar (gzip), 64 connections"
    lr=$(run_wrk 64 "http://127.0.0.1:$port/api/spools/iniciar?operacion=ARM" "$DUR")
    WRK_H=()
    lrt=$(ratio "$(kv "$lr" rps)" "$(kv "$base" rps)")
    add "$label: GET iniciar (gzip) c=64" "$(kv "$lr" rps) req/s" "$(kv "$base" rps) static-200" \
        "${lrt}x" ">= 0.25x" "$(verdict "${lrt:-0} >= 0.25")" \
        "p50 $(kv "$lr" p50_ms) / p99 $(kv "$lr" p99_ms) ms (static-200 p99 $(kv "$base" p99_ms) ms); non-2xx $(kv "$lr" non2xx); first request after the writes $(calc "$cold * 1000" 1) ms"
}
measure "PostgreSQL, 1 instance" "$P1" "$TMP/cycle1.txt"

start_instance zeues2
P2=$PORT
HPORT=$(free_port)
sed -e "s/^    bind :8080$/    bind 127.0.0.1:$HPORT/" \
    -e "s/127.0.0.1:8001/127.0.0.1:$P1/" -e "s/127.0.0.1:8002/127.0.0.1:$P2/" \
    -e 's/^    log stdout format raw local0 warning$//' deploy/haproxy.cfg >"$TMP/haproxy.cfg"
haproxy -f "$TMP/haproxy.cfg" -db >"$TMP/haproxy.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do
    curl -fs "http://127.0.0.1:$HPORT/api/health" >/dev/null 2>&1 && break
    sleep 0.05
done
sleep 2.5 # both servers marked up (rise 2 x inter 1 s)
measure "PostgreSQL, 2 instances behind HAProxy" "$HPORT" "$TMP/cycle2.txt"

printf '\nZEUES-C PostgreSQL benchmark  %s  nproc %s  PostgreSQL %s  %s spools  %s s per workload  load average at start %s, at end %s  (%s s)\n\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc)" "$PGVER" "$NSPOOLS" "$DUR" "$LOAD0" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" $(($(date +%s) - T0))
echo "| Metric | Value | Baseline (same run) | Ratio | Target | Result | Notes |"
echo "|---|---|---|---|---|---|---|"
for row in "${ROWS[@]}"; do
    IFS='|' read -r m v b r t p n <<<"$row"
    echo "| $m | $v | $b | $r | $t | $p | $n |"
done
