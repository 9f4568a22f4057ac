#!/usr/bin/env bash
# Load test of AdWatch's ingest path with wrk (Debian package `wrk`).
#
# Starts `adwatch serve` on loopback with a throwaway SQLite store, measures
#   1. GET /healthz                      (the server's ceiling: no work per request)
#   2. signed POST /webhooks/symphony    (verify signature, dedup, durable insert, 202)
# and reports throughput, p50/p99 latency, the ingest/healthz ratio and the
# server's peak resident memory against the targets:
#   ratio >= 0.60, ingest p99 <= 10 ms, peak RSS <= 100 MB.
#
# Environment (all optional):
#   ADWATCH_BIN    server binary; default: release build into .build-release
#   ADWATCH_ARGS   extra arguments for `adwatch serve` (e.g. "--log-level warning")
#   PORT           listen port (18080)
#   THREADS        wrk threads (2)        CONNECTIONS  wrk connections (32)
#   DURATION       wrk duration per run (10s)
#   LOAD_COUNT     pre-signed requests to generate (400000)
#   BUILD_TIMEOUT  seconds allowed for the release build (3600)
#   STRICT=1       exit 3 when a target is missed (default: report only)
#   KEEP_TMP=1     keep the temp dir (config, server log, wrk output, SQLite)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

PORT=${PORT:-18080}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10s}
LOAD_COUNT=${LOAD_COUNT:-400000}
STRICT=${STRICT:-0}
KEEP_TMP=${KEEP_TMP:-0}
# The Standard Webhooks test secret; only ever used on loopback.
SECRET="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

# Targets.
MIN_RATIO=0.60
MAX_P99_MS=10
MAX_RSS_MB=100

log() { printf 'run.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found (${2:-install it})"; }
need wrk "apt-get install wrk"
need curl "apt-get install curl"
need python3 "apt-get install python3"
need timeout "coreutils"

# --- 1. The server binary ----------------------------------------------------
source "$here/release_bin.sh"

# --- 2. Temp dir, cleanup ----------------------------------------------------
dir=$(mktemp -d "${TMPDIR:-/tmp}/adwatch-load.XXXXXX")
server_pid=""

# Stops the server: SIGTERM, then up to 30 s for a graceful drain, then SIGKILL.
# Sets stop_status ("exit N after X s" or "killed") for the summary.
stop_status="not started"
stop_server() {
    [[ -n "$server_pid" ]] || return 0
    local pid=$server_pid deadline rc=0 started
    server_pid=""
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null || rc=$?
        stop_status="had already exited (status $rc)"
        return 0
    fi
    started=$(date +%s.%N)
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        log "server did not stop within 30 s of SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        stop_status="KILLED (no exit within 30 s of SIGTERM)"
        return 0
    fi
    wait "$pid" 2>/dev/null || rc=$?
    stop_status=$(awk -v a="$started" -v b="$(date +%s.%N)" -v rc="$rc" \
        'BEGIN { printf "exit status %d, %.1f s after SIGTERM", rc, b - a }')
}

cleanup() {
    local rc=$?
    stop_server
    if ((rc != 0)) && [[ -s "$dir/server.log" ]]; then
        log "failed (status $rc); last lines of the server log:"
        tail -n 30 "$dir/server.log" >&2 || true
    fi
    if [[ "$KEEP_TMP" == 1 ]]; then
        log "kept $dir"
    else
        rm -rf "$dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz"; then
    die "something already answers on 127.0.0.1:$PORT; set PORT"
fi

# --- 3. Config -----------------------------------------------------------------
cat >"$dir/adwatch.yaml" <<EOF
server:
  host: 127.0.0.1
  port: $PORT
store:
  sqlite: $dir/load.sqlite
  synchronous: ${SYNCHRONOUS:-full}
sources:
  - name: symphony
    scheme: standard-webhooks
    secrets: ["$SECRET"]
    tolerance: 5m
EOF

# --- 4. Requests (before the server starts, fresh timestamps every run) -------
log "generating $LOAD_COUNT signed requests"
timeout 600 python3 "$here/make_requests.py" \
    --count "$LOAD_COUNT" --out "$dir/requests.tsv" --secret "$SECRET"
generated_at=$SECONDS

# --- 5. Start the server --------------------------------------------------------
log "starting $ADWATCH_BIN serve"
# shellcheck disable=SC2086  # ADWATCH_ARGS is deliberately word-split
"$ADWATCH_BIN" serve --config "$dir/adwatch.yaml" ${ADWATCH_ARGS:-} >"$dir/server.log" 2>&1 &
server_pid=$!

deadline=$((SECONDS + 60))
until curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz"; do
    kill -0 "$server_pid" 2>/dev/null || die "server exited during start-up"
    ((SECONDS < deadline)) || die "server not healthy within 60 s"
    sleep 0.2
done
log "server up (pid $server_pid)"

# kB value of a /proc/PID/status field (VmRSS, VmHWM), or empty.
proc_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$server_pid/status" 2>/dev/null || true; }
idle_rss_kb=$(proc_kb VmRSS)

# --- 6. wrk runs ------------------------------------------------------------------
# Each run is bounded: wrk stops itself after DURATION; `timeout` is the backstop.
run_wrk() { # name, then wrk arguments
    local name=$1
    shift
    log "wrk: $name"
    timeout 120 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" | tee "$dir/wrk-$name.txt"
}

run_wrk healthz "http://127.0.0.1:$PORT/healthz"

if ((SECONDS - generated_at > 240)); then
    die "request timestamps are over 4 minutes old (tolerance 5m); rerun"
fi
# signed_post.lua reads its settings from the environment (wrk passes no -t to Lua).
export LOAD_REQUESTS="$dir/requests.tsv" LOAD_THREADS="$THREADS" LOAD_PATH="/webhooks/symphony"
run_wrk ingest -s "$here/signed_post.lua" "http://127.0.0.1:$PORT/webhooks/symphony"

# --- 7. Memory, right after the POST run ------------------------------------------
kill -0 "$server_pid" 2>/dev/null || die "server died during the load run"
peak_rss_kb=$(proc_kb VmHWM)
rss_kb=$(proc_kb VmRSS)

# --- 8. Stored events -------------------------------------------------------------
stored="skipped (sqlite3 not installed)"
if command -v sqlite3 >/dev/null 2>&1; then
    # WAL mode: a reader sees every committed row while the server runs.
    if n=$(timeout 30 sqlite3 -cmd ".timeout 5000" "$dir/load.sqlite" \
        "SELECT COUNT(*) FROM events WHERE source = 'symphony';" 2>"$dir/sqlite.err"); then
        stored=$n
    else
        stored="skipped ($(head -c 200 "$dir/sqlite.err"))"
    fi
fi

# --- 9. Stop the server -------------------------------------------------------------
stop_server

# --- 10. Summary ----------------------------------------------------------------------
# Latency as printed by wrk ("812.00us", "1.23ms", "1.01s", "1.50m") in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (!match(v, /^[0-9.]+/)) { print "n/a"; exit }
        n = substr(v, 1, RLENGTH); u = substr(v, RLENGTH + 1)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
        if (f < 0) print "n/a"; else printf "%.2f", n * f
    }'
}
field() { awk -v k="$2" '$1 == k { print $2; exit }' "$dir/wrk-$1.txt"; }
rps() { awk '/^Requests\/sec:/ { printf "%.0f", $2; exit }' "$dir/wrk-$1.txt"; }

