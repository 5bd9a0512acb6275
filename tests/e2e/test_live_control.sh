#!/usr/bin/env bash
# Live control from the dashboard's API (POST /api/control) with curl, against `loadcell serve`
# on loopback: `loadcell http -R 50 --dashboard` is raised to 250 requests/s and the per-second
# figures follow; bad values are answered 400 (403 without the header or from another origin,
# 405 for GET); a closed-model run's users go from 6 to 2; `loadcell run` applies a change to
# its running phase only (the next phase keeps its own rate); a change asked in the run's last
# second is refused (409: no tick is left to apply it); --metrics alone has no control.
# Each change is a warning in the Result and the summary. About 26 s.
source "$(dirname "$0")/serve_lib.sh"
HTTP_PID=""
cleanup() {
    if [ -n "$HTTP_PID" ]; then
        kill -KILL "$HTTP_PID" 2>/dev/null || true
        wait "$HTTP_PID" 2>/dev/null || true
    fi
    serve_stop || true
    rm -rf "$SERVE_TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$SERVE_TMP

serve_start --listen 127.0.0.1:0 --latency fixed:2ms

# address_of FILE WHAT: wait for loadcell's "WHAT at URL" line on stderr, print the URL.
address_of() {
    local url=""
    for _ in $(seq 200); do
        url=$(sed -n "s/^loadcell: $2 at \(http:[^ ]*\)$/\1/p" "$1" | head -n1)
        [ -n "$url" ] && break
        kill -0 "$HTTP_PID" 2>/dev/null || { cat "$1" >&2; fail "loadcell ended early"; }
        sleep 0.05
    done
    [ -n "$url" ] || fail "no '$2 at' line: $(cat "$1")"
    echo "$url"
}

# wait_ticks URL N: wait (5 s at most) until the snapshot has seq >= N (one publish a second).
wait_ticks() {
    for _ in $(seq 100); do
        seq=$(curl -s "${1}api/snapshot" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seq"])' 2>/dev/null || echo 0)
        [ "${seq:-0}" -ge "$2" ] && return 0
        sleep 0.05
    done
    fail "the dashboard at $1 never reached update $2"
}

# post URL QUERY [CURL ARGS...]: POST /api/control?QUERY with the header; prints "CODE BODY".
post() {
    local url=$1 query=$2
    shift 2
    curl -s -o "$T/answer" -w '%{http_code}' -X POST -H 'X-Loadcell-Control: 1' "$@" \
        "${url}api/control?$query"
    echo " $(head -n1 "$T/answer")"
}

# expect WANT QUERY [CURL ARGS...]: the answer's code is WANT.
expect() {
    local want=$1 query=$2
    shift 2
    local got
    got=$(post "$D" "$query" "$@")
    echo "  $query -> $got"
    [ "${got%% *}" = "$want" ] || fail "POST /api/control?$query answered '$got', expected $want"
}

# ---- open model: rate 50 -> 250 ------------------------------------------------------------
"$LOADCELL" http -q -c 40 -t 2 -R 50 -d 8s --dashboard 127.0.0.1:0 -o "$T/open.json" \
    "$SERVE_URL/" >"$T/open.out" 2>"$T/open.err" &
HTTP_PID=$!
D=$(address_of "$T/open.err" "live dashboard")
wait_ticks "$D" 2 # the first second is measured at 50/s
echo "open model, dashboard $D"
# The change first (taken at the next tick), then the refusals: a loaded machine
# that answers slowly must not push the change to the run's last second.
expect 200 "rate=250"
grep -qx 'rate=250' "$T/answer" || fail "the answer names the new value: $(cat "$T/answer")"
expect 400 "rate=abc"
expect 400 "rate=0"
expect 400 "rate=-3"
expect 400 "rate=501" # 10 x 50/s is the cap
expect 400 "users=3"  # an open-model phase has a rate
expect 400 "users=3&rate=5"
expect 400 ""
expect 403 "rate=100" -H 'Origin: http://evil.example'
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "${D}api/control?rate=100")
[ "$code" = 403 ] || fail "no X-Loadcell-Control header: $code, expected 403"
code=$(curl -s -o /dev/null -w '%{http_code}' "${D}api/control?rate=100")
[ "$code" = 405 ] || fail "GET /api/control: $code, expected 405"
curl -s "${D}api/snapshot" | python3 -c '
import json, sys
c = json.load(sys.stdin)["control"]
assert c == {"name": "rate", "min": 0, "max": 500}, c' || fail "the snapshot's control"
wait "$HTTP_PID" || fail "loadcell http exited $?"
HTTP_PID=""
grep -q "WARNING: at .* the live dashboard changed phase 'main' from 50 to 250 requests/s" \
    "$T/open.out" || fail "no warning in the summary: $(cat "$T/open.out")"
python3 - "$T/open.json" <<'EOF' || fail "the open-model result"
import json, sys
r = json.load(open(sys.argv[1]))
ph = r["phases"][0]
rps = [p["requests"] / 1.0 for p in ph["series"]]
print("requests per second:", rps, "unsent:", r["totals"]["stats"].get("unsent"))
assert rps[0] <= 60, rps                      # before the change: 50/s
assert all(v >= 200 for v in rps[-2:]), rps  # after it: 250/s
assert max(rps) <= 275, rps                  # no burst to catch up
assert any("from 50 to 250 requests/s" in w for w in r["warnings"]), r["warnings"]
EOF

# ---- closed model: 6 users -> 2 ------------------------------------------------------------
"$LOADCELL" http -q -c 6 -t 2 -d 6s --dashboard 127.0.0.1:0 -o "$T/closed.json" \
    "$SERVE_URL/" >"$T/closed.out" 2>"$T/closed.err" &
HTTP_PID=$!
D=$(address_of "$T/closed.err" "live dashboard")
wait_ticks "$D" 2
echo "closed model, dashboard $D"
expect 200 "users=2"
expect 400 "users=0"
expect 400 "users=7" # more than the connections opened at start (-c 6)
expect 400 "users=2.5"
expect 400 "rate=10"
wait "$HTTP_PID" || fail "loadcell http exited $?"
HTTP_PID=""
python3 - "$T/closed.json" <<'EOF' || fail "the closed-model result"
import json, sys
r = json.load(open(sys.argv[1]))
act = [p["active"] for p in r["phases"][0]["series"]]
print("active users per second:", act)
assert act[0] == 6 and act[-1] == 2, act
assert any("from 6 to 2 users" in w for w in r["warnings"]), r["warnings"]
EOF

# ---- loadcell run: the change holds for the running phase only ------------------------------
cat >"$T/two.yaml" <<YAML
version: 1
name: two-phases
target: $SERVE_URL
requests:
  - {name: home, path: /}
scenarios:
  first: {rate: 40/s, duration: 8s, max_connections: 20}
  second: {rate: 60/s, duration: 2s, max_connections: 20}
YAML
"$LOADCELL" run -q -t 1 --dashboard 127.0.0.1:0 -o "$T/run.json" "$T/two.yaml" \
    >"$T/run.out" 2>"$T/run.err" &
HTTP_PID=$!
D=$(address_of "$T/run.err" "live dashboard")
wait_ticks "$D" 2
echo "run, dashboard $D"
curl -s "${D}api/snapshot" | python3 -c 'import json,sys; s=json.load(sys.stdin); print("  at", s["elapsed_s"], "s in phase", s["phase"])'
expect 400 "rate=401"
expect 200 "rate=120"
wait "$HTTP_PID" || fail "loadcell run exited $?"
HTTP_PID=""
python3 - "$T/run.json" <<'EOF' || fail "the run result"
import json, sys
r = json.load(open(sys.argv[1]))
by = {p["name"]: [q["requests"] for q in p["series"]] for p in r["phases"]}
print("requests per second by phase:", by, r["warnings"])
# The change is asked for about 2 s in and taken at the next tick: 8 s leave room
# for a loaded machine to be seconds late without the change reaching the phase's end.
assert by["first"][-1] >= 100, by            # changed to 120/s
assert all(v <= 70 for v in by["second"]), by  # the next phase keeps its 60/s
assert any("phase 'first' from 40 to 120 requests/s" in w for w in r["warnings"]), r["warnings"]
EOF

# ---- the last second: a change that no tick is left to apply is refused (409), never dropped --
# The run's ticks are at 1 s and 2 s, it ends at 3 s: from 2 s on every change is answered 409.
# A no-change level (users=2 of 2) is posted over and over until the run ends.
"$LOADCELL" http -q -c 2 -t 1 -d 3s --dashboard 127.0.0.1:0 -o "$T/last.json" \
    "$SERVE_URL/" >"$T/last.out" 2>"$T/last.err" &
HTTP_PID=$!
D=$(address_of "$T/last.err" "live dashboard")
: >"$T/answers"
for _ in $(seq 200); do
    got=$(post "$D" "users=2")
    [ "${got%% *}" = 000 ] && break # the run ended and its dashboard with it
    echo "$got" >>"$T/answers"
    sleep 0.05
done
wait "$HTTP_PID" || fail "loadcell http exited $?"
HTTP_PID=""
uniq -c "$T/answers" | sed 's/^/  /'
python3 - "$T/answers" <<'EOF' || fail "the answers around the run's last second"
import re, sys
codes = [l.split(" ", 1) for l in open(sys.argv[1]).read().splitlines()]
assert any(c == "200" for c, _ in codes), codes
assert any(c == "409" for c, _ in codes), codes
first = next(i for i, (c, _) in enumerate(codes) if c == "409")
assert all(c == "409" for c, _ in codes[first:]), codes  # no 200 once the last second began
for c, m in codes[first:]:
    assert re.match(r"the run (ends in \d+\.\d s, before the next tick|is over)", m), m
EOF

# ---- --metrics alone: no dashboard, no control ---------------------------------------------
"$LOADCELL" http -q -c 2 -t 1 -d 2s --metrics 127.0.0.1:0 "$SERVE_URL/" \
    >"$T/m.out" 2>"$T/m.err" &
HTTP_PID=$!
M=$(address_of "$T/m.err" "Prometheus metrics")
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'X-Loadcell-Control: 1' \
    "${M%/metrics}/api/control?users=1")
[ "$code" = 404 ] || fail "POST /api/control on --metrics: $code, expected 404"
wait "$HTTP_PID" || fail "loadcell http --metrics exited $?"
HTTP_PID=""
echo "PASS"
