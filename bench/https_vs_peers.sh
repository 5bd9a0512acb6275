#!/usr/bin/env bash
# HTTPS against nginx (1 worker, `return 200`, one EC P-256 certificate made
# here with openssl): keep-alive throughput, loadcell vs wrk (requests/s and
# CPU per request), then a new connection per request (handshake rate),
# loadcell --no-keepalive vs ab without -k. Each generator: 1 thread, 50
# connections, alternated over rounds (medians reported); requests are counted
# by nginx. loadcell verifies the certificate (--cacert) and resumes sessions
# across reconnects; wrk and ab verify nothing, and ab resumes no session, so
# in the second table loadcell does mostly resumed handshakes and ab full ones
# (loadcell's full/resumed split is printed).
# Usage: bench/https_vs_peers.sh PATH/TO/loadcell [--quick]   (BENCH_DUR=S: seconds per run)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BIN=${1:-}
bench_check_bin "$BIN" "${2:-}"
ROUNDS=${BENCH_ROUNDS:-3}
[ "${2:-}" = "--quick" ] && ROUNDS=1
DUR=${BENCH_DUR:-5}
CONNS=50
LIMIT=$((DUR + 30))

bench_init https_vs_peers
bench_need wrk ab openssl
bench_raise_nofile 4096

pki="$BENCH_TMP/pki"
mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/ca.key" \
    -out "$pki/ca.pem" -days 2 -subj "/CN=loadcell bench ca" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/server.key" \
    -out "$pki/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$pki/san.ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
    -out "$pki/server.pem" -days 2 -extfile "$pki/san.ext" 2>/dev/null
chmod 755 "$pki"
chmod 644 "$pki"/*
BENCH_NGINX_TLS_CERT="$pki/server.pem" BENCH_NGINX_TLS_KEY="$pki/server.key" \
    bench_nginx_start 1 4096
URL=$(bench_url_tls)

BENCH_LC_JSON="$BENCH_TMP/loadcell.json"
LC=("$BIN" http -q -t1 -c"$CONNS" -d"${DUR}s" --cacert "$pki/ca.pem" -o "$BENCH_LC_JSON")

# loadcell's handshake split of its last run, for the notes.
lc_handshakes() {
    python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
f = sum(p["stats"].get("tls_handshakes_full", 0) for p in r["phases"])
m = sum(p["stats"].get("tls_handshakes_resumed", 0) for p in r["phases"])
print(f"full {f}, resumed {m}")' "$BENCH_LC_JSON" 2>/dev/null || echo "unknown"
}

run_one() { # SECTION GENERATOR ROUND
    local section=$1 gen=$2 round=$3
    rm -f "$BENCH_LC_JSON"
    case "$gen" in
    loadcell)
        bench_run "$section" loadcell "$round" "$DUR" "$LIMIT" loadcell-json "${LC[@]}" "$URL" ;;
    wrk)
        bench_run "$section" wrk "$round" "$DUR" "$LIMIT" wrk \
            wrk -t1 -c"$CONNS" -d"${DUR}s" "$URL" ;;
    loadcell-close)
        bench_run "$section" "loadcell --no-keepalive" "$round" "$DUR" "$LIMIT" loadcell-json \
            "${LC[@]}" --no-keepalive "$URL"
        echo "  loadcell --no-keepalive round $round handshakes: $(lc_handshakes)" >&2 ;;
    ab)
        # -t must come before -n: -t sets -n to 50000, a later -n lifts it.
        bench_run "$section" ab "$round" "$DUR" "$LIMIT" ab \
            ab -q -c"$CONNS" -t "$DUR" -n 10000000 "$URL" ;;
    esac
    sleep 1 # let the server and the kernel settle between runs
}

echo "# https_vs_peers: $(bench_host_line); $(bench_pin_note)" >&2
bench_quiet_check
echo "# nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), 1 worker, $(openssl version); $ROUNDS round(s)" >&2
for round in $(seq 1 "$ROUNDS"); do
    gens=(loadcell wrk)
    for i in 0 1; do
        run_one keepalive "${gens[$(((i + round - 1) % 2))]}" "$round"
    done
done
for round in $(seq 1 "$ROUNDS"); do
    gens=(loadcell-close ab)
    for i in 0 1; do
        run_one close "${gens[$(((i + round - 1) % 2))]}" "$round"
    done
done

echo
echo "host: $(bench_host_line); $(bench_pin_note)"
echo
bench_table keepalive --title "== HTTPS keep-alive: nginx 1 worker, each generator 1 thread, $CONNS connections, ${DUR}s ==" \
    --rps-target 1.0
echo "  (req/s = requests counted by nginx / ${DUR}s; CPU us/req = (user+sys) of the whole process / requests)"
echo
bench_table close --title "== HTTPS, a new connection per request (handshakes/s = req/s): 1 thread, $CONNS connections, ${DUR}s ==" \
    --ours "loadcell --no-keepalive" --base ab --rps-target 1.0
echo "  (loadcell resumes its sessions (see the handshake split above); ab makes a full handshake each time)"
