# Helpers for the `loadcell monitor` e2e tests (sourced): temp dir, JSON fields,
# helper processes that are always stopped on exit.
set -euo pipefail
: "${LOADCELL:?set LOADCELL to the loadcell binary}"
MON_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MON_TMP=$(mktemp -d)
MON_PIDS=()
fails=0
ok() { echo "ok   $*"; }
bad() {
    echo "FAIL $*"
    fails=1
}
mon_cleanup() {
    local p
    for p in "${MON_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    for p in "${MON_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$MON_TMP"
}
trap mon_cleanup EXIT

# The interpreter itself, not a version manager's shim (pyenv's runs short-lived child
# processes of its own, which a process-tree count would see).
PYTHON=$(python3 -c 'import sys; print(sys.executable)')

json() { # json FILE EXPR: a Python expression over the parsed Result `r`;
    # series(name) gives the values of a resource series, times(name) its t_s
    python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
def res(name):
    return next(x for x in r["resources"] if x["name"] == name)
def series(name):
    return res(name)["values"]
def times(name):
    return res(name)["t_s"]
def has(name):
    return any(x["name"] == name for x in r["resources"])
print(eval(sys.argv[2]))
PY
}

MON_HELPERS=0
helper() { # helper MODE SECONDS: start tests/e2e/monitor_mem.py in the background; sets HELPER_PID
    MON_HELPERS=$((MON_HELPERS + 1))
    local out="$MON_TMP/helper.$MON_HELPERS.out" i
    "$PYTHON" "$MON_LIB_DIR/monitor_mem.py" "$@" >"$out" &
    HELPER_PID=$!
    MON_PIDS+=("$HELPER_PID")
    for i in $(seq 250); do # until it says it has started (its baseline is in place)
        [ -s "$out" ] && return 0
        sleep 0.02
    done
    echo "helper $1 did not start" >&2
    exit 1
}
