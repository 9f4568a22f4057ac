#!/usr/bin/env bash
# Hostile traffic against the release `adwatch serve`: nothing from outside may kill it.
#
# Starts, on loopback only: `adwatch mock-api` (the Ads API, so events alert), a hostile channel
# endpoint (hostile.py channel: 429/503 with Retry-After inf, 1e300, negative, 20+ digits, NaN, a
# far-future date, and 3xx redirects), and `adwatch serve` with a route from every alert to that
# endpoint. Then runs phases (hostile.py phase …):
#   malformed  raw sockets: bad request lines, huge headers, bad Content-Length/chunking, half requests
#   slowloris  64 connections trickling a request a byte a second (bounded), /healthz timed meanwhile
#   junk       random bodies, bad and garbled signatures, extreme signed timestamp headers, wrong
#              content type, unknown (long) sources, oversize bodies
#   extreme    correctly signed bodies: nanosecond epochs, ±1e300, Int64 extremes, deep nesting,
#              huge strings, odd ids
#   alerting   signed events for campaigns the mock reports broken: alerts go to the hostile channel
#   channel    waits (bounded) while deliveries meet the hostile channel
# After every phase the process is checked alive (kill -0 and GET /healthz); a dead server is
# counted and restarted. Prints requests, statuses, deaths and restarts; exits 1 when deaths > 0.
#
# Environment (all optional):
#   ADWATCH_BIN    release binary; default: build into .build-release like run.sh
#   PORT           server port (18090); MOCK_PORT (18091); CHANNEL_PORT (18092)
#   PHASE_SECONDS  bound for each timed phase (20)
#   CHANNEL_WAIT   seconds to let deliveries meet the hostile channel (20)
#   CAMPAIGNS      extra broken campaigns to alert on (20)
#   KEEP_TMP=1     keep the temp dir (config, logs, counts, SQLite)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

PORT=${PORT:-18090}
MOCK_PORT=${MOCK_PORT:-18091}
CHANNEL_PORT=${CHANNEL_PORT:-18092}
PHASE_SECONDS=${PHASE_SECONDS:-20}
CHANNEL_WAIT=${CHANNEL_WAIT:-20}
CAMPAIGNS=${CAMPAIGNS:-20}
KEEP_TMP=${KEEP_TMP:-0}
SECRET="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # the Standard Webhooks test secret; loopback only

log() { printf 'hostile.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found (${2:-install it})"; }
need curl "apt-get install curl"
need python3 "apt-get install python3"
need timeout "coreutils"

source "$here/release_bin.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/adwatch-hostile.XXXXXX")
server_pid="" mock_pid="" channel_pid=""

