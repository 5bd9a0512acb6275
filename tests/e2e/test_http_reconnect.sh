#!/usr/bin/env bash
# The target dies in the middle of a run and comes back: loadcell keeps
# going (exit 0), retries connections with exponential backoff instead of
# spinning (few connect_refused per connection per second, little CPU while
# the target is down), and resumes the load once the target is back.
# Closed and open model, about 16 s.
source "$(dirname "$0")/serve_lib.sh"
trap 'serve_stop || true; rm -rf "$SERVE_TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cpu_ticks() { # user + system CPU of a process, in clock ticks
    awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
hz=$(getconf CLK_TCK)
down_s=3

# run_case NAME CONNS ARGS...: kill the server 1.5 s into an 8 s run, restart it 3 s later.
run_case() {
    local name=$1 conns=$2
    shift 2
    serve_start --listen 127.0.0.1:0 --latency fixed:1ms
    local port=$SERVE_PORT url=$SERVE_URL
    "$LOADCELL" http -q -c "$conns" -t 2 -d 8s --connect-timeout 1s --timeout 2s "$@" \
        -o "$SERVE_TMP/$name.json" "$url/" >"$SERVE_TMP/$name.out" 2>"$SERVE_TMP/$name.err" &
    local pid=$!
    sleep 1.5
    kill -KILL "$SERVE_PID"
    wait "$SERVE_PID" 2>/dev/null || true
    SERVE_PID=""
    sleep 0.3 # connections fail and the retries start
    local c0 t0 c1 t1
    c0=$(cpu_ticks "$pid")
    t0=$(date +%s%N)
    sleep "$down_s"
    c1=$(cpu_ticks "$pid")
    t1=$(date +%s%N)
    serve_start --listen "127.0.0.1:$port" --latency fixed:1ms
    local rc=0
    wait "$pid" || rc=$?
    [ "$rc" = 0 ] || fail "$name: loadcell exited $rc: $(cat "$SERVE_TMP/$name.err")"
    serve_stop
    python3 - "$SERVE_TMP/$name.json" "$conns" "$((c1 - c0))" "$hz" "$(((t1 - t0) / 1000000))" "$name" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
conns, ticks, hz, down_ms, name = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
t = r["totals"]["stats"]
kinds = t["error_kinds"]
refused = kinds.get("connect_refused", 0)
series = [p for ph in r["phases"] for p in ph["series"]]
bad = []
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + f"{name}: {what}")
    if not ok:
        bad.append(what)
print(f"{name}: {t['requests']} requests, errors {kinds}, reconnects {t['reconnects']}")
print(f"{name}: errors per second " + " ".join(str(p["errors"]) for p in series))
# Backoff from 10 ms doubling to 1 s: about 7 attempts in the first second down, then
# about one a second. A spinning client makes thousands.
check(refused > 0, f"connect_refused counted ({refused})")
worst = max(p["errors"] / max(p.get("interval_s", 1.0), 0.2) for p in series)
check(worst <= 10 * conns, f"at most 10 errors per connection per second (worst {worst:.0f}/s for {conns})")
check(refused <= 12 * conns, f"connect_refused {refused} <= 12 per connection over ~3.3 s down")
cpu = ticks / hz
check(cpu <= 0.15 * down_ms / 1000, f"CPU while the target was down: {cpu:.2f}s in {down_ms} ms")
# The server came back about 2 s before the end: backoff is capped at 1 s, so
# the last second has successful requests again.
last = series[-1]
check(last["requests"] > last["errors"], f"load resumed after the target came back (last second: {last['requests']} requests, {last['errors']} errors)")
check(t["reconnects"] >= conns, f"every connection reconnected ({t['reconnects']} reconnects)")
sys.exit(1 if bad else 0)
EOF
}

run_case closed 4
run_case open 20 -R 200
echo "test_http_reconnect: passed"
