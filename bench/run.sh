#!/usr/bin/env bash
# The ZEUES-C benchmark: one command, `bench/run.sh`.
#
# Builds a Release binary in build-bench/ (plus bench/loadgen.c and bench/static200.c), starts its
# own redis-server and a 10,000-spool demo plant on free loopback ports in a temporary directory,
# measures every figure of SPEC "Speed and size" next to baselines measured in the same run on
# the same machine, prints a table and writes build-bench/bench.json. Stops everything on exit.
#
# Baselines:
#   static-200  wrk against bench/static200.c (a fixed 200 on keep-alive: the loopback + load
#               generator ceiling), at the same connection count, measured immediately before
#               each workload so that both see the same machine load;
#   SET NX      redis-benchmark against the bench Redis.
#
# TOMAR->PAUSAR runs closed loop at 1/16/64/256 connections (throughput) and, at 64 connections,
# open loop at 200 mut/s and at the target rate (0.10x static-200): latency at a fixed offered
# load, counted from when each request was due. A short run at 16 connections counts Redis
# commands and round trips per mutation (redis_per_mutation).
#
# POST /api/spools/batch-status (the v5 cards) asks for 100 tags a request, rotating over every
# tag of the plant (half of the demo's spools are tracked per union), like the lists.
#
# The cached lists as a browser asks for them: GET iniciar with Accept-Encoding: gzip (the
# figure counted against the lists' target; the uncompressed run is reported beside it) and
# its revalidation (If-None-Match -> 304). Holding: RSS with 4,096 idle keep-alive connections
# plus 1,000 SSE streams, and one event reaching 10,000 streams at once (own server runs with
# raised --max-connections / --sse-max-clients). Each of these is a workload_* function with
# its rows_* function, so further workloads merge as functions of their own.
#
# INICIAR->FINALIZAR (v4 unions): INICIAR ARM, then FINALIZAR with 8 of the spool's free unions,
# closed loop at 16 and 64 connections. FINALIZAR uses up what it registers (nothing in the API
# un-arms a union, and a demo spool has at most 12), so this workload gets a demo plant of its
# own (BENCH_UNION_SPOOLS), big enough for a whole run, copied back to its pristine state before
# each connection count.
#
# Environment (all optional):
#   BENCH_SECONDS   measured seconds per workload (default 5; each also gets 1 s of warm-up)
#   BENCH_THREADS   --threads of the server under test (default: the server's own default)
#   BENCH_VARIANTS  0 skips the extra runs (--log-level WARN, --threads 4 and 32)  (default 1)
#   BENCH_SPOOLS    spools of the demo plant (default 10000)
#   BENCH_UNION_SPOOLS  spools of the union workload's own plant (default 120000: about 5,500
#                   spools with >= 8 free ARM unions, one FINALIZAR each; should a run use them
#                   all up, its window ends there and the row says so)
set -euo pipefail
cd "$(dirname "$0")/.."

DUR=${BENCH_SECONDS:-5}
BASE_DUR=3
WARM=1
NSPOOLS=${BENCH_SPOOLS:-10000}
USPOOLS=${BENCH_UNION_SPOOLS:-120000}
USEL=8 # unions per FINALIZAR
VARIANTS=${BENCH_VARIANTS:-1}
B=build-bench
T0=$(date +%s)

LOG_PREFIX=bench
. bench/lib.sh

# ------------------------------------------------------------------ build
bench_build "$B"

# ------------------------------------------------------------------ processes and cleanup
bench_setup zeues-bench

stop_pid() { # stop one process we started, and forget it
    local pid=$1 p keep=()
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

# ------------------------------------------------------------------ result helpers

ROWS=()  # table rows: metric|value|baseline|ratio|target|result|notes
JSON=()  # bench.json metric objects
jstr() { printf '"%s"' "${1//\"/\\\"}"; }
jnum() { [[ -n $1 && $1 != n/a ]] && echo "$1" || echo null; }
# add NAME VALUE UNIT BASELINE BASELINE_NAME RATIO TARGET RESULT(PASS|MISS|info|n/a) NOTES [EXTRA_JSON]
add() {
    local name=$1 value=$2 unit=$3 base=$4 bname=$5 ratio=$6 target=$7 res=$8 notes=$9
    local extra=${10:-}
    local vtxt="$value $unit" btxt="-" rtxt="-"
    [[ $value == n/a ]] && vtxt="n/a"
    [[ -n $base ]] && btxt="$base ($bname)"
    [[ -n $ratio ]] && rtxt="${ratio}x"
    ROWS+=("$name|$vtxt|$btxt|$rtxt|${target:--}|$res|$notes")
    local pj=null
    [[ $res == PASS ]] && pj=true
    [[ $res == MISS ]] && pj=false
    JSON+=("{\"metric\":$(jstr "$name"),\"value\":$(jnum "$value"),\"unit\":$(jstr "$unit"),\"baseline\":$(jnum "$base"),\"baseline_name\":$(jstr "$bname"),\"ratio\":$(jnum "$ratio"),\"target\":$(jstr "$target"),\"pass\":$pj,\"result\":$(jstr "$res"),\"notes\":$(jstr "$notes")${extra:+,$extra}}")
}

# ------------------------------------------------------------------ Redis and its baseline
RPORT=$(free_port)
redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$TMP" --save '' --appendonly yes \
    --logfile "$TMP/redis.log" >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis-cli -p "$RPORT" ping >/dev/null
export REDIS_URL="redis://127.0.0.1:$RPORT"
log "redis on $RPORT: redis-benchmark SET NX baseline"
rb=$(redis-benchmark -p "$RPORT" -n 200000 -c 64 -r 1000000 -q SET 'bench:__rand_int__' v NX 2>&1 |
     tr '\r' '\n' | grep 'requests per second' | tail -1)
REDIS_RPS=$(awk -F': ' '{ split($2, a, " "); print a[1] }' <<<"$rb")
REDIS_P50=$(sed -n 's/.*p50=\([0-9.]*\).*/\1/p' <<<"$rb")
redis-cli -p "$RPORT" flushall >/dev/null

# ------------------------------------------------------------------ demo plant
DB=$TMP/demo.db
log "creating the demo plant ($NSPOOLS spools)"
"$ZEUES" demo --db "$DB" --spools "$NSPOOLS" >/dev/null

# Every tag of the plant, in plant order (from its Operaciones export), and the batch-status load:
# one body per 100 consecutive tags, a wrk script rotating over them, the bodies also as files.
"$ZEUES" export --db "$DB" --dir "$TMP/export" >/dev/null
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "TAG_SPOOL") c = i; next }
         c && /^[0-9]+,/ && $c != "" { print $c }' "$TMP/export/Operaciones.csv" >"$TMP/tags.txt"
