#!/usr/bin/env bash
# `loadcell run` end to end against `loadcell serve` (issue 6): user ramps,
# the request mix against the server's own counts, expect checks, a
# breakpoint search against a target of known capacity, abort thresholds,
# and a config error with its file:line:col.
source "$(dirname "$0")/serve_lib.sh"
field() { python3 "$SERVE_LIB_DIR/result_field.py" "$@"; }
trap 'serve_stop || true; rm -rf "$SERVE_TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
stats() { curl -s "$SERVE_URL/stats"; }

# 1. A ramp from 0 to 20 users over 5 s: the per-second active-user counts
#    follow the line (4 more each second, within 2).
serve_start --listen 127.0.0.1:0 --latency fixed:5ms
cat >"$SERVE_TMP/ramp.yaml" <<YAML
version: 1
target: $SERVE_URL
requests:
  - {name: home, path: /}
scenarios:
  ramp:
    stages:
      - {users: 20, over: 5s}
      - {users: 20, for: 1s}
YAML
"$LOADCELL" run -q -o "$SERVE_TMP/ramp.json" "$SERVE_TMP/ramp.yaml" >/dev/null
python3 - "$SERVE_TMP/ramp.json" <<'PY' || fail "user ramp not linear"
import json, sys
r = json.load(open(sys.argv[1]))
pts = r["phases"][0]["series"]
for p in pts:
    t = p["t_s"]
    want = min(20, 4 * t)
    print(f"t={t:.1f}s active={p['active']} want~{want:.0f}")
    if abs(p["active"] - want) > 2:
        sys.exit(1)
PY
echo "ok: users ramp linearly"
serve_stop

# 2. The request mix: weights 4:1 over >= 5000 requests match the server's
#    per-route counts, within binomial tolerance (4 sigma), and our own
#    per-request counts equal the server's.
serve_start --listen 127.0.0.1:0 --route '/a:latency=fixed:1ms' --route '/b:latency=fixed:1ms'
cat >"$SERVE_TMP/mix.yaml" <<YAML
version: 1
target: $SERVE_URL
requests:
  - {name: a, path: /a, weight: 4}
  - {name: b, path: /b, weight: 1}
scenarios:
  steady: {users: 20, duration: 3s}
YAML
"$LOADCELL" run -q --seed 11 -o "$SERVE_TMP/mix.json" "$SERVE_TMP/mix.yaml" >/dev/null
stats >"$SERVE_TMP/mix-stats.json"
python3 - "$SERVE_TMP/mix.json" "$SERVE_TMP/mix-stats.json" <<'PY' || fail "request mix"
import json, math, sys
r = json.load(open(sys.argv[1])); st = json.load(open(sys.argv[2]))
reqs = {q["name"]: q["stats"]["requests"] for q in r["phases"][0]["requests"]}
routes = st["by_route"]
n = reqs["a"] + reqs["b"]
share = reqs["a"] / n
sigma = math.sqrt(0.8 * 0.2 / n)
print(f"a={reqs['a']} b={reqs['b']} share={share:.4f} (0.8 +- {4 * sigma:.4f}); server {routes}")
inflight = r["totals"]["stats"]["in_flight_at_stop"]
assert n >= 5000, n
assert abs(share - 0.8) <= 4 * sigma
assert 0 <= routes["/a"] - reqs["a"] <= inflight and 0 <= routes["/b"] - reqs["b"] <= inflight
PY
echo "ok: request mix matches the weights and the server's counts"
serve_stop

# 3. expect: a 503 where 200 is expected, or a body without the expected text
#    (the server answers "ab"), is an error of that request.
serve_start --listen 127.0.0.1:0 --route '/bad:status=503' --route '/ok:status=200'
cat >"$SERVE_TMP/expect.yaml" <<YAML
version: 1
target: $SERVE_URL
requests:
  - {name: bad, path: /bad, expect: {status: 200}}
  - {name: ok, path: /ok, expect: {status: [200, 204], body_contains: "ab"}}
  - {name: nomatch, path: /ok, expect: {body_contains: "zz"}}
scenarios:
  check: {users: 2, duration: 1s}
YAML
"$LOADCELL" run -q -o "$SERVE_TMP/expect.json" "$SERVE_TMP/expect.yaml" >/dev/null || true
python3 - "$SERVE_TMP/expect.json" <<'PY' || fail "expect checks"
import json, sys
r = json.load(open(sys.argv[1]))
q = {x["name"]: x["stats"] for x in r["phases"][0]["requests"]}
kinds = q["bad"]["error_kinds"]
print("bad:", kinds, "ok errors:", q["ok"]["errors"], q["ok"]["error_kinds"])
assert kinds.get("check failed: status 503") == q["bad"]["requests"] > 0
assert q["ok"]["errors"] == 0
assert q["nomatch"]["error_kinds"].get("check failed: body") == q["nomatch"]["requests"] > 0
PY
echo "ok: expect failures count as errors of their request"
serve_stop

# 4. Breakpoint: 20 connections and 50 ms per answer hold at most 400/s.
#    Ramping 100/s..800/s, latency climbs once the rate passes ~400/s.
serve_start --listen 127.0.0.1:0 --latency fixed:50ms
cat >"$SERVE_TMP/bp.yaml" <<YAML
version: 1
target: $SERVE_URL
requests:
  - {name: home, path: /}
