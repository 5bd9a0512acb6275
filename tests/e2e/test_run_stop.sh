#!/usr/bin/env bash
# `loadcell run`: abort thresholds (abort_after) and breakpoint stop_when
# (2 whole seconds in a row) stop a run when docs/scenarios.md says they do,
# and the breakpoint's figures are consistent (held < failed, one second of
# ramp apart, both on the ramp), against `loadcell serve` on loopback.
source "$(dirname "$0")/serve_lib.sh"
field() { python3 "$SERVE_LIB_DIR/result_field.py" "$@"; }
trap 'serve_stop || true; rm -rf "$SERVE_TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export LOADCELL_NO_HISTORY=1
T=$SERVE_TMP

# 100 ms per answer and at most 5 connections: a capacity of 50 requests/s.
serve_start --listen 127.0.0.1:0 --latency fixed:100ms

# scenario NAME SCENARIO-FLOW-MAP [THRESHOLDS-YAML]: write $T/NAME.yaml
scenario() {
    cat >"$T/$1.yaml" <<YAML
version: 1
target: $SERVE_URL
requests:
  - {name: home, path: /}
scenarios:
  $1: $2
${3:-}
YAML
}
# run NAME: run $T/NAME.yaml; sets rc and secs (the Result's duration)
run() {
    rc=0
    "$LOADCELL" run -q -t 1 -o "$T/$1.json" "$T/$1.yaml" >"$T/$1.txt" 2>"$T/$1.err" || rc=$?
    [ -s "$T/$1.json" ] || { cat "$T/$1.txt" "$T/$1.err"; fail "$1: no result file (exit $rc)"; }
    secs=$(field "$T/$1.json" "r['duration_ns'] / 1e9")
}
lt() { python3 -c "import sys; sys.exit(0 if $1 < $2 else 1)"; }

# 1. Breakpoint: a ramp of 20/s per second (10/s..210/s over 10 s) passes the
#    capacity at 2 s; p99 climbs past 300 ms soon after. stop_when must hold two
#    whole seconds in a row, so the run ends well before 10 s; held is the rate
#    of the last second that held, failed the rate of the streak's first second:
#    adjacent seconds of the ramp, 20/s apart, both 10 + 20k.
scenario search '{rate: 10/s..210/s, over: 10s, max_connections: 5, stop_when: "p(99) > 300ms"}'
run search
[ "$rc" = 0 ] || { cat "$T/search.err"; fail "search: exit $rc, expected 0 (no threshold)"; }
held=$(field "$T/search.json" "r['phases'][0]['breakpoint']['held_rps']")
failed=$(field "$T/search.json" "r['phases'][0]['breakpoint']['failed_rps']")
reason=$(field "$T/search.json" "r['stop_reason']")
echo "search: held $held/s, failed $failed/s, ran ${secs}s; $reason"
python3 - "$held" "$failed" <<'PY' || fail "breakpoint figures inconsistent: held $held/s, failed $failed/s"
import sys
held, failed = float(sys.argv[1]), float(sys.argv[2])
on_ramp = lambda x: abs((x - 10) / 20 - round((x - 10) / 20)) < 1e-6
assert 0 < held < failed, (held, failed)
assert abs(failed - held - 20) < 1e-6, failed - held
assert on_ramp(held) and on_ramp(failed)
assert failed >= 50, "broke below the capacity"
PY
lt "$secs" 8 || fail "search ran ${secs}s of 10s: stop_when did not stop it"
printf '%s' "$reason" | grep -qF "stop_when held in 'search' 2 s in a row from $(printf '%.1f' "$failed")/s (last held $(printf '%.1f' "$held")/s): p(99) = " ||
    fail "stop_reason: $reason"
grep -qF "breakpoint: held up to $(printf '%.1f' "$held")/s, failed at $(printf '%.1f' "$failed")/s" "$T/search.txt" ||
    { cat "$T/search.txt"; fail "summary lacks the breakpoint line"; }
[ "$(field "$T/search.json" "r['partial']")" = False ] || fail "a breakpoint stop is not partial"
echo "ok: breakpoint: held up to $held/s, failed at $failed/s, stopped at ${secs}s of 10s"

# 2. stop_when never holds: no failed rate, no stop_reason; held is the last
#    whole second's rate (the ramp's end, 30/s), and the summary says so.
scenario calm '{rate: 10/s..30/s, over: 3s, max_connections: 5, stop_when: "p(99) > 5s"}'
run calm
[ "$rc" = 0 ] || fail "calm: exit $rc"
[ "$(field "$T/calm.json" "r['phases'][0]['breakpoint']")" = "{'held_rps': 30.0, 'failed_rps': 0.0}" ] ||
    fail "calm: breakpoint $(field "$T/calm.json" "r['phases'][0]['breakpoint']")"