stop() { # pid: SIGTERM, up to 20 s, then SIGKILL
    local pid=$1
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    stop "$server_pid"; stop "$mock_pid"; stop "$channel_pid"
    if ((rc != 0 && rc != 1)) && [[ -s "$dir/server.log" ]]; then tail -n 30 "$dir/server.log" >&2 || true; fi
    if [[ "$KEEP_TMP" == 1 ]]; then log "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for p in "$PORT" "$MOCK_PORT" "$CHANNEL_PORT"; do
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$p/"; then die "something already answers on 127.0.0.1:$p"; fi
done

wait_for() { # url, what, pid: 0 when the url answers, 1 when the process ended first, die after 60 s
    local deadline=$((SECONDS + 60))
    until curl -s -o /dev/null --max-time 2 "$1"; do
        kill -0 "$3" 2>/dev/null || { log "$2 exited during start-up"; return 1; }
        ((SECONDS < deadline)) || die "$2 not up within 60 s"
        sleep 0.2
    done
}

# --- peers -----------------------------------------------------------------------
python3 "$here/hostile.py" channel --port "$CHANNEL_PORT" --out "$dir/counts-channel.json" >"$dir/channel.log" 2>&1 &
channel_pid=$!
"$ADWATCH_BIN" mock-api --port "$MOCK_PORT" --fixtures "$root/samples/fixtures" --requests-per-minute 100000 \
    --log-level warning >"$dir/mock.log" 2>&1 &
mock_pid=$!
wait_for "http://127.0.0.1:$CHANNEL_PORT/" "hostile channel" "$channel_pid" || die "the hostile channel did not start"
wait_for "http://127.0.0.1:$MOCK_PORT/_control/requests" "mock-api" "$mock_pid" || die "mock-api did not start"

cat >"$dir/adwatch.yaml" <<EOF
server:
  host: 127.0.0.1
  port: $PORT
store:
  sqlite: $dir/hostile.sqlite
sources:
  - name: symphony
    scheme: standard-webhooks
    secrets: ["$SECRET"]
advertising:
  base_url: http://127.0.0.1:$MOCK_PORT
  api_key: mock-api-key
  requests_per_minute: 6000
  burst: 100
  timeout: 2s
  max_attempts: 2
  retry_base: 50ms
  retry_max: 500ms
processor:
  poll_interval: 50ms
rules:
  - name: account-standing
    kind: ad_account_standing
    severity: critical
channels:
  - name: hostile
    kind: webhook
    url: http://127.0.0.1:$CHANNEL_PORT/hook
    secret: "$SECRET"
routes:
  - channels: [hostile]
    group_wait: 0s
    send_resolved: true
alerting:
  tick: 100ms
delivery:
  tick: 100ms
  retry_base: 100ms
EOF

# --- the server, its deaths and restarts ------------------------------------------------
deaths=0 restarts=0 crash_loop=0
start_server() { # 0 when healthy; 1 when it died during start-up (a crash loop: it dies on what it stored)
    "$ADWATCH_BIN" serve --config "$dir/adwatch.yaml" --log-level warning >>"$dir/server.log" 2>&1 &
    server_pid=$!
    wait_for "http://127.0.0.1:$PORT/healthz" "adwatch serve" "$server_pid"
}
check_alive() { # phase
    local healthy=0
    if kill -0 "$server_pid" 2>/dev/null; then
        # Up to 10 s for /healthz: slow is reported, dead is counted.
        for _ in 1 2 3 4 5; do
            if curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz"; then healthy=1; break; fi
        done
    fi
    if ((healthy)); then
        log "after $1: alive"
        return
    fi
    local status=running
    if ! kill -0 "$server_pid" 2>/dev/null; then
        wait "$server_pid" 2>/dev/null && status="exit 0" || status="exit $?"
    else
        status="unresponsive"; stop "$server_pid"
    fi
    deaths=$((deaths + 1))
    log "after $1: DEAD ($status); restarting"
    printf '%s: %s\n' "$1" "$status" >>"$dir/deaths.txt"
    local attempt
    for attempt in 1 2 3; do
        restarts=$((restarts + 1))
        if start_server; then return; fi
        deaths=$((deaths + 1))
        printf '%s: died again during restart %d\n' "$1" "$attempt" >>"$dir/deaths.txt"
    done
    log "crash loop: the server dies at start-up on what it stored; no further phases"
    crash_loop=1
}

start_server || die "adwatch serve did not start"
log "server up (pid $server_pid); phases of at most $PHASE_SECONDS s"
started=$SECONDS

run_phase() { # name [extra args]
    local name=$1
    shift
    ((crash_loop == 0)) || return 0
    log "phase $name"
    timeout $((PHASE_SECONDS + 60)) python3 "$here/hostile.py" phase "$name" --port "$PORT" --secret "$SECRET" \
        --seconds "$PHASE_SECONDS" --out "$dir/counts-$name.json" "$@" || log "phase $name ended with status $?"
    check_alive "$name"
}

run_phase malformed
run_phase slowloris
run_phase junk
run_phase extreme
run_phase alerting --mock "$MOCK_PORT" --campaigns "$CAMPAIGNS"

if ((crash_loop == 0)); then
    log "phase channel: $CHANNEL_WAIT s of deliveries against the hostile endpoint"
    deadline=$((SECONDS + CHANNEL_WAIT))
    while ((SECONDS < deadline)); do
        sleep 2
        kill -0 "$server_pid" 2>/dev/null || break
    done
    check_alive channel
fi

# A last look at what the server recorded.
deliveries="skipped (sqlite3 not installed)"
if command -v sqlite3 >/dev/null 2>&1; then
    deliveries=$(timeout 30 sqlite3 -cmd ".timeout 5000" "$dir/hostile.sqlite" \
        "SELECT group_concat(state || '=' || n, ', ') FROM (SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state);" 2>&1 || true)
    accepted=$(timeout 30 sqlite3 -cmd ".timeout 5000" "$dir/hostile.sqlite" \
        "SELECT COUNT(*) FROM audit_log WHERE kind = 'webhook.accepted';" 2>&1 || true)
    dropped=$(timeout 30 sqlite3 -cmd ".timeout 5000" "$dir/hostile.sqlite" \
        "SELECT COUNT(*) FROM audit_log WHERE kind = 'webhook.accepted' AND details LIKE '%event_time_dropped%';" 2>&1 || true)
fi
elapsed=$((SECONDS - started))
stop "$server_pid"
server_pid=""

echo
echo "=== AdWatch hostile run: $elapsed s against $ADWATCH_BIN ==="
echo "Requests by phase (status or: closed / timeout / refused / sent = connection-level outcome):"
python3 "$here/hostile.py" report "$dir"/counts-{malformed,slowloris,junk,extreme,alerting}.json
echo "Hostile channel endpoint (answers seen by AdWatch's deliveries):"
python3 "$here/hostile.py" report "$dir/counts-channel.json"
echo "Store: webhook.accepted ${accepted:-?} (event time dropped in ${dropped:-?}); deliveries: ${deliveries:-none}"
echo "Deaths: $deaths   restarts: $restarts$( ((crash_loop)) && echo "   CRASH LOOP (phases stopped)")"
if ((deaths > 0)); then
    sed 's/^/  /' "$dir/deaths.txt"
    grep -m 5 -i "fatal\|crash\|trap" "$dir/server.log" | sed 's/^/  /' || true
    exit 1
fi