scenarios:
  search:
    rate: 100/s..800/s
    over: 10s
    max_connections: 20
    stop_when: "p(99) > 100ms"
YAML
"$LOADCELL" run -q -o "$SERVE_TMP/bp.json" "$SERVE_TMP/bp.yaml" >"$SERVE_TMP/bp.txt"
held=$(field "$SERVE_TMP/bp.json" "r['phases'][0]['breakpoint']['held_rps']")
failed=$(field "$SERVE_TMP/bp.json" "r['phases'][0]['breakpoint']['failed_rps']")
python3 -c "import sys; h,f=float('$held'),float('$failed'); sys.exit(0 if 300<=h<=560 and f>h else 1)" ||
    fail "breakpoint held at $held/s, failed at $failed/s; expected ~400/s"
grep -q "breakpoint: held up to" "$SERVE_TMP/bp.txt" || fail "summary lacks the breakpoint"
echo "ok: breakpoint held up to $held/s, failed at $failed/s (capacity 400/s)"
serve_stop

# 5. An abort threshold ends the run early, says why, exits 1.
serve_start --listen 127.0.0.1:0 --error-rate 50% --error-status 503
cat >"$SERVE_TMP/abort.yaml" <<YAML
version: 1
target: $SERVE_URL
requests:
  - {name: home, path: /}
scenarios:
  steady: {users: 4, duration: 30s}
thresholds:
  - {expr: "error_rate < 1%", abort: true}
YAML
start=$(date +%s)
rc=0
"$LOADCELL" run -q -o "$SERVE_TMP/abort.json" "$SERVE_TMP/abort.yaml" >"$SERVE_TMP/abort.txt" || rc=$?
took=$(($(date +%s) - start))
[ "$rc" = 1 ] || fail "abort threshold: exit $rc, expected 1"
[ "$took" -lt 15 ] || fail "abort threshold did not stop the run early (${took}s)"
field "$SERVE_TMP/abort.json" "r['stop_reason']" | grep -q "abort threshold 'error_rate < 1%' failed" ||
    fail "stop reason: $(field "$SERVE_TMP/abort.json" "r['stop_reason']")"
echo "ok: abort threshold stopped the run after ${took}s with exit 1"
serve_stop

# 6. A typo in the file: exit 2 and FILE:LINE:COL with the nearest key.
cat >"$SERVE_TMP/typo.yaml" <<YAML
version: 1
target: http://127.0.0.1:1
requests:
  - {name: home, path: /}
scenarios:
  steady: {users: 4, durations: 30s}
YAML
rc=0
"$LOADCELL" run "$SERVE_TMP/typo.yaml" 2>"$SERVE_TMP/typo.err" || rc=$?
[ "$rc" = 2 ] || fail "typo: exit $rc"
grep -q "typo.yaml:6:.*durations.*duration" "$SERVE_TMP/typo.err" || fail "typo message: $(cat "$SERVE_TMP/typo.err")"
echo "ok: $(cat "$SERVE_TMP/typo.err")"
# 7. monitor: the scenario starts its target, samples it during the phases,
#    judges a threshold on its memory, and stops it.
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
cat >"$SERVE_TMP/mon.yaml" <<YAML
version: 1
target: http://127.0.0.1:$port
requests:
  - {name: home, path: /}
scenarios:
  steady: {users: 2, duration: 2s}
thresholds:
  - "steady: mem_peak < 500MB"
monitor:
  command: "$LOADCELL serve --listen 127.0.0.1:$port"
  ready: http://127.0.0.1:$port/health
  interval: 500ms
YAML
"$LOADCELL" run -q -o "$SERVE_TMP/mon.json" "$SERVE_TMP/mon.yaml" >"$SERVE_TMP/mon.txt" ||
    { cat "$SERVE_TMP/mon.txt"; fail "monitor scenario"; }
field "$SERVE_TMP/mon.json" "r['thresholds'][0]['verdict']" | grep -q pass || fail "mem_peak verdict"
! curl -s -m 1 "http://127.0.0.1:$port/health" >/dev/null || fail "the monitored target still runs"
echo "ok: monitor: starts, samples and stops the target"
# 8. benchmarks: in a scenario file run the bench engine into the same Result.
cat >"$SERVE_TMP/bench.yaml" <<YAML
version: 1
benchmarks:
  - name: nap
    command: "sleep 0.0{n}"
    scan: {n: [1, 2]}
    runs: 3
YAML
"$LOADCELL" run -q -o "$SERVE_TMP/bench.json" "$SERVE_TMP/bench.yaml" >"$SERVE_TMP/bench.txt" 2>&1 ||
    { cat "$SERVE_TMP/bench.txt"; fail "benchmarks scenario"; }
field "$SERVE_TMP/bench.json" "[(c['params']['n'], len(c['runs'])) for c in r['bench']['commands']]" |
    grep -qF "[('1', 3), ('2', 3)]" || fail "bench commands: $(field "$SERVE_TMP/bench.json" "r['bench']")"
echo "ok: benchmarks: run through the bench engine"
echo "test_run_scenarios: passed"
