#!/usr/bin/env bash
# Soak: a long open-model run against `loadcell serve`, sampling the
# generator's resident memory every interval; fails when it grows by more
# than SOAK_MAX_GROWTH_KB after the warm-up. Not part of `make test` (10 min).
#
# usage: bench/soak.sh [LOADCELL_BINARY]          (default build/release/loadcell)
# knobs: SOAK_DURATION (600s) SOAK_RATE (2000) SOAK_CONNS (100) SOAK_THREADS (2)
#        SOAK_INTERVAL (10) SOAK_BASELINE_S (60: the sample growth is measured from)
#        SOAK_MAX_GROWTH_KB (1024) SOAK_OUT (a file to copy the samples to)
# Traffic goes to 127.0.0.1 only.
set -euo pipefail
export LOADCELL_NO_HISTORY=1 # benchmark runs stay out of .loadcell/history.db (and its write out of the CPU figures)
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/release/loadcell}
duration=${SOAK_DURATION:-600s}
rate=${SOAK_RATE:-2000}
conns=${SOAK_CONNS:-100}
threads=${SOAK_THREADS:-2}
interval=${SOAK_INTERVAL:-10}
baseline_s=${SOAK_BASELINE_S:-60}
max_growth_kb=${SOAK_MAX_GROWTH_KB:-1024}
[ -x "$bin" ] || { echo "soak: no binary at $bin (make build)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lcsoak.XXXXXX")
srv_pid=""
gen_pid=""
cleanup() {
    [ -n "$gen_pid" ] && kill -KILL "$gen_pid" 2>/dev/null || true
    [ -n "$srv_pid" ] && kill -TERM "$srv_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin" serve --listen 127.0.0.1:0 --threads 1 --latency uniform:1ms..5ms --body-size 1KB \
    >"$tmp/serve.out" 2>"$tmp/serve.err" &
srv_pid=$!
url=""
for _ in $(seq 100); do
    url=$(sed -n 's/^loadcell serve: listening on \(http:.*\)$/\1/p' "$tmp/serve.out")
    [ -n "$url" ] && break
    sleep 0.05
done
[ -n "$url" ] || { echo "soak: serve did not start: $(cat "$tmp/serve.err")" >&2; exit 1; }

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

echo "soak: $bin http -R $rate -c $conns -t $threads -d $duration $url/ (sample every ${interval}s)"
"$bin" http -q -R "$rate" -c "$conns" -t "$threads" -d "$duration" -o "$tmp/result.json" \
    "$url/" >"$tmp/summary.txt" 2>"$tmp/gen.err" &
gen_pid=$!
start=$(date +%s)
printf '%8s %14s %14s\n' t_s gen_rss_kb serve_rss_kb | tee "$tmp/samples.txt"
while kill -0 "$gen_pid" 2>/dev/null; do
    sleep "$interval"
    kill -0 "$gen_pid" 2>/dev/null || break
    t=$(($(date +%s) - start))
    printf '%8d %14d %14d\n' "$t" "$(rss_kb "$gen_pid")" "$(rss_kb "$srv_pid")" | tee -a "$tmp/samples.txt"
done
rc=0
wait "$gen_pid" || rc=$?
gen_pid=""
[ -n "${SOAK_OUT:-}" ] && cp "$tmp/samples.txt" "$SOAK_OUT"
if [ "$rc" != 0 ]; then
    echo "soak: loadcell exited $rc: $(cat "$tmp/gen.err")" >&2
    exit 1
fi
python3 - "$tmp/samples.txt" "$tmp/result.json" "$baseline_s" "$max_growth_kb" <<'EOF'
import json, sys
rows = [l.split() for l in open(sys.argv[1]).read().splitlines()[1:] if l.strip()]
rows = [(int(t), int(g), int(s)) for t, g, s in rows if int(g) > 0]
r = json.load(open(sys.argv[2]))
tot = r["totals"]["stats"]
base_s, limit = int(sys.argv[3]), int(sys.argv[4])
after = [x for x in rows if x[0] >= base_s]
if len(after) < 2:
    sys.exit("soak: too few samples after the warm-up (run longer)")
base = after[0][1]
growth = max(g for _, g, _ in after) - base
end_growth = after[-1][1] - base
print(f"requests {tot['requests']} errors {tot['errors']} in {r['duration_s']:.0f}s "
      f"({tot['requests'] / r['duration_s']:.0f}/s)")
print(f"generator RSS: first {rows[0][1]} KB, at {after[0][0]}s {base} KB, "
      f"max after {max(g for _, g, _ in after)} KB, last {after[-1][1]} KB")
print(f"generator RSS growth after {after[0][0]}s: max {growth} KB, at the end {end_growth} KB "
      f"(limit {limit} KB)")
print(f"serve RSS: first {rows[0][2]} KB, last {rows[-1][2]} KB")
if tot["errors"] != 0:
    sys.exit(f"soak: FAIL, {tot['errors']} errors")
if growth >= limit:
    sys.exit("soak: FAIL, the generator's memory grew")
print("soak: PASS")
EOF