rm -rf "$TMP/export"
mkdir -p "$TMP/batch"
awk -v dir="$TMP/batch" '
    function flush() { if (!n) return; f = dir "/" ++k ".json"; printf "{\"tags\":[%s]}", body > f
                       close(f); printf "[[{\"tags\":[%s]}]],\n", body; body = ""; n = 0 }
    { body = body (n ? "," : "") "\"" $0 "\""; if (++n == 100) flush() }
    END { flush() }' "$TMP/tags.txt" >"$TMP/batch-bodies.lua"
{
    echo '-- POST /api/spools/batch-status, 100 tags a request, rotating over the whole plant'
    echo 'local bodies = {'
    cat "$TMP/batch-bodies.lua"
    cat <<'LUA'
}
local reqs, i = {}, 0
function init(args)
    for k, b in ipairs(bodies) do
        reqs[k] = wrk.format("POST", "/api/spools/batch-status",
                             {["Content-Type"] = "application/json"}, b)
    end
end
function request()
    i = i % #reqs + 1
    return reqs[i]
end
LUA
} >"$TMP/batch.lua"
NTAGS=$(wc -l <"$TMP/tags.txt")
NBODIES=$(find "$TMP/batch" -name '*.json' | wc -l)

# ------------------------------------------------------------------ static-200 ceiling
"$B/static200" -p 0 -t 1 >"$TMP/static200.out" 2>&1 &
PIDS+=($!)
SPORT=$(wait_line "$TMP/static200.out" 'listening on' | awk '{print $NF}')
declare -A BASE # key -> wrk result against static-200, taken right before the workload
baseline() { # baseline KEY CONNS
    log "  static-200 baseline, $2 connections"
    BASE[$1]=$(run_wrk "$2" "http://127.0.0.1:$SPORT/" "$BASE_DUR")
}
baseline ceiling 64
log "loadgen's own ceiling against static-200 (64 connections)"
LG_CEIL=$("$LOADGEN" -m get -p "$SPORT" -c 64 -d "$DUR" -W "$WARM" -P /)

# ------------------------------------------------------------------ start-up time
log "start-up time (exec -> first 200 from /api/health), 5 runs"
SU=$("$LOADGEN" -m startup -n 5 -- "$ZEUES" serve --port 0 --bind 127.0.0.1 --db "$DB" ${BENCH_THREADS:+--threads $BENCH_THREADS})

# ------------------------------------------------------------------ the server under test
ZPID=""
ZPORT=""
start_server() { # start_server EXTRA_ARGS...   (the plant is $DB, or $SERVE_DB when set)
    "$ZEUES" serve --port 0 --bind 127.0.0.1 --db "${SERVE_DB:-$DB}" \
        ${BENCH_THREADS:+--threads $BENCH_THREADS} "$@" \
        >"$TMP/zeues.out" 2>"$TMP/zeues.log" &
    ZPID=$!
    PIDS+=($ZPID)
    ZPORT=$(wait_line "$TMP/zeues.out" 'listening on http://' | sed -E 's|.*http://[^:]*:([0-9]+).*|\1|')
    for _ in $(seq 100); do
        curl -fs "http://127.0.0.1:$ZPORT/api/health" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    log "server did not become healthy"; cat "$TMP/zeues.log" >&2; return 1
}
start_server
log "server pid $ZPID on $ZPORT"
URL=http://127.0.0.1:$ZPORT

# Armador-eligible active workers, and free ARM spools whose ARM is not complete (bench/lib.sh).
WORKERS=$(arm_workers "$URL")
arm_free "$URL" >"$TMP/free.txt"
NFREE=$(wc -l <"$TMP/free.txt")
((NFREE >= 600)) || { log "only $NFREE free ARM spools; need 600"; exit 1; }
# Disjoint slices: cycles use the first 512 (2 per connection at 256), race the next 4, SSE 30,
# Redis commands per mutation 32.
head -n 512 "$TMP/free.txt" >"$TMP/cycle.txt"
sed -n '513,516p' "$TMP/free.txt" >"$TMP/race.txt"
sed -n '517,546p' "$TMP/free.txt" >"$TMP/sse.txt"
sed -n '547,578p' "$TMP/free.txt" >"$TMP/redis-spools.txt" # redis_per_mutation: 16 x 2
NWORKERS=$(tr , '\n' <<<"$WORKERS" | wc -l)
log "$NWORKERS Armador/Ayudante workers ($WORKERS); $NFREE free ARM spools"

RSS_MAX=0
note_rss() { local v; v=$(kv "$1" rss_max_kb); [[ -n $v ]] && ((v > RSS_MAX)) && RSS_MAX=$v; return 0; }

cycle() { # cycle CONNS [RATE] -> loadgen output (closed loop, or open loop at RATE mut/s)
    "$LOADGEN" -m cycle -p "$ZPORT" -c "$1" -k 2 -d "$DUR" -W "$WARM" -s "$TMP/cycle.txt" \
        -w "$WORKERS" -R "$ZPID" ${2:+-r $2}
}
wrk_rss() { # wrk_rss CONNS URL [LUA] -> run_wrk output plus rss_max_kb of the server during the run
    (while :; do awk '/VmRSS/ {print $2}' "/proc/$ZPID/status"; sleep 0.1; done) >"$TMP/rss.txt" 2>/dev/null &
    local sampler=$! r
    r=$(run_wrk "$1" "$2" "$DUR" "${3:-}")
    kill "$sampler"; wait "$sampler" 2>/dev/null || true
    echo "$r rss_max_kb=$(sort -n "$TMP/rss.txt" | tail -1)"
}

store_stat() { # store_stat KEY -> one counter of /api/health's store_stats
    curl -fs "http://127.0.0.1:$ZPORT/api/health" | python3 -c "import json,sys; print(json.load(sys.stdin)['store_stats']['$1'])"
}

declare -A RES
declare -A SYNCS # conns -> "syncs changes" during that closed-loop run (warm-up included)
for c in 1 16 64 256; do
    baseline "cycle$c" "$c"
    log "TOMAR->PAUSAR cycles, $c connections"
    s0=$(store_stat syncs) m0=$(store_stat changes)
    RES[cycle$c]=$(cycle "$c")
    SYNCS[$c]="$(($(store_stat syncs) - s0)) $(($(store_stat changes) - m0))"
    note_rss "${RES[cycle$c]}"
done

# Open loop at 64 connections: latency at a fixed offered rate (counted from when each request
# was due, so a stall is not hidden by the generator waiting for it).
OPEN_LOW=200
OPEN_TARGET=$(awk -v b="$(kv "${BASE[cycle64]}" rps)" 'BEGIN { printf "%d", 0.10 * b }')
log "TOMAR->PAUSAR open loop, 64 connections, $OPEN_LOW mut/s"
RES[open_low]=$(cycle 64 "$OPEN_LOW")
note_rss "${RES[open_low]}"
log "TOMAR->PAUSAR open loop, 64 connections, $OPEN_TARGET mut/s (0.10x static-200)"
RES[open_target]=$(cycle 64 "$OPEN_TARGET")
note_rss "${RES[open_target]}"
OPEN_2K=2000
log "TOMAR->PAUSAR open loop, 64 connections, $OPEN_2K mut/s"
RES[open_2k]=$(cycle 64 "$OPEN_2K")
note_rss "${RES[open_2k]}"

