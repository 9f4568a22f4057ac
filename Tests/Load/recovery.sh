#!/usr/bin/env bash
# Recovery after SIGKILL: 400 webhooks, two SIGKILLs mid-stream; prints acknowledged, alerted,
# duplicates and the seconds from the last restart until every acknowledged webhook has alerted (target ≤ 30 s).
#
# Everything on loopback: the release `adwatch serve`, `adwatch mock-api` as the Ads API (its
# request log counts fetches) and receivers in Python's standard library (pipeline_load.py).
# See Tests/Load/README.md.
#
#   ADWATCH_BIN=.build-release/release/adwatch Tests/Load/recovery.sh [recovery.py options]
#
# Without ADWATCH_BIN the release binary is built first (swift build -c release, .build-release).
# The whole run is bounded by `timeout` (TIMEOUT seconds, default 600).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v python3 >/dev/null || { echo "recovery.sh: python3 not found" >&2; exit 1; }
source "$here/release_bin.sh"
export PYTHONDONTWRITEBYTECODE=1
exec timeout --kill-after=30 "${TIMEOUT:-600}" python3 "$here/recovery.py" --bin "$ADWATCH_BIN" --fixtures "$root/samples/fixtures" "$@"
