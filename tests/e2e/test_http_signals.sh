#!/usr/bin/env bash
# Signals at random moments of `loadcell http -o FILE`: SIGINT, SIGINT twice
# in quick succession, SIGTERM, SIGKILL. Each result file is either absent or
# a complete result of the schema, never torn; no temporary file is left
# behind except after SIGKILL; the first SIGINT/SIGTERM exits 130 with a
# result marked partial. Seeded (LC_TEST_SEED), about 20 s in all.
source "$(dirname "$0")/serve_lib.sh"
trap 'serve_stop || true; rm -rf "$SERVE_TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

seed=${LC_TEST_SEED:-12}
RANDOM=$seed
echo "seed $seed (set LC_TEST_SEED to vary)"
runs=${LC_SIGNAL_RUNS:-12}

serve_start --listen 127.0.0.1:0 --latency uniform:1ms..20ms

# check_result FILE: a complete result of the schema (exit status 0), else a reason.
check_result() {
    python3 - "$1" <<'EOF'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception as e:
    sys.exit(f"not valid JSON: {e}")
for key in ("schema", "kind", "partial", "phases", "totals", "duration_s"):
    if key not in r:
        sys.exit(f"missing '{key}'")
if r["schema"] != "loadcell.result/1":
    sys.exit(f"schema {r['schema']}")
s = r["totals"]["stats"]
if not (0 <= s["errors"] <= s["requests"]):
    sys.exit("inconsistent totals")
print("partial" if r["partial"] else "complete", s["requests"])
EOF
}

ms() { awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }'; } # milliseconds -> seconds for sleep

modes=(int int2 term kill)
for i in $(seq 0 $((runs - 1))); do
    mode=${modes[$((i % 4))]}
    delay_ms=$((300 + RANDOM % 1700)) # after the handlers are set, during the run
    gap_ms=$((RANDOM % 40))           # int2: between the two signals
    dir="$SERVE_TMP/run$i"
    mkdir "$dir"
    "$LOADCELL" http -q -c 4 -t 2 -d 30s --graceful-stop 2s -o "$dir/result.json" "$SERVE_URL/" \
        >"$dir/out" 2>"$dir/err" &
    pid=$!
    sleep "$(ms "$delay_ms")"
    case $mode in
    int) kill -INT "$pid" ;;
    int2)
        kill -INT "$pid"
        sleep "$(ms "$gap_ms")"
        kill -INT "$pid" 2>/dev/null || true # it may have finished already
        ;;
    term) kill -TERM "$pid" ;;
    kill) kill -KILL "$pid" ;;
    esac
    rc=0
    { wait "$pid"; } 2>/dev/null || rc=$? # no "Killed" job notice
    what="run $i: $mode after ${delay_ms}ms"
    [ "$mode" = int2 ] && what="$what (gap ${gap_ms}ms)"
    if [ "$mode" = kill ]; then
        [ "$rc" = 137 ] || fail "$what: exit $rc, expected 137"
    else
        [ "$rc" = 130 ] || fail "$what: exit $rc, expected 130; $(cat "$dir/err")"
    fi
    leftovers=$(find "$dir" -name 'result.json.tmp.*' | wc -l)
    if [ -f "$dir/result.json" ]; then
        verdict=$(check_result "$dir/result.json") || fail "$what: torn or invalid result: $verdict"
        case $mode in
        int | term) [ "${verdict%% *}" = partial ] || fail "$what: result not marked partial" ;;
        esac
    else
        verdict="absent"
        # Only a second signal or SIGKILL may keep the result from being written.
        case $mode in
        int | term) fail "$what: no result written; $(cat "$dir/err")" ;;
        esac
    fi
    if [ "$leftovers" != 0 ] && [ "$mode" != kill ]; then
        fail "$what: temporary file left behind: $(ls "$dir")"
    fi
    echo "ok: $what -> exit $rc, result $verdict, temporary files $leftovers"
done
echo "test_http_signals: passed"
