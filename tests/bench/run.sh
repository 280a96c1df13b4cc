#!/usr/bin/env bash
# The student-path benchmark: tamsu against a bare Beast echo server, in the same run, on loopback.
#
#   bash tests/bench/run.sh            # build the bench preset, then measure (about 2 minutes)
#
# What it measures (docs/performance.md explains why each, and the targets):
#   1. load: CONNECTIONS student connections each send and await their ack back to back for DURATION
#      seconds; echo and tamsu alternate, RUNS times each, and the median is reported;
#   2. the writer's batch sizes during tamsu's load runs, from GET /metrics;
#   3. idle memory: a fresh server of each kind, IDLE connections that said hello and then sit still;
#      (VmRSS after - VmRSS before) / IDLE.
# Environment knobs (defaults in brackets): CONNECTIONS [1000] DURATION [10] RUNS [3] IDLE [1000]
#   SKIP_BUILD [0] LOADGEN_THREADS [1] KEEP_TMP [0] TAMSU [build-bench/tamsu]
# Loopback only, bounded in count and time; every process it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."

connections=${CONNECTIONS:-1000}
duration=${DURATION:-10}
runs=${RUNS:-3}
idle=${IDLE:-1000}
loadgen_threads=${LOADGEN_THREADS:-1}

# 1,000 connections are 1,000 descriptors in each of the two processes, over the usual 1,024.
ulimit -n 4096

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    cmake --preset bench >/dev/null
    cmake --build --preset bench -j2
fi
tamsu=${TAMSU:-build-bench/tamsu}
loadgen=build-bench/tests/bench/tamsu_loadgen
echo_server=build-bench/tests/bench/tamsu_echo_server
for bin in "$tamsu" "$loadgen" "$echo_server"; do
    [[ -x "$bin" ]] || { echo "run.sh: $bin is missing" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/tamsu-bench.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ "${KEEP_TMP:-0}" == 1 ]]; then
        echo "run.sh: kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

# start_server NAME CMD...: starts CMD in the background, waits for its "listening on HOST:PORT" line
# and sets server_pid and server_port.
start_server() {
    local name=$1
    shift
    "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    server_pid=$!
    pids+=("$server_pid")
    for _ in $(seq 300); do
        server_port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$tmp/$name.out" | head -1)
        [[ -n "$server_port" ]] && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "run.sh: $name did not start; its stderr:" >&2
    tail -20 "$tmp/$name.err" >&2
    exit 1
}

stop_server() {
    kill -TERM "$1" 2>/dev/null || true
    # tamsu drains its writer on SIGTERM; give it a bounded time, then insist.
    for _ in $(seq 100); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# Waits (at most 40 s) until a second passes in which VmRSS falls by less than 1 %.
settle_rss() {
    local a b
    for _ in $(seq 40); do
        a=$(rss_kb "$1")
        sleep 1
        b=$(rss_kb "$1")
        (( a - b < a / 100 )) && return 0
    done
}

# metric NAME FILE: the value of one unlabelled Prometheus sample (0 if absent).
metric() { awk -v n="$1" '$1 == n { v = $2 } END { print (v == "" ? 0 : v) }' "$2"; }

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "n/a"; else print a[int((NR + 1) / 2)] }'; }

field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p"; }

fetch_metrics() { curl -s --max-time 5 "http://127.0.0.1:$1/metrics" >"$2" || : >"$2"; }

# run_load MODE PORT: one load run; appends its result line to $tmp/MODE.results.
run_load() {
    local line
    line=$("$loadgen" --mode "$1" --port "$2" --connections "$connections" --duration "$duration" \
        --threads "$loadgen_threads" 2>>"$tmp/loadgen.err" | grep '^result ' || true)
    if [[ -z "$line" ]]; then
        echo "run.sh: $1 load run produced no result; loadgen said:" >&2
        tail -5 "$tmp/loadgen.err" >&2
        return 1
    fi
    echo "  $line"
    echo "$line" >>"$tmp/$1.results"
}

# idle_kb MODE NAME CMD...: a fresh server, IDLE idle connections; sets idle_result to the KB per
# connection. (Not called in $(...): a subshell would lose track of the processes it starts.)
idle_kb() {
    local mode=$1 name=$2
    shift 2
    start_server "$name" "$@"
    local pid=$server_pid
    sleep 1
    # tamsu's allocator (jemalloc) hands the lexicon loader's freed pages back over some seconds:
    # measure from the settled size, not from the start-up peak.
    settle_rss "$pid"
    local before after
    before=$(rss_kb "$pid")
    "$loadgen" --mode "$mode" --port "$server_port" --idle "$idle" --hold 120 >"$tmp/$name.idle" \
        2>>"$tmp/loadgen.err" &
    local lg=$!
    pids+=("$lg")
    for _ in $(seq 600); do
        grep -q '^idle_ready' "$tmp/$name.idle" && break
        kill -0 "$lg" 2>/dev/null || break
        sleep 0.1
    done
    # Let the server finish whatever the hellos started (tamsu stores a new case for each).
    sleep 2
    after=$(rss_kb "$pid")
    local ready
    ready=$(field connections <"$tmp/$name.idle")
    kill -TERM "$lg" 2>/dev/null || true
    wait "$lg" 2>/dev/null || true
    stop_server "$pid"
    idle_result=n/a
    if [[ -n "$ready" && "$ready" != 0 ]]; then
        idle_result=$(awk -v b="$before" -v a="$after" -v n="$ready" 'BEGIN { printf "%.1f", (a - b) / n }')
    fi
    echo "  $name: VmRSS $before KB before, $after KB with $ready idle connections: $idle_result KB each"
}