# The WAL under the heaviest write load the bench makes: closed-loop TOMAR->PAUSAR at 256
# connections for BENCH_WAL_SECONDS (30), the WAL file's size sampled every 100 ms; then its
# size 2 s after the load stopped.
wal_load() {
    local secs=${BENCH_WAL_SECONDS:-30} wal="${SERVE_DB:-$DB}-wal"
    log "WAL under $secs s of TOMAR->PAUSAR at 256 connections"
    (while :; do stat -c %s "$wal" 2>/dev/null || echo 0; sleep 0.1; done) >"$TMP/wal.txt" &
    local sampler=$! r
    r=$("$LOADGEN" -m cycle -p "$ZPORT" -c 256 -k 2 -d "$secs" -W 0 -s "$TMP/cycle.txt" \
        -w "$WORKERS" -R "$ZPID")
    kill "$sampler"; wait "$sampler" 2>/dev/null || true
    sleep 2
    echo "$r wal_max=$(sort -n "$TMP/wal.txt" | tail -1) wal_after=$(stat -c %s "$wal" 2>/dev/null || echo 0) hold_us=$(store_stat checkpoint_hold_max_us)"
}
RES[wal]=$(wal_load)
note_rss "${RES[wal]}"

# Redis commands per mutation: short closed-loop TOMAR->PAUSAR windows with Redis's own
# counters read before and after each. commands = every command Redis executed (INFO
# commandstats, so the commands inside our Lua scripts count too), round trips = the commands
# clients sent (MONITOR lines not marked "lua"), publishes = PUBLISHes on spools:updates (one
# per mutation), mutations = audit events the store gained (with the sqlite3 shell; else the
# publishes). Its spools are a slice of their own, so no other workload's leftovers cause
# refusals here (a refused request costs Redis commands but is no mutation; non2xx shows any).
# The server's background work lands in whichever window it falls in: above all the
# reconciliation pass every 10 s (a GET and an extend per occupied spool, about a thousand
# commands for the demo plant). So the row reports the window with the fewest round trips per
# mutation and, in the notes, the most. MONITOR slows Redis down: counts only, never a rate.
redis_per_mutation_window() { # CONNS SECONDS -> "mutations=.. commands=.. round_trips=.. publishes=.. non2xx=.."
    local cli=(redis-cli -p "$RPORT") db=${SERVE_DB:-$DB} e0="" e1="" c0 c1 mon rt pub m lg
    # shellcheck disable=SC2329
    cmd_total() {
        "${cli[@]}" info commandstats | tr -d '\r' |
            awk -F'[:=,]' '/^cmdstat_/ && $1 != "cmdstat_info" && $1 != "cmdstat_monitor" { s += $3 }
                           END { print s + 0 }'
    }
    command -v sqlite3 >/dev/null && e0=$(sqlite3 "$db" 'SELECT count(*) FROM events')
    c0=$(cmd_total)
    "${cli[@]}" monitor >"$TMP/monitor.txt" 2>/dev/null &
    mon=$!
    sleep 0.2
    lg=$("$LOADGEN" -m cycle -p "$ZPORT" -c "$1" -k 2 -d "$2" -W 0 -s "$TMP/redis-spools.txt" -w "$WORKERS")
    sleep 0.2
    kill "$mon" 2>/dev/null || true
    wait "$mon" 2>/dev/null || true
    c1=$(cmd_total)
    [[ -n $e0 ]] && e1=$(sqlite3 "$db" 'SELECT count(*) FROM events')
    rt=$(grep -cE '^[0-9.]+ \[[0-9]+ [0-9.:]+\] ' "$TMP/monitor.txt" || true)
    pub=$(grep -ic '"publish" "spools:updates"' "$TMP/monitor.txt" || true)
    m=$pub
    [[ -n $e0 && -n $e1 ]] && m=$((e1 - e0))
    echo "mutations=$m commands=$((c1 - c0)) round_trips=$rt publishes=$pub non2xx=$(kv "$lg" non2xx)"
    rm -f "$TMP/monitor.txt"
}
redis_per_mutation() { # CONNS SECONDS WINDOWS -> the window with the fewest round trips per mutation, plus max_rt_per_mutation=..
    local i w best="" best_q="" max_q=0 q
    for ((i = 0; i < $3; i++)); do
        w=$(redis_per_mutation_window "$1" "$2")
        (($(kv "$w" mutations) > 0)) || continue
        q=$(calc "$(kv "$w" round_trips) / $(kv "$w" mutations)" 4)
        if [[ -z $best ]] || awk "BEGIN { exit !($q < $best_q) }"; then best=$w best_q=$q; fi
        awk "BEGIN { exit !($q > $max_q) }" && max_q=$q
    done
    echo "${best:-mutations=0} max_rt_per_mutation=$(calc "$max_q" 2) windows=$3"
}
redis_per_mutation_row() { # redis_per_mutation_row RESULT: its table row
    local m c rt pub bad
    m=$(kv "$1" mutations) c=$(kv "$1" commands) rt=$(kv "$1" round_trips) pub=$(kv "$1" publishes)
    bad=$(kv "$1" non2xx)
    m=${m:-0}
    if ! ((m > 0)); then
        add "Redis commands per mutation" "n/a" "commands" "" "" "" "" n/a "no mutation counted"
        return
    fi
    add "Redis commands per mutation" "$(calc "$c / $m" 2)" "commands" "" "" "" "" info \
        "$(calc "$rt / $m" 2) round trips and $(calc "$pub / $m" 2) PUBLISH per mutation; best of $(kv "$1" windows) windows of 2 s at 16 connections ($m TOMAR/PAUSAR, $c commands by INFO commandstats with those inside scripts, $rt sent by MONITOR; non-2xx ${bad:-?}); worst window $(kv "$1" max_rt_per_mutation) round trips (background work)" \
        "\"mutations\":$m,\"commands\":$c,\"round_trips\":$rt,\"publishes\":$pub,\"non2xx\":$(jnum "$bad"),\"round_trips_per_mutation\":$(calc "$rt / $m" 2),\"max_round_trips_per_mutation\":$(jnum "$(kv "$1" max_rt_per_mutation)")"
}
log "Redis commands per TOMAR/PAUSAR, 16 connections"
RES[redis_per_mutation]=$(redis_per_mutation 16 2 3)

