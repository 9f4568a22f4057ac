# Sourced by the load scripts (needs `root` set): makes ADWATCH_BIN point at a release `adwatch`.
# Without ADWATCH_BIN it builds one into .build-release (a clean release build takes ~13 min; later ones
# are incremental), bounded by BUILD_TIMEOUT seconds (3600). Exits 2 when there is no usable binary.
if [[ -z "${ADWATCH_BIN:-}" ]]; then
    command -v swift >/dev/null 2>&1 || { echo "$(basename "$0"): swift not found (set ADWATCH_BIN)" >&2; exit 2; }
    echo "$(basename "$0"): ADWATCH_BIN not set: building release (a clean release build takes ~13 min)" >&2
    (cd "$root" && timeout "${BUILD_TIMEOUT:-3600}" swift build -c release --product adwatch --scratch-path .build-release)
    ADWATCH_BIN="$root/.build-release/release/adwatch"
fi
[[ -x "$ADWATCH_BIN" ]] || { echo "$(basename "$0"): server binary not executable: $ADWATCH_BIN" >&2; exit 2; }