# The load generator's students send back to back, faster than the per-connection frame limit a
# person never reaches (20/s): past ~20,000 acks/s at 1,000 connections it would cut them off.
tamsu_cmd() { echo "$tamsu" serve --data-dir "$1" --listen 127.0.0.1:0 --max-frame-rate 100000; }

echo "== load: $connections connections, $duration s window, $runs runs each (echo and tamsu alternate)"
start_server echo "$echo_server" --listen 127.0.0.1:0
echo_pid=$server_pid
echo_port=$server_port
# shellcheck disable=SC2046
start_server tamsu $(tamsu_cmd "$tmp/data-load")
tamsu_pid=$server_pid
tamsu_port=$server_port

: >"$tmp/echo.results"
: >"$tmp/tamsu.results"
: >"$tmp/batches"
for r in $(seq "$runs"); do
    echo " run $r"
    run_load echo "$echo_port"
    fetch_metrics "$tamsu_port" "$tmp/m.before"
    run_load tamsu "$tamsu_port"
    fetch_metrics "$tamsu_port" "$tmp/m.after"
    # The writer's batches during this run only (the hellos before the window are in it too).
    b=$(($(metric tamsu_writer_batches_total "$tmp/m.after") - $(metric tamsu_writer_batches_total "$tmp/m.before")))
    q=$(($(metric tamsu_writer_requests_total "$tmp/m.after") - $(metric tamsu_writer_requests_total "$tmp/m.before")))
    if ((b > 0)); then
        echo "$b $q" >>"$tmp/batches"
        awk -v b="$b" -v q="$q" 'BEGIN { printf "  writer: %d requests in %d batches, mean %.1f per batch\n", q, b, q / b }'
    fi
done
# A server that died during the runs has no /proc entry left: say so instead of failing here.
tamsu_hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$tamsu_pid/status" 2>/dev/null || echo "exited")
cp "$tmp/m.after" "$tmp/metrics.final"
stop_server "$echo_pid"
stop_server "$tamsu_pid"

echo "== idle memory: $idle connections per server, fresh servers"
idle_kb echo echo-idle "$echo_server" --listen 127.0.0.1:0
echo_idle=$idle_result
# jemalloc hands freed pages back over ~10 s (its decay), which can overlap the measurement and make
# it negative: for this one server it returns them at once, so before and after are both settled.
export MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0
# shellcheck disable=SC2046
idle_kb tamsu tamsu-idle $(tamsu_cmd "$tmp/data-idle")
unset MALLOC_CONF
tamsu_idle=$idle_result

echo_rate=$(field msgs_per_s <"$tmp/echo.results" | median)
tamsu_rate=$(field msgs_per_s <"$tmp/tamsu.results" | median)
echo_p50=$(field p50_ms <"$tmp/echo.results" | median)
echo_p99=$(field p99_ms <"$tmp/echo.results" | median)
tamsu_p50=$(field p50_ms <"$tmp/tamsu.results" | median)
tamsu_p99=$(field p99_ms <"$tmp/tamsu.results" | median)
tamsu_errors=$(field errors <"$tmp/tamsu.results" | awk '{ s += $1 } END { print s + 0 }')
ratio=$(awk -v t="$tamsu_rate" -v e="$echo_rate" 'BEGIN { if (e > 0) printf "%.0f", 100 * t / e; else print "n/a" }')

echo
echo "== results (median of $runs runs; $(nproc) cores; loadgen on the same machine)"
printf '%-34s %14s %14s\n' "" "echo" "tamsu"
printf '%-34s %14s %14s\n' "round trips / acked msgs per s" "$echo_rate" "$tamsu_rate"
printf '%-34s %14s %14s\n' "latency p50 ms" "$echo_p50" "$tamsu_p50"
printf '%-34s %14s %14s\n' "latency p99 ms" "$echo_p99" "$tamsu_p99"
printf '%-34s %14s %14s\n' "KB per idle connection" "$echo_idle" "$tamsu_idle"
printf '%-34s %14s %14s\n' "errors (all tamsu runs)" "" "$tamsu_errors"
printf '%-34s %14s %14s\n' "peak RSS after load runs, KB" "" "$tamsu_hwm"
echo "tamsu / echo: ${ratio} % (target >= 50 %);  idle: target <= 12 KB per connection"
# On a shared machine the two medians can come from different moments; each run's tamsu against the
# echo run just before it is steadier.
pairs=$(paste <(field msgs_per_s <"$tmp/echo.results") <(field msgs_per_s <"$tmp/tamsu.results") |
    awk '$1 > 0 { printf "%.0f\n", 100 * $2 / $1 }')
if [[ -n "$pairs" ]]; then
    echo "pairwise (each tamsu run / the echo run before it): $(echo "$pairs" | sed 's/$/ %/' | paste -sd, - | sed 's/,/, /g'); median $(echo "$pairs" | median) %"
fi

m=$tmp/metrics.final
if grep -q '^tamsu_writer_batches_total' "$m"; then
    echo
    echo "== writer batches (tamsu GET /metrics)"
    awk '{ b += $1; q += $2 } END { if (b > 0) printf "load runs: %d requests in %d batches, mean %.1f per batch\n", q, b, q / b }' "$tmp/batches"
    echo "since start: batches $(metric tamsu_writer_batches_total "$m"), requests $(metric tamsu_writer_requests_total "$m"), max batch $(metric tamsu_writer_max_batch "$m")"
    echo "batch size histogram (cumulative, since start):"
    grep '^tamsu_writer_batch_size_bucket' "$m" | sed 's/^tamsu_writer_batch_size_bucket/  /'
else
    echo "(tamsu's /metrics has no tamsu_writer_* lines yet)"
fi