h_rps=$(rps healthz); h_p50=$(to_ms "$(field healthz 50%)"); h_p99=$(to_ms "$(field healthz 99%)")
i_rps=$(rps ingest);  i_p50=$(to_ms "$(field ingest 50%)");  i_p99=$(to_ms "$(field ingest 99%)")
ratio=$(awk -v a="${i_rps:-0}" -v b="${h_rps:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
mb() { awk -v k="${1:-}" 'BEGIN { if (k == "") print "n/a"; else printf "%.1f", k / 1024 }'; }
peak_mb=$(mb "$peak_rss_kb")

# Responses seen by the Lua script (lines "load: ...").
non2xx=$(awk '/^load: non-2xx responses:/ { print $NF }' "$dir/wrk-ingest.txt")
accepted=$(awk '/^load: status counts:/ { for (i = 4; i <= NF; i++) if ($i ~ /^202=/) { sub(/^202=/, "", $i); print $i } }' "$dir/wrk-ingest.txt")
accepted=${accepted:-0}
exhausted=$(grep -c '^load: WARNING: request file exhausted' "$dir/wrk-ingest.txt" || true)

# check NAME OK? — prints a PASS/FAIL line and remembers failures.
failures=0
check() {
    if [[ "$2" == 1 ]]; then
        printf '  PASS  %s\n' "$1"
    else
        printf '  FAIL  %s\n' "$1"
        failures=$((failures + 1))
    fi
}
cmp_num() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {
    if (a == "n/a" || a == "") { print 0; exit }
    print ((op == ">=") ? (a + 0 >= b + 0) : (a + 0 <= b + 0)) ? 1 : 0 }'; }

echo
echo "=== AdWatch load test: $THREADS threads, $CONNECTIONS connections, $DURATION per run ==="
printf '%-44s | %-44s | %-20s | %s\n' "healthz req/s, p50, p99" "ingest req/s, p50, p99" "ratio ingest/healthz" "peak RSS MB"
printf '%-44s | %-44s | %-20s | %s\n' \
    "${h_rps:-n/a} req/s, ${h_p50} ms, ${h_p99} ms" \
    "${i_rps:-n/a} req/s, ${i_p50} ms, ${i_p99} ms" \
    "$ratio" "$peak_mb"
echo
echo "  RSS: idle $(mb "$idle_rss_kb") MB, after ingest $(mb "$rss_kb") MB, peak (VmHWM) $peak_mb MB"
echo "  ingest: ${accepted} accepted (202), ${non2xx:-?} non-2xx; stored events: $stored"
echo "  shutdown: $stop_status"
echo
echo "Targets:"
check "ratio ingest/healthz >= $MIN_RATIO (got $ratio)" "$(cmp_num "$ratio" '>=' "$MIN_RATIO")"
check "ingest p99 <= $MAX_P99_MS ms (got $i_p99 ms)" "$(cmp_num "$i_p99" '<=' "$MAX_P99_MS")"
check "peak RSS <= $MAX_RSS_MB MB (got $peak_mb MB)" "$(cmp_num "$peak_mb" '<=' "$MAX_RSS_MB")"
# Sanity: a server that rejects everything quickly would otherwise look great.
check "every ingest response 2xx (non-2xx: ${non2xx:-?})" "$([[ "${non2xx:-x}" == 0 ]] && echo 1 || echo 0)"
check "request file not exhausted (else raise LOAD_COUNT)" "$([[ "$exhausted" == 0 ]] && echo 1 || echo 0)"
if [[ "$stored" =~ ^[0-9]+$ ]]; then
    # Every 202 must be durable; requests in flight when wrk stopped may add a few more.
    check "every 202 stored (stored $stored >= accepted $accepted)" "$(cmp_num "$stored" '>=' "$accepted")"
fi

if ((failures > 0)); then
    echo "$failures check(s) failed."
    if [[ "$STRICT" == 1 ]]; then exit 3; fi
else
    echo "All targets met."
fi
