#!/usr/bin/env bash
# --metrics scraped by a real Prometheus (Debian's `prometheus`, started here on
# loopback with a generated config, scrape interval 1s): `loadcell http` with a
# warmup and a measured phase against `loadcell serve --metrics` (with injected
# errors). After the run, Prometheus' HTTP API must give exactly the Result
# JSON's figures: requests per phase and per status, errors per kind, the
# histogram's count, bytes; the server's own counters must be there too, and
# both expositions must pass `promtool check metrics`. Then bad input: a
# malformed address (exit 2) and a port in use (exit 3), both before any load.
# About 20 s.
source "$(dirname "$0")/serve_lib.sh"
PROM_PID=""
cleanup() {
    if [ -n "$PROM_PID" ]; then
        kill -TERM "$PROM_PID" 2>/dev/null || true
        wait "$PROM_PID" 2>/dev/null || true
    fi
    serve_stop || true
    rm -rf "$SERVE_TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
    echo "prometheus and promtool are needed (scripts/install-deps.sh installs them)" >&2
    exit 1
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
T=$SERVE_TMP
MPORT=$(free_port) # loadcell http --metrics
SPORT=$(free_port) # loadcell serve --metrics
PPORT=$(free_port) # Prometheus itself

serve_start --listen 127.0.0.1:0 --latency uniform:1ms..3ms --error-rate 5% --metrics "127.0.0.1:$SPORT"

cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: loadcell
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
  - job_name: loadcell-serve
    static_configs:
      - targets: ['127.0.0.1:$SPORT']
EOF
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/data" \
    --web.listen-address="127.0.0.1:$PPORT" --log.level=warn >"$T/prom.log" 2>&1 &
PROM_PID=$!
for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$PPORT/-/ready" >/dev/null 2>&1 && break
    kill -0 "$PROM_PID" 2>/dev/null || { cat "$T/prom.log" >&2; fail "prometheus did not start"; }
    sleep 0.1
done
curl -sf "http://127.0.0.1:$PPORT/-/ready" >/dev/null || fail "prometheus not ready after 30 s"
echo "prometheus on 127.0.0.1:$PPORT"

# The run: 2 s warmup + 6 s measured, then 3 s of lingering for the last scrapes.
rc=0
run_start=$(date +%s)
"$LOADCELL" http -q -c 4 -t 2 --warmup 2s -d 6s --metrics "127.0.0.1:$MPORT" --metrics-linger 3s \
    --threshold 'p(99) < 1s' -o "$T/result.json" "$SERVE_URL/" >"$T/http.out" 2>"$T/http.err" || rc=$?
run_end=$(date +%s)
[ "$rc" = 0 ] || { cat "$T/http.err" >&2; fail "loadcell http exited $rc"; }
grep -q "Prometheus metrics at http://127.0.0.1:$MPORT/metrics" "$T/http.err" ||
    fail "no metrics URL line: $(cat "$T/http.err")"
curl -sf "http://127.0.0.1:$SPORT/metrics" >"$T/serve.prom" || fail "serve /metrics"
promtool check metrics <"$T/serve.prom" || fail "promtool: serve's exposition"
sleep 2.5 # the server's poller and Prometheus catch up with the server's last requests

python3 - "$T/result.json" "$PPORT" "$run_start" "$run_end" "$LC_SOURCE_DIR/docs/grafana-dashboard.json" \
    <<'EOF' || fail "Prometheus disagrees with the Result"
import json, sys, urllib.parse, urllib.request
r = json.load(open(sys.argv[1]))
api = f"http://127.0.0.1:{sys.argv[2]}/api/v1/"

def query(q, path="query", **params):
    url = api + path + "?" + urllib.parse.urlencode(dict(query=q, **params))
    with urllib.request.urlopen(url, timeout=10) as f:
        d = json.load(f)
    assert d["status"] == "success", d
    return d["data"]["result"]

# The target is gone (stale) by now: take each series' last value over the run.
def by(metric, label=None, extra=""):
    q = f"max_over_time({metric}{extra}[5m])"
    q = f"sum by ({label}) ({q})" if label else f"sum({q})"
    out = {}
    for s in query(q):
        out[s["metric"].get(label) if label else None] = round(float(s["value"][1]))
    return out

bad = []
def check(what, got, want):
    print(f"{what}: prometheus {got} result {want}")
    if got != want:
        bad.append(what)

phases = r["phases"]
assert [p["name"] for p in phases] == ["warmup", "main"], [p["name"] for p in phases]
check("up", by("up", extra='{job="loadcell"}'), {None: 1})
check("requests", by("loadcell_requests_total"), {None: sum(p["stats"]["requests"] for p in phases)})
check("requests by phase", by("loadcell_requests_total", "phase"),
      {p["name"]: p["stats"]["requests"] for p in phases})
errors = sum(p["stats"]["errors"] for p in phases)
if errors == 0:
    bad.append("no errors injected: the error counters were not exercised")
check("errors", by("loadcell_errors_total"), {None: errors})
statuses = {}
for p in phases:
    for code, n in p["stats"]["status_codes"].items():
        statuses[code] = statuses.get(code, 0) + n
got = by("loadcell_requests_total", "status")
got.pop("0", None)  # requests without a response: none here, but not a status code either
check("requests by status", got, statuses)
kinds = {}
for p in phases:
    for kind, n in p["stats"]["error_kinds"].items():
        kinds[kind] = kinds.get(kind, 0) + n
check("errors by kind", by("loadcell_errors_total", "kind"), kinds)
check("histogram count", by("loadcell_request_duration_seconds_count"),
      {None: sum(p["stats"]["latency"]["count"] for p in phases)})
check("+Inf bucket", by("loadcell_request_duration_seconds_bucket", extra='{le="+Inf"}'),
      by("loadcell_request_duration_seconds_count"))
check("bytes received", by("loadcell_received_bytes_total"),
      {None: sum(p["stats"]["bytes_in"] for p in phases)})
# Quantiles from the buckets: the server answers in 1..3 ms.
q = query('histogram_quantile(0.5, sum by (le) (max_over_time('
          'loadcell_request_duration_seconds_bucket{phase="main"}[5m])))')
p50 = float(q[0]["value"][1]) if q else float("nan")
print(f"histogram_quantile(0.5) = {p50}")
if not 0.001 <= p50 <= 0.005:
    bad.append("histogram_quantile p50 outside 1..5 ms")
if not query('loadcell_generator_cpu_ratio[5m]'):
    bad.append("no generator CPU samples")
# The server saw at least every request that got an answer.
answered = sum(statuses.values())
served = by("loadcell_serve_requests_total").get(None, 0)
print(f"serve counted {served}, loadcell got {answered} answers")
if served < answered:
    bad.append("loadcell_serve_requests_total below the answers received")
# Every query of the Grafana dashboard runs, and shows data over the run (but those of
# features this run does not use: an open model's target rate, a monitored target, chaos).
unused = ("loadcell_target_rate", "loadcell_target_cpu_ratio", "loadcell_serve_chaos_total")
dash = json.load(open(sys.argv[5]))
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
for e in exprs:
    q = e.replace("$__rate_interval", "5s").replace("$instance", ".*")
    try:
        res = query(q, "query_range", start=sys.argv[3], end=int(sys.argv[4]) + 1, step="1s")
    except Exception as ex:
        bad.append(f"dashboard query failed: {q}: {ex}")
        continue
    if not res and not any(u in q for u in unused):
        bad.append(f"dashboard query has no data: {q}")
print(f"{len(exprs)} Grafana dashboard queries checked")
sys.exit(", ".join(bad) if bad else 0)
EOF

# The exposition of a finished run passes promtool (names, types, units, label use).
"$LOADCELL" http -q -c 2 -t 1 -d 1s --metrics "127.0.0.1:$MPORT" --metrics-linger 2s \
    "$SERVE_URL/" >"$T/lint.out" 2>&1 &
lint_pid=$!
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$MPORT/metrics" >"$T/http.prom" 2>/dev/null &&
        grep -q "^loadcell_running 0" "$T/http.prom" && break
    sleep 0.05
done
grep -q "^loadcell_running 0" "$T/http.prom" || fail "never saw the final exposition"
grep -q '^loadcell_requests_total{request="GET /",status="200",phase="main"} [1-9]' "$T/http.prom" ||
    fail "no request counter in the exposition"
promtool check metrics <"$T/http.prom" || fail "promtool: loadcell http's exposition"
wait "$lint_pid" || fail "lint run exited $?"

# Bad input: a one-line error, before any load (no result file, fast).
rc=0
"$LOADCELL" http -q -d 5s --metrics 127.0.0.1:99999 -o "$T/bad.json" "$SERVE_URL/" \
    >"$T/bad.out" 2>"$T/bad.err" || rc=$?
[ "$rc" = 2 ] || fail "a malformed --metrics address exited $rc, not 2"
grep -q "port must be a number" "$T/bad.err" || fail "unclear message: $(cat "$T/bad.err")"
rc=0
start=$(date +%s%N)
"$LOADCELL" http -q -d 5s --dashboard "127.0.0.1:$PPORT" -o "$T/bad.json" "$SERVE_URL/" \
    >"$T/bad.out" 2>"$T/bad.err" || rc=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" = 3 ] || fail "a port in use exited $rc, not 3"
[ "$(wc -l <"$T/bad.err")" = 1 ] || fail "not one line: $(cat "$T/bad.err")"
grep -q "cannot listen on 127.0.0.1:$PPORT: Address already in use" "$T/bad.err" ||
    fail "unclear message: $(cat "$T/bad.err")"
[ ! -e "$T/bad.json" ] || fail "a result was written although the run never started"
[ "$elapsed_ms" -lt 2000 ] || fail "took ${elapsed_ms} ms: the load must not have started"
rc=0
"$LOADCELL" serve --listen 127.0.0.1:0 --metrics "127.0.0.1:$PPORT" >"$T/bad.out" 2>"$T/bad.err" ||
    rc=$?
[ "$rc" = 3 ] || fail "serve with its metrics port in use exited $rc, not 3"
grep -q "Address already in use" "$T/bad.err" || fail "unclear message: $(cat "$T/bad.err")"
echo "PASS"
