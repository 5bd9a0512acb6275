#!/usr/bin/env bash
# The live dashboard in headless Chromium (tests/browser/dashboard.js, playwright-core): a
# `loadcell http --dashboard` run against `loadcell serve`; the page loads with no console
# error and no external request, its figures change within 3 s, its charts are drawn, the
# phase, time left and both thresholds are shown; its form sets the users from 8 to 3 (the
# Users tile follows, the result records the change); its Stop button ends the run gracefully:
# loadcell exits 130 soon after and writes a partial Result. Then the same address for
# --metrics and --dashboard is one server. About 15 s.
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

SRC=${LC_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BROWSER_DIR="$SRC/tests/browser"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || fail "chromium is needed (scripts/install-deps.sh)"
[ -d "$BROWSER_DIR/node_modules/playwright-core" ] ||
    fail "playwright-core is missing: run scripts/install-deps.sh (npm ci in tests/browser)"
T=$SERVE_TMP

serve_start --listen 127.0.0.1:0 --latency lognormal:2ms,0.5 --error-rate 1%

# address_of FILE WHAT: wait for loadcell's "WHAT at URL" line on stderr, print the URL.
address_of() {
    local url=""
    for _ in $(seq 200); do
        url=$(sed -n "s/^loadcell: $2 at \(http:[^ ]*\)$/\1/p" "$1" | head -n1)
        [ -n "$url" ] && break
        kill -0 "$HTTP_PID" 2>/dev/null || { cat "$1" >&2; fail "loadcell http ended early"; }
        sleep 0.05
    done
    [ -n "$url" ] || fail "no '$2 at' line: $(cat "$1")"
    echo "$url"
}

"$LOADCELL" http -q -c 8 -t 2 -d 60s --dashboard 127.0.0.1:0 \
    --threshold 'p(99) < 2s' --threshold 'error_rate < 50%' -o "$T/result.json" "$SERVE_URL/" \
    >"$T/http.out" 2>"$T/http.err" &
HTTP_PID=$!
URL=$(address_of "$T/http.err" "live dashboard")
echo "dashboard $URL"

start=$(date +%s%N)
(cd "$BROWSER_DIR" && node dashboard.js "$URL" --thresholds 2 --users 3) >"$T/browser.out" 2>"$T/browser.err" ||
    { cat "$T/browser.out" "$T/browser.err" >&2; fail "the dashboard checks failed"; }
cat "$T/browser.out"
stop_ms=$((($(date +%s%N) - start) / 1000000))

# Stop pressed: the run ends gracefully (it would have run 60 s).
rc=0
for _ in $(seq 200); do
    kill -0 "$HTTP_PID" 2>/dev/null || break
    sleep 0.05
done
kill -0 "$HTTP_PID" 2>/dev/null && fail "loadcell http still runs 10 s after Stop"
wait "$HTTP_PID" || rc=$?
HTTP_PID=""
[ "$rc" = 130 ] || { cat "$T/http.err" >&2; fail "loadcell http exited $rc after Stop, not 130"; }
python3 - "$T/result.json" <<'EOF' || fail "the partial result"
import json, sys
r = json.load(open(sys.argv[1]))
s = r["totals"]["stats"]
print(f"partial={r['partial']} stop_reason={r.get('stop_reason')} requests={s['requests']} "
      f"duration_s={r['duration_s']:.1f}")
assert r["partial"] is True, "not marked partial"
assert r.get("stop_reason") == "interrupted", r.get("stop_reason")
assert s["requests"] > 0
assert r["duration_s"] < 30, "the run did not stop early"
assert len(r["thresholds"]) == 2, r["thresholds"]
assert any("from 8 to 3 users" in w for w in r.get("warnings", [])), r.get("warnings")
EOF
echo "stopped after ${stop_ms} ms in the browser"

# One address for both flags: one server with /metrics and the page.
"$LOADCELL" http -q -c 2 -t 1 -d 3s --metrics 127.0.0.1:0 --dashboard 127.0.0.1:0 \
    --metrics-linger 2s "$SERVE_URL/" >"$T/both.out" 2>"$T/both.err" &
HTTP_PID=$!
M=$(address_of "$T/both.err" "Prometheus metrics")
D=$(address_of "$T/both.err" "live dashboard")
[ "${M%/metrics}/" = "$D" ] || fail "two servers for one address: $M and $D"
curl -sf "$M" >"$T/both.prom" || fail "no answer at $M"
grep -q '^loadcell_info{command="http"' "$T/both.prom" || fail "no metrics at $M"
curl -sf "$D" >"$T/both.html" || fail "no answer at $D"
grep -q '<title>loadcell live</title>' "$T/both.html" || fail "no page at $D"
wait "$HTTP_PID" || fail "the short run exited $?"
! grep -q ThreadSanitizer "$T/http.err" "$T/both.err" || fail "ThreadSanitizer: $(cat "$T/http.err" "$T/both.err")"
HTTP_PID=""
echo "PASS"
