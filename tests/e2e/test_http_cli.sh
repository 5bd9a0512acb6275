#!/usr/bin/env bash
# `loadcell http` as a user meets it: bad input gets one line and exit 2, an
# unreachable target exit 3 at once, Ctrl-C a partial result and exit 130,
# and connections closed by the server are re-established, not errors.
source "$(dirname "$0")/serve_lib.sh"
field() { python3 "$SERVE_LIB_DIR/result_field.py" "$@"; }
trap 'serve_stop || true; rm -rf "$SERVE_TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

expect_exit() { # expect_exit CODE PATTERN ARGS...: exit code and a one-line stderr
    local want=$1 pattern=$2
    shift 2
    local rc=0
    "$LOADCELL" "$@" >"$SERVE_TMP/o" 2>"$SERVE_TMP/e" || rc=$?
    [ "$rc" = "$want" ] || fail "loadcell $* exited $rc, expected $want: $(cat "$SERVE_TMP/e")"
    grep -q -- "$pattern" "$SERVE_TMP/e" || fail "loadcell $*: stderr lacks '$pattern': $(cat "$SERVE_TMP/e")"
    [ "$(wc -l <"$SERVE_TMP/e")" -le 2 ] || fail "loadcell $*: more than one error line"
    echo "ok: loadcell $* -> $rc"
}

expect_exit 2 "missing URL" http
expect_exit 2 "unknown option" http --bogus http://127.0.0.1:1/
expect_exit 2 "duration '10' has no unit" http -d 10 http://127.0.0.1:1/
expect_exit 2 "invalid rate" http -R fast http://127.0.0.1:1/
expect_exit 2 "needs a value" http http://127.0.0.1:1/ -c
expect_exit 2 "closed model only" http -R 10/s --pipeline 4 http://127.0.0.1:1/
expect_exit 2 "invalid URL" http 127.0.0.1:8080
expect_exit 2 "--arrival must be" http --arrival burst http://127.0.0.1:1/

# Nothing listens on port 1: exit 3 at once, naming the reason.
start=$(date +%s%N)
expect_exit 3 "Connection refused" http -d 5s --timeout 5s http://127.0.0.1:1/
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[ "$elapsed_ms" -lt 2000 ] || fail "refused target took ${elapsed_ms}ms to report"
expect_exit 3 "cannot resolve" http -d 1s http://no-such-host.invalid/
# An output path that cannot be written fails before the run.
# (a folder that cannot be created: its parent is a file)
: >"$SERVE_TMP/plain-file"
expect_exit 3 "plain-file" http -d 1s -o "$SERVE_TMP/plain-file/r.json" http://127.0.0.1:1/

serve_start --listen 127.0.0.1:0 --latency fixed:1ms
# Ctrl-C: the partial result is printed and written, exit 130.
"$LOADCELL" http -q -c 4 -d 30s -o "$SERVE_TMP/partial.json" "$SERVE_URL/" >"$SERVE_TMP/p.txt" 2>&1 &
pid=$!
sleep 1.5
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 130 ] || fail "interrupted run exited $rc, expected 130"
[ "$(field "$SERVE_TMP/partial.json" "r['partial']")" = True ] || fail "result not marked partial"
n=$(field "$SERVE_TMP/partial.json" "total['requests']")
[ "$n" -gt 100 ] || fail "partial result has only $n requests"
grep -q "PARTIAL" "$SERVE_TMP/p.txt" || fail "summary does not say PARTIAL"
echo "ok: SIGINT -> 130 with a partial result of $n requests"

# The client asks to close after each answer: reconnects, not errors.
"$LOADCELL" http -q -c 4 -n 400 -H 'Connection: close' -o "$SERVE_TMP/close.json" "$SERVE_URL/" >/dev/null
[ "$(field "$SERVE_TMP/close.json" "total['errors']")" = 0 ] || fail "Connection: close produced errors"
[ "$(field "$SERVE_TMP/close.json" "total['requests']")" = 400 ] || fail "Connection: close lost requests"
rec=$(field "$SERVE_TMP/close.json" "total['reconnects']")
[ "$rec" -ge 390 ] || fail "expected ~400 reconnects, got $rec"
echo "ok: Connection: close -> 400 requests, $rec reconnects, 0 errors"

# Thresholds: all pass -> 0; one fails -> 1, with its verdict in the result.
"$LOADCELL" http -q -c 2 -n 200 --threshold 'p(99) < 5s' --threshold 'error_rate < 1%' \
    "$SERVE_URL/" >"$SERVE_TMP/th.txt" || fail "passing thresholds did not exit 0"
grep -q "PASS  p(99) < 5s" "$SERVE_TMP/th.txt" || fail "no PASS line: $(cat "$SERVE_TMP/th.txt")"
rc=0
"$LOADCELL" http -q -c 2 -n 200 --threshold 'p(50) < 1us' -o "$SERVE_TMP/th.json" "$SERVE_URL/" \
    >"$SERVE_TMP/th.txt" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a failing threshold exited $rc, expected 1"
