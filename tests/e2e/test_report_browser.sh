#!/usr/bin/env bash
# The HTML report in a real browser: reports of real runs (open model with warm-up and errors,
# closed model, a bench scan) open in headless Chromium without console errors or network
# requests, every chart is drawn with a non-zero size, no chart labels overlap, nothing
# scrolls sideways at 1280 px; screenshots go to the test's temporary directory.
# Needs node, /usr/bin/chromium and tests/browser/node_modules (scripts/install-deps.sh).
# LC_REPORT_SCREENSHOT=FILE also keeps the open-model screenshot (docs/img/report-example.png).
source "$(dirname "$0")/serve_lib.sh"
trap 'serve_stop || true; rm -rf "$SERVE_TMP"' EXIT
T=$SERVE_TMP
fail() { echo "FAIL: $*" >&2; exit 1; }
SRC=${LC_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CHECK="$SRC/tests/browser/check_report.js"
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

command -v node >/dev/null || fail "node is not installed (scripts/install-deps.sh installs it)"
[ -x "$CHROMIUM" ] || fail "$CHROMIUM is missing (apt-get install chromium; scripts/install-deps.sh)"
[ -d "$SRC/tests/browser/node_modules/playwright-core" ] ||
    fail "playwright-core is missing: run 'npm ci' in tests/browser (scripts/install-deps.sh)"

check() { # check NAME MIN_CHARTS: open $T/NAME.html, screenshot to $T/NAME.png
    local name=$1 min=$2 rc=0
    timeout 120 node "$CHECK" "$T/$name.html" --shot "$T/$name.png" --min-charts "$min" \
        >"$T/$name.check" 2>&1 || rc=$?
    [ "$rc" = 0 ] || fail "$name: $(cat "$T/$name.check")"
    [ -s "$T/$name.png" ] || fail "$name: no screenshot"
    echo "ok: $name: $(head -c 200 "$T/$name.check")"
}

serve_start --listen 127.0.0.1:0 --latency lognormal:20ms,0.5 --error-rate 2% --seed 7

# Open model with a warm-up phase, errors and two thresholds (one fails: exit 1).
rc=0
"$LOADCELL" http -q -R 200/s -d 6s --warmup 2s --threshold 'p(99) < 40ms' \
    --threshold 'error_rate < 5%' -o "$T/open.json" "$SERVE_URL/" >/dev/null 2>&1 || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "open-model run exited $rc"
"$LOADCELL" report "$T/open.json" --html "$T/open.html" 2>/dev/null
# throughput, latency, connections, percentiles, histogram
check open 5

# Closed model.
"$LOADCELL" http -q -c 8 -d 3s -o "$T/closed.json" "$SERVE_URL/" >/dev/null 2>&1
"$LOADCELL" report "$T/closed.json" --html "$T/closed.html" 2>/dev/null
check closed 5
serve_stop

# A bench scan: box plot and the log-log scaling chart.
"$LOADCELL" bench -q -r 3 --scan n=10000,100000,1000000 -N 'head -c {n} /dev/zero' \
    -o "$T/bench.json" >/dev/null 2>&1
"$LOADCELL" report "$T/bench.json" --html "$T/bench.html" 2>/dev/null
grep -q 'aria-label="Scaling in n"' "$T/bench.html" || fail "bench: no scaling chart"
check bench 2

if [ -n "${LC_REPORT_SCREENSHOT:-}" ]; then
    cp "$T/open.png" "$LC_REPORT_SCREENSHOT"
    echo "screenshot kept at $LC_REPORT_SCREENSHOT"
fi
echo "PASS"
