#!/usr/bin/env bash
# loadcell serve: --help lists the flags and chaos kinds; bad flags give one line
# on stderr and exit code 2; a port in use (even by another serve) gives exit code 3.
source "$(dirname "$0")/serve_lib.sh"
fails=0
help=$("$LOADCELL" serve --help)
for word in --listen --threads --latency --error-rate --error-status --body-size --chunked \
    --stall --chaos --route --seed reset close-mid-body bad-status huge-headers no-answer \
    trickle lognormal /health /stats; do
    case "$help" in
        *"$word"*) ;;
        *) echo "FAIL --help does not mention $word"; fails=1 ;;
    esac
done
[ $fails = 0 ] && echo "ok   --help lists every flag and chaos kind"

expect_usage_error() { # expect_usage_error WHAT_STDERR_SAYS ARGS...
    local says=$1 rc=0
    shift
    "$LOADCELL" serve "$@" >"$SERVE_TMP/o" 2>"$SERVE_TMP/e" || rc=$?
    local lines
    lines=$(wc -l <"$SERVE_TMP/e")
    if [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -q -- "$says" "$SERVE_TMP/e" && [ ! -s "$SERVE_TMP/o" ]; then
        echo "ok   serve $*: exit 2, $(cat "$SERVE_TMP/e")"
    else
        echo "FAIL serve $*: exit $rc, $lines stderr line(s), wanted '$says':"
        cat "$SERVE_TMP/e"
        fails=1
    fi
}
expect_usage_error "expected 1 to" --threads 0
expect_usage_error "unknown distribution 'gauss'" --latency gauss:1ms
expect_usage_error "sum to 90%" --latency 50%fixed:1ms,40%fixed:2ms
expect_usage_error "percentage" --error-rate 150%
expect_usage_error "200 to 599" --error-status 42
expect_usage_error "unknown kind 'explode'" --chaos explode=5%
expect_usage_error "more than 100%" --chaos reset=70%,trickle=40%
expect_usage_error "STALL/PERIOD" --stall 5s
expect_usage_error "must start with '/'" --route 'query:status=200'
expect_usage_error "unknown key 'speed'" --route '/q:speed=fast'
expect_usage_error "ADDR:PORT" --listen nonsense
expect_usage_error "unknown option '--bogus'" --bogus
expect_usage_error "needs a value" --latency
expect_usage_error "unexpected argument" extra

# A port already taken: the run cannot start (exit 3), one line.
python3 -u -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); print(s.getsockname()[1]); time.sleep(20)" >"$SERVE_TMP/port" &
holder=$!
for _ in $(seq 100); do [ -s "$SERVE_TMP/port" ] && break; sleep 0.05; done
port=$(cat "$SERVE_TMP/port")
rc=0
timeout 20 "$LOADCELL" serve --listen "127.0.0.1:$port" >"$SERVE_TMP/o" 2>"$SERVE_TMP/e" || rc=$?
kill $holder 2>/dev/null || true
wait $holder 2>/dev/null || true
if [ "$rc" = 3 ] && [ "$(wc -l <"$SERVE_TMP/e")" = 1 ] && grep -q "in use" "$SERVE_TMP/e"; then
    echo "ok   port in use: exit 3, $(cat "$SERVE_TMP/e")"
else
    echo "FAIL port in use: exit $rc: $(cat "$SERVE_TMP/e")"
    fails=1
fi

# A port another `loadcell serve` listens on: both set SO_REUSEPORT, which the
# kernel would let them share; the second must still refuse it (exit 3, one line).
serve_start --listen 127.0.0.1:0 --threads 2
for threads in 1 3; do
    rc=0
    timeout 20 "$LOADCELL" serve --listen "127.0.0.1:$SERVE_PORT" --threads $threads \
        >"$SERVE_TMP/o" 2>"$SERVE_TMP/e" || rc=$?
    if [ "$rc" = 3 ] && [ "$(wc -l <"$SERVE_TMP/e")" = 1 ] && [ ! -s "$SERVE_TMP/o" ] &&
        grep -q "cannot listen on 127.0.0.1:$SERVE_PORT: .*in use.*another process" "$SERVE_TMP/e"; then
        echo "ok   port of another serve, --threads $threads: exit 3, $(cat "$SERVE_TMP/e")"
    else
        echo "FAIL port of another serve, --threads $threads: exit $rc: $(cat "$SERVE_TMP/o" "$SERVE_TMP/e")"
        fails=1
    fi
done
serve_stop || fails=1
exit $fails
