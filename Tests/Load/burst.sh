#!/usr/bin/env bash
# Coalescing: 10,000 webhooks over 100 campaigns, then 1,000 over 20, at the real Ads API budget
# (requests_per_minute: 100); prints fetches (detail, analytics, per-campaign max), requests and seconds to settle.
#
# Everything on loopback: the release `adwatch serve`, `adwatch mock-api` as the Ads API (its
# request log counts fetches) and receivers in Python's standard library (pipeline_load.py).
# See Tests/Load/README.md.
#
#   ADWATCH_BIN=.build-release/release/adwatch Tests/Load/burst.sh [burst.py options]
#
# Without ADWATCH_BIN the release binary is built first (swift build -c release, .build-release).
# Each run is bounded by `timeout` (TIMEOUT seconds, default 1500). With options, one run with them.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v python3 >/dev/null || { echo "burst.sh: python3 not found" >&2; exit 1; }
source "$here/release_bin.sh"
export PYTHONDONTWRITEBYTECODE=1
run() { timeout --kill-after=30 "${TIMEOUT:-1500}" python3 "$here/burst.py" --bin "$ADWATCH_BIN" --fixtures "$root/samples/fixtures" "$@"; }
if (($# > 0)); then
    run "$@"
    exit
fi
status=0
run --webhooks 10000 --campaigns 100 --requests-per-minute 100 || status=$?
run --webhooks 1000 --campaigns 20 --requests-per-minute 100 || status=$?
exit "$status"
