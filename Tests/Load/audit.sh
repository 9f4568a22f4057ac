#!/usr/bin/env bash
# Audit log at scale: how long `adwatch audit verify`, a campaign timeline, a filtered list and a
# retention pass take on a SQLite file holding N hash-chained records.
#
# The records are written by audit_fixture.py (standard-library Python) with the same canonical form
# and SHA-256 chain as AuditChain, so `verify` must say "intact" — the script fails otherwise. Half of
# them are older than the 90-day retention, so the prune step removes about N/2.
#
# Baseline measured in the same run: Python reading every row and recomputing its hash (hashlib), so
# the verify figure is reported as a ratio against the same work in another runtime.
#
# Environment: ADWATCH_BIN (default .build-release/release/adwatch), RECORDS (1000000), KEEP_TMP=1.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
ADWATCH_BIN=${ADWATCH_BIN:-$root/.build-release/release/adwatch}
RECORDS=${RECORDS:-1000000}
[[ -x "$ADWATCH_BIN" ]] || { echo "audit.sh: build first: swift build -c release --product adwatch --scratch-path .build-release" >&2; exit 1; }

tmp=$(mktemp -d)
[[ "${KEEP_TMP:-0}" == 1 ]] || trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/adwatch.yaml" <<YAML
store:
  sqlite: $tmp/adwatch.sqlite
sources:
  - name: symphony
    scheme: standard-webhooks
    secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
audit:
  retention: 90d
YAML

# Creates the schema (migrations) on an empty file.
"$ADWATCH_BIN" audit verify --config "$tmp/adwatch.yaml" > /dev/null
python3 "$here/audit_fixture.py" write "$tmp/adwatch.sqlite" "$RECORDS"
size=$(du -m "$tmp/adwatch.sqlite" | cut -f1)

seconds() { local start=$(date +%s.%N); "$@" > "$tmp/out" 2>&1 || { cat "$tmp/out" >&2; exit 1; }; echo "$(date +%s.%N) - $start" | bc; }

baseline=$(seconds python3 "$here/audit_fixture.py" hash "$tmp/adwatch.sqlite")
verify=$(seconds "$ADWATCH_BIN" audit verify --config "$tmp/adwatch.yaml")
grep -q '^intact' "$tmp/out" || { echo "audit.sh: verify did not say intact:" >&2; cat "$tmp/out" >&2; exit 1; }
timeline=$(seconds "$ADWATCH_BIN" audit timeline --config "$tmp/adwatch.yaml" --campaign c777 --format json)
timeline_lines=$(wc -l < "$tmp/out")
dead=$(seconds "$ADWATCH_BIN" audit list --config "$tmp/adwatch.yaml" --kind delivery.dead --limit 100)
prune=$(seconds "$ADWATCH_BIN" audit prune --config "$tmp/adwatch.yaml")
pruned=$(cat "$tmp/out")
after=$(seconds "$ADWATCH_BIN" audit verify --config "$tmp/adwatch.yaml")
grep -q '^intact' "$tmp/out" || { echo "audit.sh: verify after pruning did not say intact:" >&2; cat "$tmp/out" >&2; exit 1; }
remaining=$(cat "$tmp/out")

rate() { echo "scale=0; $1 / $2" | bc; }
echo "=== AdWatch audit log at scale: $RECORDS records, ${size} MB SQLite file ==="
printf '%-44s %8.2f s  %10s records/s\n' "baseline: Python read + SHA-256 of every row" "$baseline" "$(rate "$RECORDS" "$baseline")"
printf '%-44s %8.2f s  %10s records/s  (%.2fx the baseline time)\n' "adwatch audit verify" "$verify" "$(rate "$RECORDS" "$verify")" "$(echo "$verify / $baseline" | bc -l)"
printf '%-44s %8.3f s  (%s lines)\n' "audit timeline --campaign c777 (json)" "$timeline" "$timeline_lines"
printf '%-44s %8.3f s\n' "audit list --kind delivery.dead --limit 100" "$dead"
printf '%-44s %8.2f s  %s\n' "audit prune (retention 90d)" "$prune" "$pruned"
printf '%-44s %8.2f s  %s\n' "audit verify after pruning" "$after" "$remaining"