[ "$(field "$T/calm.json" "r['stop_reason']")" = None ] || fail "calm: a stop_reason without a stop"
grep -qF "breakpoint: held up to 30.0/s; stop_when never held 2 s in a row (no breaking point found)" "$T/calm.txt" ||
    { cat "$T/calm.txt"; fail "calm: summary"; }
! grep -q "failed at" "$T/calm.txt" || fail "calm: summary names a failed rate"
echo "ok: stop_when never held: held up to 30/s, no failed rate, no stop_reason"

# 3. stop_when holds from the first second: no rate held, failed at the first
#    second's rate (10/s..110/s over 5 s: 30/s), stopped after 2 s.
scenario early '{rate: 10/s..110/s, over: 5s, max_connections: 5, stop_when: "p(99) > 1ms"}'
run early
[ "$(field "$T/early.json" "r['phases'][0]['breakpoint']")" = "{'held_rps': 0.0, 'failed_rps': 30.0}" ] ||
    fail "early: breakpoint $(field "$T/early.json" "r['phases'][0]['breakpoint']")"
lt "$secs" 3.5 || fail "early: ran ${secs}s, expected to stop after 2 s"
field "$T/early.json" "r['stop_reason']" | grep -qF "from 30.0/s (since the phase's first second)" ||
    fail "early: stop_reason $(field "$T/early.json" "r['stop_reason']")"
grep -qF "breakpoint: failed at 30.0/s, from the first second (no rate held)" "$T/early.txt" ||
    { cat "$T/early.txt"; fail "early: summary"; }
echo "ok: stop_when held from the first second: failed at 30/s, stopped at ${secs}s"

# 4. Abort thresholds. p(99) < 1us fails from the first response. With the
#    default abort_after (2s) a 10 s run stops at 2 s; with abort_after: 0s at
#    the first tick (1 s); with abort_after: 4s not before 4 s. Exit 1, a
#    partial Result, the reason in stop_reason.
abort_case() { # NAME EXTRA-KEYS WANT-LO WANT-HI
    scenario "$1" '{rate: 20/s, duration: 10s, max_connections: 5}' \
        "thresholds:
  - {expr: \"p(99) < 1us\", abort: true$2}"
    run "$1"
    [ "$rc" = 1 ] || { cat "$T/$1.err"; fail "$1: exit $rc, expected 1"; }
    [ "$(field "$T/$1.json" "r['partial']")" = True ] || fail "$1: not partial"
    local why
    why=$(field "$T/$1.json" "r['stop_reason']")
    printf '%s' "$why" | grep -q "^abort threshold 'p(99) < 1us' failed at $3\.[0-9]s: p(99) = " ||
        fail "$1: stop_reason '$why'"
    python3 -c "import sys; sys.exit(0 if $3 <= $secs < $4 else 1)" ||
        fail "$1: stopped after ${secs}s, expected $3..$4 s"
    grep -qF "stopped: abort threshold 'p(99) < 1us' failed at" "$T/$1.txt" || fail "$1: summary"
    echo "ok: abort threshold${2:- (default abort_after)}: stopped after ${secs}s of 10s, exit 1"
}
abort_case abort_default "" 2 3
abort_case abort_zero ", abort_after: 0s" 1 2
abort_case abort_late ", abort_after: 4s" 4 5

# 5. abort_after is checked when the file is read: FILE:LINE:COL, exit 2.
scenario bad '{rate: 20/s, duration: 10s}' 'thresholds:
  - {expr: "p(99) < 1s", abort: true, abort_after: soon}'
rc=0
"$LOADCELL" run -q "$T/bad.yaml" >/dev/null 2>"$T/bad.err" || rc=$?
[ "$rc" = 2 ] || fail "bad abort_after: exit $rc"
grep -q "bad.yaml:8:52: 'abort_after' in thresholds.0: invalid duration 'soon'" "$T/bad.err" ||
    fail "bad abort_after: $(cat "$T/bad.err")"
scenario noabort '{rate: 20/s, duration: 10s}' 'thresholds:
  - {expr: "p(99) < 1s", abort_after: 3s}'
rc=0
"$LOADCELL" run -q "$T/noabort.yaml" >/dev/null 2>"$T/noabort.err" || rc=$?
[ "$rc" = 2 ] && grep -q "noabort.yaml:8:39: .*abort_after applies to an abort threshold only" "$T/noabort.err" ||
    fail "abort_after without abort: exit $rc: $(cat "$T/noabort.err")"
echo "ok: $(cat "$T/bad.err")"
echo "test_run_stop: passed"
