#!/usr/bin/env bash
# --metrics and --dashboard on run, bench and monitor, and serve --metrics read
# straight from the server's counters. Each is scraped with curl while it runs
# and after it ends (--metrics-linger); the final figures must equal the Result
# JSON's: run's requests by phase, bench's runs per command and scan point,
# monitor's target gauges. The dashboard's Stop (POST /api/stop) ends each
# gracefully: exit 130 and a partial Result (bench: after the run in progress).
# serve's /metrics must count exactly what the clients sent (no request of its
# own). Bad addresses: exit 2. About 25 s.
source "$(dirname "$0")/serve_lib.sh"
BG_PID=""
cleanup() {
    if [ -n "$BG_PID" ]; then
        kill -KILL "$BG_PID" 2>/dev/null || true
        wait "$BG_PID" 2>/dev/null || true
    fi
    serve_stop || true
    rm -rf "$SERVE_TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$SERVE_TMP
export LOADCELL_NO_HISTORY=1

# address_of FILE WHAT: wait for loadcell's "WHAT at URL" line on stderr, print the URL.
address_of() {
    local url=""
    for _ in $(seq 200); do
        url=$(sed -n "s/^loadcell: $2 at \(http:[^ ]*\)$/\1/p" "$1" | head -n1)
        [ -n "$url" ] && break
        kill -0 "$BG_PID" 2>/dev/null || { cat "$1" >&2; fail "loadcell ended early"; }
        sleep 0.05
    done
    [ -n "$url" ] || fail "no '$2 at' line: $(cat "$1")"
    echo "$url"
}

# scrape_until URL FILE PATTERN: scrape URL into FILE until a line matches PATTERN (10 s).
scrape_until() {
    for _ in $(seq 200); do
        curl -sf "$1" >"$2" 2>/dev/null && grep -q "$3" "$2" && return 0
        sleep 0.05
    done
    fail "no '$3' at $1: $(head -20 "$2" 2>/dev/null)"
}

# finish: wait for the background loadcell (10 s at most); its exit code in $rc.
finish() {
    for _ in $(seq 200); do
        kill -0 "$BG_PID" 2>/dev/null || break
        sleep 0.05
    done
    kill -0 "$BG_PID" 2>/dev/null && fail "loadcell still runs"
    rc=0
    wait "$BG_PID" || rc=$?
    BG_PID=""
}

# The server counts exactly what the clients send: --metrics reads its counters without a
# request of its own (the old poller added one connection and one /stats request a second).
serve_start --listen 127.0.0.1:0 --latency fixed:1ms --metrics 127.0.0.1:0
SMETRICS=$(sed -n 's/^loadcell: Prometheus metrics at \(http:[^ ]*\)$/\1/p' "$SERVE_TMP/err")
[ -n "$SMETRICS" ] || fail "serve printed no metrics URL: $(cat "$SERVE_TMP/err")"
sleep 2.2 # two polls with no client at all
curl -sf "$SMETRICS" >"$T/serve0.prom" || fail "serve /metrics"
grep -q '^loadcell_serve_connections_accepted_total 0$' "$T/serve0.prom" ||
    fail "serve counted connections of its own: $(grep connections "$T/serve0.prom")"
grep -q '^loadcell_serve_internal_requests_total{path="/stats"} 0$' "$T/serve0.prom" ||
    fail "serve counted /stats requests of its own"
for _ in $(seq 7); do curl -sf "$SERVE_URL/a" >/dev/null || fail "GET /a"; done
curl -sf "$SERVE_URL/stats" >/dev/null || fail "GET /stats"
sleep 1.3
curl -sf "$SMETRICS" >"$T/serve1.prom" || fail "serve /metrics"
grep -q '^loadcell_serve_requests_total{route="default"} 7$' "$T/serve1.prom" ||
    fail "serve requests: $(grep requests_total "$T/serve1.prom")"
grep -q '^loadcell_serve_internal_requests_total{path="/stats"} 1$' "$T/serve1.prom" ||
    fail "serve /stats requests: $(grep internal "$T/serve1.prom")"
grep -q '^loadcell_serve_connections_accepted_total 8$' "$T/serve1.prom" ||
    fail "serve connections: $(grep connections "$T/serve1.prom")"
if command -v promtool >/dev/null; then
    promtool check metrics <"$T/serve1.prom" || fail "promtool: serve"
fi
echo "ok: serve --metrics counts 7 requests, 1 /stats, 8 connections: only the clients'"

# run: a scenario of two phases; /metrics during the run, then the final counts = the Result.
cat >"$T/plan.yaml" <<YAML
version: 1
target: $SERVE_URL
requests:
  - {name: home, path: /}
scenarios:
  warm: {users: 2, duration: 1s}
  main: {users: 4, duration: 2s}
thresholds:
  - "p(99) < 2s"
YAML
"$LOADCELL" run -q -t 1 --metrics 127.0.0.1:0 --metrics-linger 5s -o "$T/run.json" \
    "$T/plan.yaml" >"$T/run.out" 2>"$T/run.err" &
BG_PID=$!
M=$(address_of "$T/run.err" "Prometheus metrics")
scrape_until "$M" "$T/run-live.prom" '^loadcell_requests_total{request="home",status="200",phase="[a-z]*"} [1-9]'
grep -q '^loadcell_info{command="run"' "$T/run-live.prom" || fail "run: no loadcell_info"
grep -q '^loadcell_running 1$' "$T/run-live.prom" || fail "run: not running during the run"
scrape_until "$M" "$T/run.prom" '^loadcell_running 0$'
python3 - "$T/run.json" "$T/run.prom" <<'EOF' || fail "run: /metrics disagrees with the Result"
import json, re, sys
r = json.load(open(sys.argv[1]))
got = {}
for line in open(sys.argv[2]):
    m = re.match(r'loadcell_requests_total\{request="home",status="(\d+)",phase="(\w+)"\} (\d+)', line)
    if m:
        got[m.group(2)] = got.get(m.group(2), 0) + int(m.group(3))
want = {p["name"]: p["stats"]["requests"] for p in r["phases"]}
print(f"run: /metrics {got} result {want}")
assert got == want and all(want.values()), (got, want)
text = open(sys.argv[2]).read()
assert 'loadcell_threshold_passing{threshold="p(99) < 2s"} 1' in text, "threshold gauge"
assert 'loadcell_phase{phase="main",index="1"} 1' in text, "current phase"
EOF
finish
[ "$rc" = 0 ] || fail "run exited $rc"
if command -v promtool >/dev/null; then
    promtool check metrics <"$T/run.prom" || fail "promtool: run"
fi

# run: the dashboard's Stop ends a 60 s scenario early, the result is written, exit 130.
sed 's/duration: 2s/duration: 60s/' "$T/plan.yaml" >"$T/long.yaml"
"$LOADCELL" run -q -t 1 --dashboard 127.0.0.1:0 -o "$T/run-stop.json" "$T/long.yaml" \
    >"$T/run-stop.out" 2>"$T/run-stop.err" &
BG_PID=$!
D=$(address_of "$T/run-stop.err" "live dashboard")
scrape_until "${D}api/snapshot" "$T/run-snap.json" '"phase":"main"'
grep -q '"command":"run"' "$T/run-snap.json" || fail "run: snapshot command"
curl -sf -X POST -H 'X-Loadcell-Stop: 1' "${D}api/stop" >/dev/null || fail "run: stop refused"
finish
[ "$rc" = 130 ] || { cat "$T/run-stop.err" >&2; fail "run exited $rc after Stop, not 130"; }
python3 - "$T/run-stop.json" <<'EOF' || fail "run: the partial result"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["partial"] is True and r.get("stop_reason") == "interrupted", r.get("stop_reason")
assert r["duration_s"] < 20, r["duration_s"]
assert r["totals"]["stats"]["requests"] > 0
print(f"run stopped after {r['duration_s']:.1f}s")
EOF
echo "ok: run --metrics agrees with the Result; Stop ends it with 130"

# bench: two scan points; the runs per point on /metrics equal the Result's.
"$LOADCELL" bench -N -r 5 -w 1 --scan n=1,2 -n nap 'sleep 0.0{n}' --monitor \
    --threshold 'mean < 5s' --metrics 127.0.0.1:0 --metrics-linger 5s -o "$T/bench.json" \
    >"$T/bench.out" 2>"$T/bench.err" &
BG_PID=$!
M=$(address_of "$T/bench.err" "Prometheus metrics")
scrape_until "$M" "$T/bench-live.prom" '^loadcell_bench_current_run_info{command="nap",params="n=[12]"} 1$'
scrape_until "$M" "$T/bench.prom" '^loadcell_running 0$'
python3 - "$T/bench.json" "$T/bench.prom" <<'EOF' || fail "bench: /metrics disagrees with the Result"
import json, re, sys
r = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
def values(name):
    out = {}
    for m in re.finditer(name + r'\{command="nap",params="([^"]*)"(?:,quantile="0.5")?\} (\S+)', text):
        out[m.group(1)] = float(m.group(2))
    return out
want = {}
medians = {}
for c in r["bench"]["commands"]:
    label = ", ".join(f"{k}={v}" for k, v in c["params"].items())
    walls = sorted(run["wall_ns"] / 1e9 for run in c["runs"])
    want[label] = len(c["runs"])
    n = len(walls)
    medians[label] = (walls[(n - 1) // 2] + walls[n // 2]) / 2
runs = values("loadcell_bench_runs_total")
print(f"bench: runs_total {runs} result {want}")
assert runs == {k: float(v) for k, v in want.items()} and want == {"n=1": 5, "n=2": 5}, (runs, want)
med = values("loadcell_bench_run_seconds")
for k, v in medians.items():
    assert abs(med[k] - v) < 1e-6, (k, med[k], v)
warm = values("loadcell_bench_warmup_runs_total")
assert warm == {"n=1": 1.0, "n=2": 1.0}, warm
assert 'loadcell_bench_points{state="done"} 2' in text
assert 'loadcell_threshold_passing{threshold="mean < 5s"} 1' in text
assert re.search(r"^loadcell_target_resident_bytes \d", text, re.M), "no --monitor gauges"
EOF
finish
[ "$rc" = 0 ] || { cat "$T/bench.err" >&2; fail "bench exited $rc"; }
if command -v promtool >/dev/null; then
    promtool check metrics <"$T/bench.prom" || fail "promtool: bench"
fi

# bench: Stop ends it after the run in progress (kept in the Result), exit 130.
"$LOADCELL" bench -N -r 50 'sleep 0.3' --dashboard 127.0.0.1:0 -o "$T/bench-stop.json" \
    >"$T/bench-stop.out" 2>"$T/bench-stop.err" &
BG_PID=$!
D=$(address_of "$T/bench-stop.err" "live dashboard")
scrape_until "${D}api/snapshot" "$T/bench-snap.json" '"runs":[1-9]'
curl -sf -X POST -H 'X-Loadcell-Stop: 1' "${D}api/stop" >/dev/null || fail "bench: stop refused"
finish
[ "$rc" = 130 ] || { cat "$T/bench-stop.err" >&2; fail "bench exited $rc after Stop, not 130"; }
python3 - "$T/bench-stop.json" <<'EOF' || fail "bench: the partial result"
import json, sys
r = json.load(open(sys.argv[1]))
runs = r["bench"]["commands"][0]["runs"]
assert r["partial"] is True and r.get("stop_reason") == "interrupted", r.get("stop_reason")
assert 1 <= len(runs) < 50, len(runs)
# The run in progress was not killed: every kept run slept its 0.3 s.
assert all(run["wall_ns"] >= 0.29e9 for run in runs), [run["wall_ns"] for run in runs]
print(f"bench stopped after {len(runs)} runs")
EOF
echo "ok: bench --metrics agrees with the Result; Stop ends it after the current run"

# monitor: the target's gauges; Stop ends the watch and the result is written.
"$LOADCELL" monitor --cmd 'sleep 60' -i 200ms --gpu off --metrics 127.0.0.1:0 \
    --dashboard 127.0.0.1:0 -q -o "$T/monitor.json" >"$T/monitor.out" 2>"$T/monitor.err" &
BG_PID=$!
M=$(address_of "$T/monitor.err" "Prometheus metrics")
D=$(address_of "$T/monitor.err" "live dashboard")
[ "${M%/metrics}/" = "$D" ] || fail "monitor: two servers for one address"
scrape_until "$M" "$T/monitor.prom" '^loadcell_target_cpu_ratio '
for g in loadcell_target_resident_bytes loadcell_target_threads loadcell_target_open_fds \
    loadcell_target_processes loadcell_host_cpu_ratio loadcell_host_memory_used_bytes; do
    grep -q "^$g [0-9]" "$T/monitor.prom" || fail "monitor: no $g"
done
grep -q '^loadcell_info{command="monitor",target="sleep 60"} 1$' "$T/monitor.prom" ||
    fail "monitor: loadcell_info"
if command -v promtool >/dev/null; then
    promtool check metrics <"$T/monitor.prom" || fail "promtool: monitor"
fi
curl -sf "${D}api/snapshot" >"$T/monitor-snap.json" || fail "monitor: no snapshot"
python3 - "$T/monitor-snap.json" <<'EOF' || fail "monitor: snapshot"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["command"] == "monitor" and s["load"] is False and s["can_stop"] is True, s
assert s["target_resources"]["processes"] >= 1, s["target_resources"]
assert s["host"] is not None
EOF
curl -sf -X POST -H 'X-Loadcell-Stop: 1' "${D}api/stop" >/dev/null || fail "monitor: stop refused"
finish
[ "$rc" = 130 ] || { cat "$T/monitor.err" >&2; fail "monitor exited $rc after Stop, not 130"; }
python3 - "$T/monitor.json" <<'EOF' || fail "monitor: the partial result"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["partial"] is True and r.get("stop_reason") == "interrupted", r.get("stop_reason")
assert r["duration_s"] < 30, r["duration_s"]
EOF
echo "ok: monitor --metrics shows the target, host; Stop ends it with 130"

# monitor: the GPU gauges, through the stand-in NVML library of test_monitor_gpu.sh (two GPUs,
# the second reports no power: its power gauge is left out, not zero).
CC=${CC:-cc}
if command -v "$CC" >/dev/null 2>&1; then
    "$CC" -shared -fPIC -o "$T/libnvidia-ml.so.1" "$SERVE_LIB_DIR/fake_nvml.c"
    LOADCELL_NVML_LIBRARY="$T/libnvidia-ml.so.1" FAKE_NVML_MODE=ok FAKE_NVML_UTIL=42 \
        "$LOADCELL" monitor --pid $$ -i 100ms -d 20s --gpu required --metrics 127.0.0.1:0 -q \
        >"$T/gpu.out" 2>"$T/gpu.err" &
    BG_PID=$!
    M=$(address_of "$T/gpu.err" "Prometheus metrics")
    scrape_until "$M" "$T/gpu.prom" '^loadcell_gpu_utilization_ratio{gpu="1"} '
    grep -q '^loadcell_gpu_utilization_ratio{gpu="0"} 0.42$' "$T/gpu.prom" ||
        fail "gpu 0 utilisation: $(grep gpu_ "$T/gpu.prom")"
    grep -q '^loadcell_gpu_utilization_ratio{gpu="1"} 0.43$' "$T/gpu.prom" ||
        fail "gpu 1 utilisation: $(grep gpu_ "$T/gpu.prom")"
    grep -q '^loadcell_gpu_power_watts{gpu="0"} [0-9]' "$T/gpu.prom" || fail "no gpu 0 power"
    ! grep -q '^loadcell_gpu_power_watts{gpu="1"}' "$T/gpu.prom" || fail "gpu 1 has no power"
    grep -q '^loadcell_gpu_memory_used_bytes{gpu="0"} [0-9]' "$T/gpu.prom" || fail "no gpu memory"
    grep -q '^loadcell_gpu_temperature_celsius{gpu="0"} [0-9]' "$T/gpu.prom" ||
        fail "no gpu temperature"
    kill -INT "$BG_PID"
    finish
    [ "$rc" = 130 ] || fail "monitor with fake GPUs exited $rc after SIGINT"
    echo "ok: monitor --metrics shows each GPU"
else
    echo "SKIP: no C compiler ($CC) for the stand-in NVML library"
fi

# Bad addresses: usage errors (exit 2) before anything starts.
for cmd in "run $T/plan.yaml" "bench true" "monitor --pid $$"; do
    rc=0
    # shellcheck disable=SC2086
    "$LOADCELL" $cmd --metrics 127.0.0.1:99999 >"$T/bad.out" 2>"$T/bad.err" || rc=$?
    [ "$rc" = 2 ] || fail "$cmd with a bad --metrics exited $rc, not 2"
    grep -q "port must be a number" "$T/bad.err" || fail "unclear message: $(cat "$T/bad.err")"
done
# A port in use: exit 3 with one line, before anything runs (no result file).
for cmd in "bench true" "monitor --cmd true"; do
    rc=0
    # shellcheck disable=SC2086
    "$LOADCELL" $cmd --dashboard "127.0.0.1:$SERVE_PORT" -o "$T/busy.json" >"$T/busy.out" \
        2>"$T/busy.err" || rc=$?
    [ "$rc" = 3 ] || fail "$cmd with its --dashboard port in use exited $rc, not 3"
    grep -q "Address already in use" "$T/busy.err" || fail "unclear message: $(cat "$T/busy.err")"
    [ ! -e "$T/busy.json" ] || fail "$cmd wrote a result although it never started"
done
echo "PASS"