# ------------------------------------------------------------------ the lists as browsers ask
GZ_PATH="/api/spools/iniciar?operacion=ARM"
workload_iniciar_gzip() { # GET iniciar with gzip, 64 connections (needs the headline server)
    GZ_BYTES=$(curl -fs -H 'Accept-Encoding: gzip' "$URL$GZ_PATH" | wc -c)
    GZ_CODING=$(curl -fs -o /dev/null -D - -H 'Accept-Encoding: gzip' "$URL$GZ_PATH" |
                awk 'tolower($1) == "content-encoding:" { print $2 }' | tr -d '\r')
    baseline iniciar_gzip 64
    log "GET $GZ_PATH with Accept-Encoding: gzip, 64 connections"
    WRK_H=("Accept-Encoding: gzip, deflate, br")
    RES[iniciar_gzip]=$(wrk_rss 64 "$URL$GZ_PATH")
    WRK_H=()
    note_rss "${RES[iniciar_gzip]}"
}
workload_revalidate() { # the same list revalidated: If-None-Match with its ETag -> 304
    REVAL_ETAG=$(curl -fs -o /dev/null -D - -H 'Accept-Encoding: gzip' "$URL$GZ_PATH" |
                 awk 'tolower($1) == "etag:" { print $2 }' | tr -d '\r')
    REVAL_STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: gzip' \
                   -H "If-None-Match: $REVAL_ETAG" "$URL$GZ_PATH")
    baseline revalidate 64
    log "GET $GZ_PATH with If-None-Match (answer $REVAL_STATUS), 64 connections"
    WRK_H=("Accept-Encoding: gzip, deflate, br" "If-None-Match: $REVAL_ETAG")
    RES[revalidate]=$(wrk_rss 64 "$URL$GZ_PATH")
    WRK_H=()
    note_rss "${RES[revalidate]}"
}
rows_lists_gzip() {
    local r=${RES[iniciar_gzip]} rps p50 p99 rt
    rps=$(kv "$r" rps) p50=$(kv "$r" p50_ms) p99=$(kv "$r" p99_ms)
    rt=$(ratio "$rps" "$(b_rps iniciar_gzip)")
    add "GET iniciar gzip c=64 throughput" "$rps" "req/s" "$(b_rps iniciar_gzip)" "static-200" "$rt" \
        ">= 0.25x" "$(verdict "$rt >= 0.25")" \
        "$GZ_BYTES B/response (content-encoding ${GZ_CODING:-none}; ${LIST_BYTES[iniciar]} B uncompressed, row GET iniciar); p50 $p50 ms; non-2xx $(kv "$r" non2xx)" \
        "\"path\":$(jstr "$GZ_PATH"),\"conns\":64,\"bytes\":$(jnum "$GZ_BYTES"),\"content_encoding\":$(jstr "${GZ_CODING:-none}"),\"p50_ms\":$(jnum "$p50"),\"p99_ms\":$(jnum "$p99"),\"non2xx\":$(jnum "$(kv "$r" non2xx)"),\"socket_errors\":$(jnum "$(kv "$r" errors)")"
    add "GET iniciar gzip c=64 p99" "$p99" "ms" "$(b_p99 iniciar_gzip)" "static-200 p99" "" "<= 10 ms" \
        "$(verdict "$p99 <= 10")" "" "\"path\":$(jstr "$GZ_PATH")"
    r=${RES[revalidate]}
    rps=$(kv "$r" rps) p50=$(kv "$r" p50_ms) p99=$(kv "$r" p99_ms)
    rt=$(ratio "$rps" "$(b_rps revalidate)")
    add "GET iniciar revalidation (304) c=64 throughput" "$rps" "req/s" "$(b_rps revalidate)" "static-200" \
        "$rt" ">= 0.5x" "$(verdict "$rt >= 0.5 && $REVAL_STATUS == 304")" \
        "answer $REVAL_STATUS to If-None-Match $REVAL_ETAG; p50 $p50 / p99 $p99 ms; non-2xx $(kv "$r" non2xx)" \
        "\"path\":$(jstr "$GZ_PATH"),\"conns\":64,\"status\":$(jnum "$REVAL_STATUS"),\"p50_ms\":$(jnum "$p50"),\"p99_ms\":$(jnum "$p99")"
}

LIST_NAMES=(iniciar cancelar workers)
declare -A LIST_PATH=(
    [iniciar]="/api/spools/iniciar?operacion=ARM"
    [cancelar]="/api/spools/cancelar?operacion=ARM&worker_id=93"
    [workers]="/api/workers")
declare -A LIST_BYTES
for n in "${LIST_NAMES[@]}"; do
    LIST_BYTES[$n]=$(curl -fs "$URL${LIST_PATH[$n]}" | wc -c)
    baseline "$n" 64
    log "GET ${LIST_PATH[$n]}, 64 connections"
    RES[$n]=$(wrk_rss 64 "$URL${LIST_PATH[$n]}")
    note_rss "${RES[$n]}"
done
workload_iniciar_gzip
workload_revalidate

