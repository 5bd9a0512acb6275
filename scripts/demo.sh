#!/usr/bin/env bash
# `make demo`: the embedded default run. Starts the built-in target server with
# a realistic latency mix and a small error rate, load-tests it for 10 s, prints
# the summary, writes demo-result.json and renders it as demo-report.html.
set -euo pipefail
bin="$1"
out_dir="${DEMO_OUT:-.}"
log=$(mktemp)
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -f "$log"
}
trap cleanup EXIT INT TERM

# 90% of requests take ~15 ms (lognormal), 10% are slow (~120 ms); 1% fail with 503.
"$bin" serve --listen 127.0.0.1:0 --threads 1 --seed 7 \
    --latency '90%lognormal:15ms,0.4,10%lognormal:120ms,0.3' \
    --error-rate 1% --error-status 503 --body-size 1KB >"$log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 50); do
    url=$(grep -o 'http://[^ ]*' "$log" | head -n 1 || true)
    [ -n "$url" ] && break
    sleep 0.1
done
if [ -z "$url" ]; then
    echo "demo: loadcell serve did not start:" >&2
    cat "$log" >&2
    exit 3
fi
echo "demo: loadcell serve is listening on $url"
echo "demo: loadcell http -c 20 -d 10s --warmup 2s -o $out_dir/demo-result.json ${url%/}/query"
"$bin" http -c 20 -d 10s --warmup 2s -o "$out_dir/demo-result.json" "${url%/}/query"
"$bin" report "$out_dir/demo-result.json" --html "$out_dir/demo-report.html"
echo "demo: open $out_dir/demo-report.html in a browser for the charts and findings"
