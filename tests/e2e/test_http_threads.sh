#!/usr/bin/env bash
# The threaded engine end to end: `loadcell http -t 2` against `loadcell serve
# --threads 3`, closed (pipelined, with a warmup phase) and open (Poisson)
# model, and over TLS (keep-alive, and a handshake per request); the counts
# agree with the server's. In the ThreadSanitizer build
# (make test-tsan) both processes run instrumented and any report fails the
# test (halt_on_error=1: the process exits 66). About 12 s.
source "$(dirname "$0")/serve_lib.sh"
trap 'serve_stop || true; rm -rf "$SERVE_TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1}

no_sanitizer_report() { # no_sanitizer_report FILE WHAT
    if grep -q -E 'ThreadSanitizer|AddressSanitizer|runtime error' "$1"; then
        cat "$1" >&2
        fail "$2: sanitizer report"
    fi
}

serve_start --listen 127.0.0.1:0 --threads 3 --latency uniform:1ms..5ms
# run_case NAME ARGS...: one run; its requests must match what the server counted (at
# least MIN_DONE of them, 500 unless set).
run_case() {
    local name=$1
    shift
    curl -s -k -X POST "$SERVE_URL/stats/reset" >/dev/null || fail "cannot reset /stats"
    local rc=0
    "$LOADCELL" http -q -t 2 "$@" -o "$SERVE_TMP/$name.json" "$SERVE_URL/" \
        >"$SERVE_TMP/$name.out" 2>"$SERVE_TMP/$name.err" || rc=$?
    no_sanitizer_report "$SERVE_TMP/$name.err" "$name"
    [ "$rc" = 0 ] || fail "$name: loadcell exited $rc: $(cat "$SERVE_TMP/$name.err")"
    curl -s -k "$SERVE_URL/stats" >"$SERVE_TMP/$name.stats" || fail "cannot read /stats"
    python3 - "$SERVE_TMP/$name.json" "$SERVE_TMP/$name.stats" "$name" "${MIN_DONE:-500}" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
srv = json.load(open(sys.argv[2]))
name = sys.argv[3]
# Every phase counts, the warmup too: the server saw them all.
done = sum(p["stats"]["requests"] for p in r["phases"])
errors = sum(p["stats"]["errors"] for p in r["phases"])
inflight = r["totals"]["stats"]["in_flight_at_stop"]
ok = errors == 0 and done > int(sys.argv[4]) and done <= srv["requests"] <= done + inflight
print(("ok   " if ok else "FAIL ") + f"{name}: loadcell {done} requests ({errors} errors, "
      f"{inflight} in flight at stop), serve {srv['requests']}")
sys.exit(0 if ok else 1)
EOF
}

run_case closed -c 6 --pipeline 2 --warmup 500ms -d 2s
run_case open -c 50 -R 1000 --arrival poisson -d 2s
serve_stop
no_sanitizer_report "$SERVE_TMP/err" "serve"

# Over TLS: one client SSL_CTX read by both workers (and serve's by its threads); with
# --no-keepalive every request is a handshake, resumed from the worker's saved session.
command -v openssl >/dev/null || fail "openssl is needed (scripts/install-deps.sh)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$SERVE_TMP/key.pem" -out "$SERVE_TMP/cert.pem" \
    2>/dev/null || fail "cannot make a test certificate with openssl"
serve_start --listen 127.0.0.1:0 --threads 3 --tls-cert "$SERVE_TMP/cert.pem" \
    --tls-key "$SERVE_TMP/key.pem"
run_case tls -c 6 --cacert "$SERVE_TMP/cert.pem" -d 2s
MIN_DONE=20 run_case tls_handshakes -c 4 --no-keepalive --cacert "$SERVE_TMP/cert.pem" -d 2s
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["phases"][0]["stats"]
print("     resumed handshakes:", s["tls_handshakes_resumed"], "full:", s["tls_handshakes_full"])
sys.exit(0 if s["tls_handshakes_resumed"] > 0 else 1)' "$SERVE_TMP/tls_handshakes.json" ||
    fail "no session was resumed"
serve_stop
no_sanitizer_report "$SERVE_TMP/err" "serve over TLS"
echo "test_http_threads: passed"