# POST /api/spools/batch-status, 100 tags a request: what each body's answer weighs (and how many
# of its tags were found), then wrk rotating over all the bodies.
log "POST /api/spools/batch-status: answer sizes of the $NBODIES bodies"
: >"$TMP/batch-sizes.txt"
for f in "$TMP"/batch/*.json; do
    curl -s -H 'Content-Type: application/json' --data-binary "@$f" "$URL/api/spools/batch-status" \
        -o "$TMP/batch-answer.json" -w '%{http_code} %{size_download}' >>"$TMP/batch-sizes.txt" ||
        true
    echo " $(grep -o '"total":[0-9]*' "$TMP/batch-answer.json" | tail -1 | cut -d: -f2)" \
        >>"$TMP/batch-sizes.txt"
done
BATCH_BYTES=$(awk '{ s += $2 } END { printf "%d", NR ? s / NR : 0 }' "$TMP/batch-sizes.txt")
BATCH_FOUND=$(awk '{ s += $3 } END { print s + 0 }' "$TMP/batch-sizes.txt")
BATCH_NON200=$(awk '$1 != 200 { n++ } END { print n + 0 }' "$TMP/batch-sizes.txt")
baseline batch 64
log "POST /api/spools/batch-status ($NBODIES bodies of 100 tags), 64 connections"
RES[batch]=$(wrk_rss 64 "$URL/api/spools/batch-status" "$TMP/batch.lua")
note_rss "${RES[batch]}"

baseline race 64
log "race: 64 connections, $NWORKERS workers, 4 spools"
RES[race]=$("$LOADGEN" -m race -p "$ZPORT" -c 64 -k 4 -d "$DUR" -W "$WARM" -s "$TMP/race.txt" \
            -w "$WORKERS" -R "$ZPID")
note_rss "${RES[race]}"

log "SSE fan-out: 1000 streams, 30 events"
SSE=$("$LOADGEN" -m sse -p "$ZPORT" -c 1000 -e 30 -s "$TMP/sse.txt" -w "$WORKERS" -R "$ZPID")
note_rss "$SSE"
HWM=$(awk '/VmHWM/ {print $2}' "/proc/$ZPID/status")
END_RSS=$(awk '/VmRSS/ {print $2}' "/proc/$ZPID/status")
LOGLINES=$(wc -l <"$TMP/zeues.log")
stop_pid "$ZPID"

# ------------------------------------------------------------------ holding connections
IDLE_CONNS=4096
IDLE_STREAMS=1000
workload_idle_rss() { # RSS of a fresh server holding 4,096 idle keep-alive connections + 1,000 streams
    start_server --max-connections $((IDLE_CONNS + IDLE_STREAMS + 100))
    log "holding $IDLE_CONNS idle keep-alive connections + $IDLE_STREAMS SSE streams"
    IDLE=$("$LOADGEN" -m idle -p "$ZPORT" -c "$IDLE_CONNS" -e "$IDLE_STREAMS" -P /api/workers \
           -R "$ZPID")
    stop_pid "$ZPID"
}
rows_idle_rss() {
    local mb
    mb=$(calc "$(kv "$IDLE" rss_kb) / 1024" 1)
    add "RSS, $IDLE_CONNS idle keep-alive conns + $IDLE_STREAMS SSE streams" "$mb" "MB" "" "" "" \
        "<= 64 MB" "$(verdict "$mb <= 64 && $(kv "$IDLE" failed) == 0")" \
        "fresh server, each connection after one GET /api/workers; $(kv "$IDLE" answered) answered, $(kv "$IDLE" streams) streams open, $(kv "$IDLE" failed) failed; VmRSS 2 s after the last" \
        "\"conns\":$IDLE_CONNS,\"streams\":$IDLE_STREAMS,\"answered\":$(jnum "$(kv "$IDLE" answered)"),\"streams_open\":$(jnum "$(kv "$IDLE" streams)"),\"failed\":$(jnum "$(kv "$IDLE" failed)"),\"vmhwm_mb\":$(calc "$(kv "$IDLE" hwm_kb) / 1024" 1)"
}
SSE_BIG=10000
SSE_BIG_EVENTS=10
workload_sse_10k() { # one event reaching 10,000 streams at once (--sse-max-clients raised)
    start_server --sse-max-clients $((SSE_BIG + 50)) --max-connections $((SSE_BIG + 200))
    log "SSE fan-out: $SSE_BIG streams, $SSE_BIG_EVENTS events"
    SSE10K=$("$LOADGEN" -m sse -p "$ZPORT" -c "$SSE_BIG" -e "$SSE_BIG_EVENTS" -s "$TMP/sse.txt" \
             -w "$WORKERS" -R "$ZPID")
    stop_pid "$ZPID"
}
rows_sse_10k() {
    local name="SSE $SSE_BIG streams, event delivery p99" p99
    if [[ $(kv "$SSE10K" status) == ok ]]; then
        p99=$(kv "$SSE10K" p99_ms)
        add "$name" "$p99" "ms" "" "" "" "<= 100 ms" "$(verdict "$p99 <= 100")" \
            "open $(kv "$SSE10K" open), missed $(kv "$SSE10K" missed), p50 $(kv "$SSE10K" p50_ms) ms, $SSE_BIG_EVENTS events; --sse-max-clients $((SSE_BIG + 50)); RSS $(calc "$(kv "$SSE10K" rss_max_kb) / 1024" 1) MB" \
            "\"streams\":$SSE_BIG,\"p50_ms\":$(jnum "$(kv "$SSE10K" p50_ms)"),\"open\":$(jnum "$(kv "$SSE10K" open)"),\"missed\":$(jnum "$(kv "$SSE10K" missed)"),\"rss_max_mb\":$(calc "$(kv "$SSE10K" rss_max_kb) / 1024" 1)"
    else
        add "$name" "n/a" "ms" "" "" "" "<= 100 ms" MISS \
            "only $(kv "$SSE10K" open) of $SSE_BIG streams opened (first status $(kv "$SSE10K" first_status); descriptor limit $(ulimit -n))" \
            "\"streams\":$SSE_BIG,\"open\":$(jnum "$(kv "$SSE10K" open)")"
    fi
}
workload_idle_rss
workload_sse_10k

# ------------------------------------------------------------------ variants (not the headline)
VARIANT_KEYS=()
if [[ $VARIANTS == 1 ]]; then
    start_server --log-level WARN
    baseline warn_cycle 64
    log "variant --log-level WARN: cycles at 64 connections"
    RES[warn_cycle]=$(cycle 64)
    baseline warn_workers 64
    log "variant --log-level WARN: GET /api/workers at 64 connections"
    RES[warn_workers]=$(run_wrk 64 "http://127.0.0.1:$ZPORT/api/workers")
    stop_pid "$ZPID"
    VARIANT_KEYS+=(warn_cycle warn_workers)
    if [[ -z ${BENCH_THREADS:-} ]]; then
        for th in 4 32; do
            BENCH_THREADS=$th start_server
            baseline "threads$th" 64
            log "variant --threads $th: cycles at 64 connections"
            s0=$(store_stat syncs) m0=$(store_stat changes)
            RES[threads$th]=$(cycle 64)
            SYNCS[th$th]="$(($(store_stat syncs) - s0)) $(($(store_stat changes) - m0))"
            stop_pid "$ZPID"
            VARIANT_KEYS+=("threads$th")
        done
    fi
fi

# ------------------------------------------------------------------ v4 unions: INICIAR -> FINALIZAR
# Its own plant (see the top): created once, copied back before every server start, with an
# empty Redis, so that both connection counts start from the same plant. The server is measured
# once its start-up reconcile pass (the demo's occupied spools get their locks) is done. After
# the variants, so that they find Redis as the headline run left it.
UDB=$TMP/unions.db
log "creating the union workload's plant ($USPOOLS spools)"
"$ZEUES" demo --db "$TMP/unions-pristine.db" --spools "$USPOOLS" >/dev/null
union_server() {
    redis-cli -p "$RPORT" flushall >/dev/null
    rm -f "$UDB" "$UDB-wal" "$UDB-shm"
    cp "$TMP/unions-pristine.db" "$UDB"
    SERVE_DB=$UDB start_server
    local i
    for i in $(seq 300); do
        grep -q 'reconcile: start-up pass' "$TMP/zeues.log" && return 0
        sleep 0.1
    done
    log "no start-up reconcile line after 30 s; measuring anyway"
}
union_server
UURL=http://127.0.0.1:$ZPORT
# Spools with >= USEL free ARM unions: the free ARM list, narrowed by batch-status (100 tags a
# request; enough unions not yet armed, nobody on it), then each one's ids from /todas (the
# unions without an ARM worker). One line per spool: TAG ID1,ID2,...
arm_free "$UURL" >"$TMP/ufree.txt" || true
awk -v dir="$TMP" -v url="$UURL" '
    function flush() {
        if (!n) return
        f = dir "/ubatch." ++k ".json"; printf "{\"tags\":[%s]}", body > f; close(f)
        printf "%surl = \"%s/api/spools/batch-status\"\n", (k > 1 ? "next\n" : ""), url
        printf "header = \"Content-Type: application/json\"\ndata = \"@%s\"\n", f
        body = ""; n = 0
    }
    { body = body (n ? "," : "") "\"" $0 "\""; if (++n == 100) flush() }
    END { flush() }' "$TMP/ufree.txt" >"$TMP/ubatch.cfg"
: >"$TMP/ucand.txt"
if [[ -s $TMP/ubatch.cfg ]]; then
    curl -s -K "$TMP/ubatch.cfg" -w '\n' | sed 's/{"tag_spool":/\n&/g' |
        awk -v sel=$USEL 'match($0, /^{"tag_spool":"[^"]*"/) && /"ocupado_por":null/ {
            t = substr($0, 15, RLENGTH - 15)
            if (!match($0, /"total_uniones":[0-9]+/)) next
            n = substr($0, RSTART + 16, RLENGTH - 16) + 0
            if (!match($0, /"uniones_arm_completadas":[0-9]+/)) next
            if (n - substr($0, RSTART + 26, RLENGTH - 26) >= sel) print t }' >"$TMP/ucand.txt" ||
        true
fi
: >"$TMP/unions.txt"
if [[ -s $TMP/ucand.txt ]]; then
    sed "s|.*|url = \"$UURL/api/v4/uniones/&/todas\"|" "$TMP/ucand.txt" >"$TMP/utodas.cfg"
    curl -s -K "$TMP/utodas.cfg" -w '\n' | sed 's/{"id":/\n&/g' |
        awk -v sel=$USEL '
            function out() { if (tag != "" && n >= sel) print tag, ids }
            /^{"tag_spool":"/ { out(); match($0, /"tag_spool":"[^"]*"/)
                                tag = substr($0, RSTART + 13, RLENGTH - 14); ids = ""; n = 0; next }
            /^{"id":"/ && /"arm_worker":null/ { match($0, /"id":"[^"]*"/)
                                ids = ids (n ? "," : "") substr($0, RSTART + 6, RLENGTH - 7); n++ }
            END { out() }' >"$TMP/unions.txt" || true
fi
NUFREE=$(wc -l <"$TMP/ufree.txt")
NUCAND=$(wc -l <"$TMP/ucand.txt")
NUSPOOLS=$(wc -l <"$TMP/unions.txt")
stop_pid "$ZPID"
log "union plant: $NUFREE free ARM spools, $NUCAND with >= $USEL unions to arm (batch-status)," \
    "$NUSPOOLS confirmed by /todas"
UNION_CONNS=(16 64)
declare -A UWAL_MB
if ((NUSPOOLS >= 64)); then
    for c in "${UNION_CONNS[@]}"; do
        union_server
        baseline "unions$c" "$c"
        log "INICIAR -> FINALIZAR ($USEL unions), $c connections"
        RES[unions$c]=$("$LOADGEN" -m unions -p "$ZPORT" -c "$c" -u "$USEL" -d "$DUR" -W "$WARM" \
                        -s "$TMP/unions.txt" -w "$WORKERS" -R "$ZPID")
        UWAL_MB[$c]=$(calc "$(stat -c %s "$UDB-wal" 2>/dev/null || echo 0) / 1048576" 1)
        stop_pid "$ZPID"
    done
else
    log "only $NUSPOOLS spools with >= $USEL free ARM unions: INICIAR -> FINALIZAR not measured"
fi
rm -f "$TMP/unions-pristine.db" "$UDB" "$UDB-wal" "$UDB-shm"

# ------------------------------------------------------------------ table
b_rps() { kv "${BASE[$1]}" rps; }
b_p99() { kv "${BASE[$1]}" p99_ms; }

add "redis-benchmark SET NX, 64 conns" "$REDIS_RPS" "req/s" "" "" "" "" info "p50 $REDIS_P50 ms" \
    "\"p50_ms\":$(jnum "$REDIS_P50")"
add "loadgen vs static-200, 64 conns" "$(kv "$LG_CEIL" rps)" "req/s" "$(b_rps ceiling)" "static-200 wrk" \
    "$(ratio "$(kv "$LG_CEIL" rps)" "$(b_rps ceiling)")" "" info \
    "generator check; loadgen p99 $(kv "$LG_CEIL" p99_ms) ms, wrk p99 $(b_p99 ceiling) ms"

for c in 1 16 64 256; do
    r=${RES[cycle$c]}
    rps=$(kv "$r" rps) p50=$(kv "$r" p50_ms) p99=$(kv "$r" p99_ms)
    rt=$(ratio "$rps" "$(b_rps "cycle$c")")
    notes="p50 $p50 / p99 $p99 ms; non-2xx $(kv "$r" non2xx); $(ratio "$rps" "$REDIS_RPS")x SET NX"
    extra="\"conns\":$c,\"p50_ms\":$(jnum "$p50"),\"p99_ms\":$(jnum "$p99"),\"non2xx\":$(jnum "$(kv "$r" non2xx)"),\"errors\":$(jnum "$(kv "$r" errors)"),\"cycles_per_s\":$(jnum "$(kv "$r" cycles_per_s)"),\"redis_setnx_rps\":$(jnum "$REDIS_RPS"),\"ratio_to_redis_setnx\":$(jnum "$(ratio "$rps" "$REDIS_RPS")")"
    if [[ $c == 64 ]]; then
        add "TOMAR->PAUSAR c=64 throughput" "$rps" "mut/s" "$(b_rps cycle64)" "static-200" "$rt" ">= 0.10x" \
            "$(verdict "$rt >= 0.10")" "$notes" "$extra"
        add "TOMAR->PAUSAR c=64 p99" "$p99" "ms" "$(b_p99 cycle64)" "static-200 p99" "" "<= 2 ms" \
            "$(verdict "$p99 <= 2")" "p50 $p50 ms" "\"conns\":64,\"p50_ms\":$(jnum "$p50")"
    else
        add "TOMAR->PAUSAR c=$c" "$rps" "mut/s" "$(b_rps "cycle$c")" "static-200" "$rt" "" info "$notes" "$extra"
    fi
done

read -r sy ch <<<"${SYNCS[64]}"
spm=$( ((ch > 0)) && calc "$sy / $ch" 3 || echo "")
add "fsyncs per acknowledged mutation, c=64" "${spm:-n/a}" "syncs/mut" "" "" "" "<= 0.2" \
    "$([[ -n $spm ]] && verdict "$spm <= 0.2" || echo MISS)" \
    "$sy syncs for $ch changes (TOMAR->PAUSAR c=64, synchronous=FULL); c=1: ${SYNCS[1]}, c=16: ${SYNCS[16]}, c=256: ${SYNCS[256]} (syncs changes)" \
    "\"syncs\":$(jnum "$sy"),\"changes\":$(jnum "$ch")"
for c in 1 16 256; do
    read -r sy ch <<<"${SYNCS[$c]}"
    ((ch > 0)) && add "fsyncs per acknowledged mutation, c=$c" "$(calc "$sy / $ch" 3)" "syncs/mut" "" "" "" "" info \
        "$sy syncs for $ch changes" "\"syncs\":$sy,\"changes\":$ch"
done
r=${RES[wal]}
wmax=$(calc "$(kv "$r" wal_max) / 1048576" 1)
add "WAL size, max during 30 s of writes" "$wmax" "MB" "" "" "" "<= 64 MB" "$(verdict "$wmax <= 64")" \
    "TOMAR->PAUSAR c=256, $(kv "$r" rps) mut/s; $(calc "$(kv "$r" wal_after) / 1048576" 1) MB 2 s after; longest checkpoint hold on writers $(kv "$r" hold_us) us" \
    "\"wal_after_bytes\":$(jnum "$(kv "$r" wal_after)"),\"mut_per_s\":$(jnum "$(kv "$r" rps)"),\"checkpoint_hold_max_us\":$(jnum "$(kv "$r" hold_us)")"
r=${RES[open_2k]}
add "TOMAR->PAUSAR c=64 open loop, offered 2000 mut/s" "$(kv "$r" p99_ms)" "ms p99" "" "" "" "<= 5 ms" \
    "$(verdict "$(kv "$r" p99_ms) <= 5")" \
    "achieved $(kv "$r" rps) mut/s; p50 $(kv "$r" p50_ms) / p90 $(kv "$r" p90_ms) ms; non-2xx $(kv "$r" non2xx)" \
    "\"offered_rps\":2000,\"achieved_rps\":$(jnum "$(kv "$r" rps)"),\"p50_ms\":$(jnum "$(kv "$r" p50_ms)")"
redis_per_mutation_row "${RES[redis_per_mutation]}"

for k in open_low open_target; do
    r=${RES[$k]}
    off=$([[ $k == open_low ]] && echo "$OPEN_LOW" || echo "$OPEN_TARGET")
    add "TOMAR->PAUSAR c=64 open loop, offered $off mut/s" "$(kv "$r" p99_ms)" "ms p99" "" "" "" "" info \
        "achieved $(kv "$r" rps) mut/s; p50 $(kv "$r" p50_ms) / p90 $(kv "$r" p90_ms) ms; non-2xx $(kv "$r" non2xx)" \
        "\"offered_rps\":$off,\"achieved_rps\":$(jnum "$(kv "$r" rps)"),\"p50_ms\":$(jnum "$(kv "$r" p50_ms)"),\"p90_ms\":$(jnum "$(kv "$r" p90_ms)")"
done

for c in "${UNION_CONNS[@]}"; do
    name="INICIAR->FINALIZAR ($USEL unions) c=$c"
    r=${RES[unions$c]:-}
    if [[ -z $r ]]; then
        add "$name" "n/a" "cycles/s" "" "" "" "" n/a \
            "only $NUSPOOLS spools with >= $USEL free ARM unions in a $USPOOLS-spool plant (need 64)" \
            "\"conns\":$c,\"plant_spools\":$USPOOLS,\"spools_available\":$NUSPOOLS"
        continue
    fi
    cps=$(kv "$r" cycles_per_s)
    rt=$(ratio "$cps" "$(b_rps "unions$c")")
    rr=$(ratio "$cps" "$REDIS_RPS")
    ran_out=false
    [[ $(kv "$r" exhausted) != 0 ]] && ran_out=true
    notes="FINALIZAR p50 $(kv "$r" fin_p50_ms) / p99 $(kv "$r" fin_p99_ms) ms"
    notes+=", INICIAR p50 $(kv "$r" ini_p50_ms) / p99 $(kv "$r" ini_p99_ms) ms; $(kv "$r" rps) req/s"
    notes+="; ${rr}x SET NX; non-2xx $(kv "$r" non2xx); $(kv "$r" completar) COMPLETAR"
    notes+="; cycles per connection $(kv "$r" conn_cycles_min)-$(kv "$r" conn_cycles_max)"
    notes+="; WAL after the run ${UWAL_MB[$c]} MB"
    [[ $(kv "$r" fin_short) != 0 ]] && notes+="; $(kv "$r" fin_short) FINALIZARs did not process $USEL unions"
    [[ $ran_out == true ]] &&
        notes+="; SPOOL SUPPLY RAN OUT: measured over $(kv "$r" secs) s only (raise BENCH_UNION_SPOOLS)"
    extra="\"conns\":$c,\"unions_per_finalizar\":$USEL,\"requests_per_s\":$(jnum "$(kv "$r" rps)")"
    for k in fin_p50_ms fin_p90_ms fin_p99_ms ini_p50_ms ini_p99_ms non2xx errors fin_short completar \
             conn_cycles_min conn_cycles_max; do
        extra+=",\"$k\":$(jnum "$(kv "$r" "$k")")"
    done
    extra+=",\"baseline_p99_ms\":$(jnum "$(b_p99 "unions$c")"),\"redis_setnx_rps\":$(jnum "$REDIS_RPS")"
    extra+=",\"ratio_to_redis_setnx\":$(jnum "$rr"),\"measured_s\":$(jnum "$(kv "$r" secs)")"
    extra+=",\"supply_ran_out\":$ran_out,\"wal_mb_after\":$(jnum "${UWAL_MB[$c]}")"
    extra+=",\"plant_spools\":$USPOOLS,\"spools_available\":$NUSPOOLS"
    extra+=",\"spools_used\":$(jnum "$(kv "$r" spools_started)")"
    add "$name" "$cps" "cycles/s" "$(b_rps "unions$c")" "static-200" "$rt" "" info "$notes" "$extra"
done

for n in "${LIST_NAMES[@]}"; do
    r=${RES[$n]}
    rps=$(kv "$r" rps) p50=$(kv "$r" p50_ms) p99=$(kv "$r" p99_ms)
    rt=$(ratio "$rps" "$(b_rps "$n")")
    extra="\"path\":$(jstr "${LIST_PATH[$n]}"),\"conns\":64,\"bytes\":$(jnum "${LIST_BYTES[$n]}"),\"p50_ms\":$(jnum "$p50"),\"p99_ms\":$(jnum "$p99"),\"non2xx\":$(jnum "$(kv "$r" non2xx)"),\"socket_errors\":$(jnum "$(kv "$r" errors)")"
    if [[ $n == iniciar ]]; then
        # Uncompressed, beside the gzip rows that count for the target (SPEC: with gzip).
        add "GET $n c=64 throughput" "$rps" "req/s" "$(b_rps "$n")" "static-200" "$rt" ">= 0.25x with gzip" \
            info "uncompressed: ${LIST_BYTES[$n]} B/response; p50 $p50 ms; non-2xx $(kv "$r" non2xx); the target counts row GET iniciar gzip" "$extra"
        add "GET $n c=64 p99" "$p99" "ms" "$(b_p99 "$n")" "static-200 p99" "" "<= 10 ms with gzip" info \
            "uncompressed" "\"path\":$(jstr "${LIST_PATH[$n]}")"
        rows_lists_gzip
        continue
    fi
    add "GET $n c=64 throughput" "$rps" "req/s" "$(b_rps "$n")" "static-200" "$rt" ">= 0.25x" \
        "$(verdict "$rt >= 0.25")" "${LIST_BYTES[$n]} B/response; p50 $p50 ms; non-2xx $(kv "$r" non2xx)" "$extra"
    add "GET $n c=64 p99" "$p99" "ms" "$(b_p99 "$n")" "static-200 p99" "" "<= 5 ms" "$(verdict "$p99 <= 5")" \
        "" "\"path\":$(jstr "${LIST_PATH[$n]}")"
done

r=${RES[batch]}
rps=$(kv "$r" rps) p50=$(kv "$r" p50_ms) p99=$(kv "$r" p99_ms)
rt=$(ratio "$rps" "$(b_rps batch)")
bnotes="$BATCH_BYTES B/response (mean of $NBODIES bodies); $BATCH_FOUND of $NTAGS tags found"
((BATCH_NON200)) && bnotes+="; $BATCH_NON200 bodies not answered 200"
bnotes+="; $(calc "$rps * 100" 0) spools/s; p50 $p50 ms; non-2xx $(kv "$r" non2xx)"
extra="\"path\":\"/api/spools/batch-status\",\"tags_per_request\":100,\"bodies\":$NBODIES,\"conns\":64"
extra+=",\"bytes\":$(jnum "$BATCH_BYTES"),\"tags_found\":$BATCH_FOUND,\"tags\":$NTAGS"
extra+=",\"p50_ms\":$(jnum "$p50"),\"p99_ms\":$(jnum "$p99"),\"non2xx\":$(jnum "$(kv "$r" non2xx)")"
extra+=",\"socket_errors\":$(jnum "$(kv "$r" errors)")"
add "POST batch-status (100 tags) c=64 throughput" "$rps" "req/s" "$(b_rps batch)" "static-200" "$rt" \
    ">= 0.25x" "$(verdict "$rt >= 0.25")" "$bnotes" "$extra"
add "POST batch-status (100 tags) c=64 p99" "$p99" "ms" "$(b_p99 batch)" "static-200 p99" "" "<= 10 ms" \
    "$(verdict "$p99 <= 10")" "" "\"path\":\"/api/spools/batch-status\""

r=${RES[race]}
rrps=$(kv "$r" rps) rtot=$(kv "$r" requests) r409=$(kv "$r" s409)
share=$(awk -v a="$r409" -v b="$rtot" 'BEGIN { printf "%.1f", b ? 100 * a / b : 0 }')
add "race c=64, $NWORKERS workers on 4 spools" "$rrps" "req/s" "$(b_rps race)" "static-200" \
    "$(ratio "$rrps" "$(b_rps race)")" "" info \
    "409 share $share%; codes $(kv "$r" codes); p50 $(kv "$r" p50_ms) / p99 $(kv "$r" p99_ms) ms" \
    "\"p50_ms\":$(jnum "$(kv "$r" p50_ms)"),\"p99_ms\":$(jnum "$(kv "$r" p99_ms)"),\"share_409_pct\":$share,\"codes\":$(jstr "$(kv "$r" codes)"),\"errors\":$(jnum "$(kv "$r" errors)")"

if [[ $(kv "$SSE" status) == ok ]]; then
    sp99=$(kv "$SSE" p99_ms)
    add "SSE 1000 streams, event delivery p99" "$sp99" "ms" "" "" "" "<= 100 ms" "$(verdict "$sp99 <= 100")" \
        "open $(kv "$SSE" open), missed $(kv "$SSE" missed), p50 $(kv "$SSE" p50_ms) ms, 30 events" \
        "\"p50_ms\":$(jnum "$(kv "$SSE" p50_ms)"),\"open\":$(jnum "$(kv "$SSE" open)"),\"missed\":$(jnum "$(kv "$SSE" missed)")"
else
    add "SSE 1000 streams, event delivery p99" "n/a" "ms" "" "" "" "<= 100 ms" "n/a" \
        "/api/sse/stream answered $(kv "$SSE" first_status), not a 200 event stream" \
        "\"reason\":$(jstr "endpoint answered $(kv "$SSE" first_status)")"
fi

rows_sse_10k
rows_idle_rss

rss_mb=$(calc "$RSS_MAX / 1024" 1)
add "RSS peak under load (VmRSS)" "$rss_mb" "MB" "" "" "" "<= 64 MB" "$(verdict "$rss_mb <= 64")" \
    "sampled every 100 ms in all workloads; VmHWM $(calc "${HWM:-0} / 1024" 1) MB" \
    "\"vmhwm_mb\":$(calc "${HWM:-0} / 1024" 1),\"rss_end_mb\":$(calc "${END_RSS:-0} / 1024" 1)"

if [[ $(kv "$SU" status) == ok ]]; then
    su=$(kv "$SU" median_ms)
    add "start-up, exec -> first 200 /api/health" "$su" "ms" "" "" "" "<= 200 ms" "$(verdict "$su <= 200")" \
        "median of 5; min $(kv "$SU" min_ms), max $(kv "$SU" max_ms)" \
        "\"min_ms\":$(jnum "$(kv "$SU" min_ms)"),\"max_ms\":$(jnum "$(kv "$SU" max_ms)"),\"first_ms\":$(jnum "$(kv "$SU" first_ms)")"
else
    add "start-up, exec -> first 200 /api/health" "n/a" "ms" "" "" "" "<= 200 ms" MISS "server did not answer"
fi

for k in "${VARIANT_KEYS[@]}"; do
    r=${RES[$k]}
    case $k in
        warn_cycle) name="variant --log-level WARN: TOMAR->PAUSAR c=64" unit=mut/s ;;
        warn_workers) name="variant --log-level WARN: GET workers c=64" unit=req/s ;;
        threads*) name="variant --threads ${k#threads}: TOMAR->PAUSAR c=64" unit=mut/s ;;
    esac
    vnotes="p50 $(kv "$r" p50_ms) / p99 $(kv "$r" p99_ms) ms"
    if [[ $k == threads* ]]; then
        read -r sy ch <<<"${SYNCS[th${k#threads}]}"
        ((ch > 0)) && vnotes+="; $(calc "$sy / $ch" 3) fsyncs per mutation ($sy for $ch)"
    fi
    add "$name" "$(kv "$r" rps)" "$unit" "$(b_rps "$k")" "static-200" "$(ratio "$(kv "$r" rps)" "$(b_rps "$k")")" \
        "" info "$vnotes" "\"p99_ms\":$(jnum "$(kv "$r" p99_ms)")"
done

# ------------------------------------------------------------------ output
ELAPSED=$(($(date +%s) - T0))
CPU=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf '\nZEUES-C benchmark  %s  nproc %s (%s)  %s spools  %s s per workload  run took %s s\n' \
    "$DATE" "$(nproc)" "$CPU" "$NSPOOLS" "$DUR" "$ELAPSED"
printf 'server: default flags%s; %s request-log lines written during the headline run\n\n' \
    "${BENCH_THREADS:+ + --threads $BENCH_THREADS}" "$LOGLINES"
echo "| Metric | Value | Baseline (same run) | Ratio | Target | Result | Notes |"
echo "|---|---|---|---|---|---|---|"
pass=0 miss=0
for row in "${ROWS[@]}"; do
    IFS='|' read -r m v b r t p n <<<"$row"
    echo "| $m | $v | $b | $r | $t | $p | ${n:-} |"
    [[ $p == PASS ]] && pass=$((pass + 1))
    [[ $p == MISS ]] && miss=$((miss + 1))
done
printf '\ntargets: %d PASS, %d MISS\n' "$pass" "$miss"

{
    printf '{"date":%s,"nproc":%s,"cpu":%s,"spools":%s,"seconds_per_workload":%s,"elapsed_s":%s,' \
        "$(jstr "$DATE")" "$(nproc)" "$(jstr "$CPU")" "$NSPOOLS" "$DUR" "$ELAPSED"
    printf '"pass":%d,"miss":%d,"metrics":[\n' "$pass" "$miss"
    for i in "${!JSON[@]}"; do
        printf '  %s%s\n' "${JSON[$i]}" "$([[ $i -lt $((${#JSON[@]} - 1)) ]] && echo ,)"
    done
    printf ']}\n'
} >"$B/bench.json"
log "wrote $B/bench.json"
