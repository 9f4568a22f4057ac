#!/usr/bin/env bash
# Latency with default settings: webhook 202 → Slack request for n ≥ 30 webhooks, spaced so
# Slack's 1 message/s pacing is not measured; prints p50, p99 and max (targets: p50 ≤ 100 ms, p99 ≤ 500 ms).
#
# Everything on loopback: the release `adwatch serve`, `adwatch mock-api` as the Ads API (its
# request log counts fetches) and receivers in Python's standard library (pipeline_load.py).
# See Tests/Load/README.md.
#
#   ADWATCH_BIN=.build-release/release/adwatch Tests/Load/latency.sh [latency.py options]
#
# Without ADWATCH_BIN the release binary is built first (swift build -c release, .build-release).
# The whole run is bounded by `timeout` (TIMEOUT seconds, default 300).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v python3 >/dev/null || { echo "latency.sh: python3 not found" >&2; exit 1; }
source "$here/release_bin.sh"
export PYTHONDONTWRITEBYTECODE=1
exec timeout --kill-after=30 "${TIMEOUT:-300}" python3 "$here/latency.py" --bin "$ADWATCH_BIN" --fixtures "$root/samples/fixtures" "$@"