[ "$(field "$SERVE_TMP/th.json" "r['thresholds'][0]['verdict']")" = fail ] || fail "verdict not recorded"
echo "ok: thresholds pass -> 0, fail -> 1"
expect_exit 2 "did you mean 'p(99)'" http --threshold 'p99 < 1s' "$SERVE_URL/"

# The result JSON carries the schema, the host and the generator's own cost.
[ "$(field "$SERVE_TMP/close.json" "r['schema']")" = loadcell.result/1 ] || fail "schema"
field "$SERVE_TMP/close.json" "r['host']['logical_cores'] > 0 and r['generator']['cpu_sys_s'] >= 0" | grep -q True ||
    fail "host or generator facts missing"

# No more threads than connections: -t 4 with one user runs (and says) one thread.
"$LOADCELL" http -c 1 -t 4 -n 20 -o "$SERVE_TMP/one.json" "$SERVE_URL/" >"$SERVE_TMP/one.txt" 2>&1
grep -q "closed model, 1 users, 1 thread$" "$SERVE_TMP/one.txt" || fail "threads: $(head -3 "$SERVE_TMP/one.txt")"
[ "$(field "$SERVE_TMP/one.json" "r['load']['threads']")" = 1 ] || fail "load.threads is not 1"
echo "ok: -t is capped at -c"

# Closed model with think time: latency is the service time (from the send), so the
# summary, the thresholds and the reports agree; a late think timer is schedule lag.
"$LOADCELL" http -q -c 2 -t 1 -n 40 --think 5ms -o "$SERVE_TMP/think.json" "$SERVE_URL/" >/dev/null 2>&1
field "$SERVE_TMP/think.json" "all(q['stats']['latency'] == q['stats']['service'] for q in r['totals']['requests'])" |
    grep -q True || fail "closed model with --think: latency differs from service time"
echo "ok: closed-model latency is the service time, with --think too"
serve_stop

# The target started and watched by loadcell: its resources are in the result
# and thresholds on them work; it is stopped at the end. One that dies before
# it is ready: exit 3 with its last stderr lines.
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
"$LOADCELL" http -q -c 2 -d 2s --monitor-cmd "$LOADCELL serve --listen 127.0.0.1:$port" \
    --ready "http://127.0.0.1:$port/health" --threshold 'mem_peak < 500MB' \
    -o "$SERVE_TMP/mon.json" "http://127.0.0.1:$port/" >/dev/null || fail "--monitor-cmd run failed"
field "$SERVE_TMP/mon.json" "any(x['name'] == 'sut.rss_bytes' and len(x['values']) >= 1 for x in r['resources'])" |
    grep -q True || fail "no sut.rss_bytes series"
! curl -s -m 1 "http://127.0.0.1:$port/health" >/dev/null || fail "the watched target was not stopped"
expect_exit 3 "boom" http -d 1s --monitor-cmd "echo boom >&2; exit 4" --ready "http://127.0.0.1:$port/health" \
    "http://127.0.0.1:$port/"
echo "ok: --monitor-cmd samples the target, judges mem_peak, stops it"

# Too few file descriptors for -c: the soft limit is raised to what is needed
# (and said), or, when the hard limit is too low, a clear error naming the
# `ulimit -n` to set, before any load.
serve_start --listen 127.0.0.1:0
(ulimit -Sn 256 && "$LOADCELL" http -q -c 600 -n 600 "$SERVE_URL/") >"$SERVE_TMP/fd.txt" 2>&1 ||
    fail "raising the soft limit: $(cat "$SERVE_TMP/fd.txt")"
grep -q "raised the open-file limit from 256 to 664" "$SERVE_TMP/fd.txt" ||
    fail "no word about the raised limit: $(cat "$SERVE_TMP/fd.txt")"
rc=0
(ulimit -n 256 && "$LOADCELL" http -q -c 600 -n 600 "$SERVE_URL/") >"$SERVE_TMP/fd.txt" 2>&1 || rc=$?
[ "$rc" = 3 ] && grep -q "run 'ulimit -n 664'" "$SERVE_TMP/fd.txt" ||
    fail "hard limit too low: exit $rc, $(cat "$SERVE_TMP/fd.txt")"
echo "ok: file-descriptor limits raised or named"
serve_stop

# IPv6 end to end, when this machine has ::1.
if python3 -c "import socket; s=socket.socket(socket.AF_INET6); s.bind(('::1', 0))" 2>/dev/null; then
    serve_start --listen '[::1]:0'
    "$LOADCELL" http -q -c 2 -n 50 -o "$SERVE_TMP/v6.json" "$SERVE_URL/" >/dev/null
    [ "$(field "$SERVE_TMP/v6.json" "total['requests'] - total['errors']")" = 50 ] || fail "IPv6 run"
    echo "ok: IPv6 $SERVE_URL"
    serve_stop
else
    echo "skip: no ::1 on this machine"
fi
echo "test_http_cli: passed"
