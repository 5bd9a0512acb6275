#!/usr/bin/env bash
# `loadcell http` against a server that misbehaves in every way `serve --chaos`
# knows, 5% each, for 10 s: loadcell finishes (exit 0), names each failure by
# its kind, its counts agree with the server's own /stats (up to the requests
# in flight at the stop), and its memory stays bounded.
source "$(dirname "$0")/serve_lib.sh"
trap 'serve_stop || true; rm -rf "$SERVE_TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Sanitizer builds carry shadow memory: a looser bound there.
rss_limit_kb=$((100 * 1024))
if [ -n "${LC_BUILD_DIR:-}" ] && grep -q '^LC_SANITIZE:BOOL=ON' "$LC_BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
    rss_limit_kb=$((600 * 1024))
fi

serve_start --listen 127.0.0.1:0 --threads 2 --seed 12 \
    --chaos reset=5%,close-mid-body=5%,bad-status=5%,huge-headers=5%,no-answer=5%,trickle=5%
curl -s -X POST "$SERVE_URL/stats/reset" >/dev/null || fail "cannot reset /stats"

# Open model: 1000/s; a no-answer holds a connection for the 1 s timeout, so
# about 50 are held at any time and 300 connections are plenty.
"$LOADCELL" http -q -R 1000 -c 300 -t 2 -d 10s --timeout 1s --seed 12 \
    -o "$SERVE_TMP/chaos.json" "$SERVE_URL/" >"$SERVE_TMP/summary.txt" 2>"$SERVE_TMP/err.txt" &
pid=$!
hwm=0
while kill -0 "$pid" 2>/dev/null; do
    v=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
    sleep 0.2
done
rc=0
wait "$pid" || rc=$?
[ "$rc" = 0 ] || fail "loadcell exited $rc: $(cat "$SERVE_TMP/err.txt")"
curl -s "$SERVE_URL/stats" >"$SERVE_TMP/stats.json" || fail "cannot read /stats"
echo "ok: loadcell exit 0 under chaos; peak RSS ${hwm} KB (limit ${rss_limit_kb} KB)"
[ "$hwm" -gt 0 ] && [ "$hwm" -lt "$rss_limit_kb" ] || fail "peak RSS ${hwm} KB"

python3 - "$SERVE_TMP/chaos.json" "$SERVE_TMP/stats.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
srv = json.load(open(sys.argv[2]))
t = r["totals"]["stats"]
kinds = t["error_kinds"]
chaos = srv["by_chaos"]
inflight = t["in_flight_at_stop"]
bad = []

def k(name):
    return kinds.get(name, 0)

def within(what, got, want):
    # Every chaos answer the server decided reached loadcell, except those of
    # requests still in flight when loadcell stopped.
    ok = want - inflight <= got <= want
    print(("ok   " if ok else "FAIL ") +
          f"{what}: loadcell {got}, serve {want}, in flight at stop {inflight}")
    if not ok:
        bad.append(what)

print(f"loadcell: {t['requests']} requests, errors {kinds}, status {t['status_codes']}")
print(f"serve: {srv['requests']} requests, chaos {chaos}, status {srv['by_status']}")
allowed = {"reset", "closed_before_response", "closed_mid_response", "malformed_status_code",
           "timeout"}
extra = set(kinds) - allowed
if extra:
    bad.append(f"unexpected error kinds {extra}")
    print(f"FAIL unexpected error kinds: {extra}")
for kind in ("reset", "close-mid-body", "bad-status", "no-answer", "huge-headers", "trickle"):
    if chaos[kind] < 100:  # 5% of ~10000
        bad.append(f"serve drew too few {kind}")
        print(f"FAIL serve drew only {chaos[kind]} {kind}")
within("reset -> reset | closed_before_response", k("reset") + k("closed_before_response"),
       chaos["reset"])
within("close-mid-body -> closed_mid_response", k("closed_mid_response"), chaos["close-mid-body"])
within("bad-status -> malformed_status_code", k("malformed_status_code"), chaos["bad-status"])
within("no-answer -> timeout", k("timeout"), chaos["no-answer"])
# 200 answers: normal ones, and the heads of close-mid-body, huge-headers
# (about 66 KB of headers, under the 300 KB head limit: a success) and trickle.
within("status 200", t["status_codes"].get("200", 0), srv["by_status"].get("200", 0))
within("requests", t["requests"], srv["requests"])
# Successes: every request that is not an error; huge-headers and trickle succeed.
ok_answers = t["requests"] - t["errors"]
want_ok = srv["requests"] - sum(chaos[c] for c in ("reset", "close-mid-body", "bad-status",
                                                   "no-answer"))
within("successes (incl. huge-headers and trickle)", ok_answers, want_ok)
# Timeouts are recorded with their elapsed time: the latency tail reaches 1 s.
mx = t["latency"]["max_ms"]
if not 990 <= mx <= 1500:
    bad.append("latency max")
print(("ok   " if 990 <= mx <= 1500 else "FAIL ") + f"latency max {mx} ms (timeouts at 1 s)")
sys.exit(1 if bad else 0)
EOF
echo "test_http_chaos: passed"
