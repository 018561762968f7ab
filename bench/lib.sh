# Shared by bench/run.sh and bench/pg.sh (sourced, from the repository's root): building the
# Release binary and the two helpers, ports, waiting for a line, and reading wrk and loadgen
# results. Needs T0 (start time) and LOG_PREFIX set by the caller.

log() { printf "%s: [%3ds] %s\n" "$LOG_PREFIX" $(($(date +%s) - T0)) "$*" >&2; }

# bench_build DIR [install-deps.sh args]: Release zeues (no test suite), loadgen and static200
# in DIR; sets ZEUES and LOADGEN.
bench_build() {
    local dir=$1
    shift
    scripts/install-deps.sh "$@"
    log "building Release binary in $dir"
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DZEUES_TESTS=OFF >/dev/null
    cmake --build "$dir" -j"$(nproc)" >/dev/null
    cc -O2 -Wall -o "$dir/loadgen" bench/loadgen.c
    cc -O2 -Wall -o "$dir/static200" bench/static200.c -lpthread
    ZEUES=$PWD/$dir/zeues
    LOADGEN=$PWD/$dir/loadgen
}

# bench_setup NAME: the soft descriptor limit raised to the hard one (thousands of connections
# at once), a temporary directory in TMP, and PIDS for the processes the script starts: on exit
# they are stopped, bench_on_exit runs when the script defines it, and TMP is removed.
bench_setup() {
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    PIDS=()
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}
bench_cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if declare -F bench_on_exit >/dev/null; then bench_on_exit; fi
    rm -rf "$TMP"
}

# arm_workers URL -> the ids of the active workers who may do ARM (Armador or Ayudante), comma
# separated.
arm_workers() {
    curl -fs "$1/api/workers" | sed 's/},{/}\n{/g' | grep '"activo":true' |
        grep -E '"roles":\[[^]]*"(Armador|Ayudante)"' | grep -o '"id":[0-9]*' | cut -d: -f2 |
        paste -sd, -
}

# arm_free URL -> the tags of the ARM list whose ARM is not complete: since v4 the ARM list also
# holds spools whose ARM is done (it filters on materials and occupation only), and TOMAR
# refuses those.
arm_free() {
    curl -fs "$1/api/spools/iniciar?operacion=ARM" | sed 's/},{/}\n{/g' |
        grep -v '"arm_estado":"completado"' | grep -o '"tag_spool":"[^"]*"' | cut -d'"' -f4
}

free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}

wait_line() { # wait_line FILE REGEX: waits (10 s) for a line in FILE, prints it
    local i
    for i in $(seq 200); do
        if grep -qE "$2" "$1" 2>/dev/null; then grep -m1 -E "$2" "$1"; return 0; fi
        sleep 0.05
    done
    log "timed out waiting for '$2' in $1"; cat "$1" >&2; return 1
}

kv() { # kv "k1=v1 k2=v2" KEY
    local x
    for x in $1; do [[ ${x%%=*} == "$2" ]] && { echo "${x#*=}"; return; }; done
    echo ""
}
calc() { awk "BEGIN { printf \"%.${2:-3}f\", $1 }"; }
ratio() { [[ -n $1 && -n $2 && $2 != 0 ]] && calc "$1 / $2" 3 || echo ""; }
verdict() { awk "BEGIN { exit !($1) }" && echo PASS || echo MISS; }

to_ms() { # wrk latency text (e.g. 812.00us, 1.20ms, 2.01s) -> ms
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0;
                   else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
WRK_H=() # extra request headers of the next run_wrk calls (set around a call, then emptied)
run_wrk() { # run_wrk CONNS URL [SECONDS [LUA]] -> "rps=.. p50_ms=.. p99_ms=.. non2xx=.. errors=.."
    local c=$1 url=$2 d=${3:-$DUR} script=${4:-} t=2 out h hdrs=()
    ((c < 2)) && t=1
    for h in "${WRK_H[@]}"; do hdrs+=(-H "$h"); done
    out=$(wrk -t"$t" -c"$c" -d"${d}s" --timeout 10s --latency "${hdrs[@]}" ${script:+-s "$script"} \
          "$url" 2>&1) || true
    local rps p50 p99 non2xx errs
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
    errs=$(awk '/Socket errors:/ { s = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s }' <<<"$out")
    echo "rps=${rps:-0} p50_ms=$(to_ms "${p50:-0us}") p99_ms=$(to_ms "${p99:-0us}") non2xx=${non2xx:-0} errors=${errs:-0}"
}
