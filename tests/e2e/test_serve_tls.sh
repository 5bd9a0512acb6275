#!/usr/bin/env bash
# loadcell serve over TLS: a CA, a server certificate (IP:127.0.0.1, DNS:localhost)
# and client certificates are made with the openssl CLI at test time. Checked with
# curl (verification against our CA, ALPN http/1.1, keep-alive reuse of one
# connection), with the independent Python client (the whole protocol suite and
# every chaos mode, over TLS), with openssl s_client (session resumption, TLS 1.3
# tickets and TLS 1.2 cache/tickets, matched by /stats), mutual TLS
# (--tls-client-ca refuses clients without a certificate or with one from another
# CA), and bad certificate/key files (exit 2, the file named).
source "$(dirname "$0")/serve_lib.sh"
for tool in openssl curl; do
    command -v "$tool" >/dev/null || { echo "FAIL $tool is needed (scripts/install-deps.sh)"; exit 1; }
done

FAILED=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; FAILED=1; }
check() { # check DESCRIPTION COMMAND...: ok when the command succeeds
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

# ---- certificates --------------------------------------------------------------
pki=$SERVE_TMP/pki
mkdir -p "$pki"
mkcert() { # mkcert NAME CA SUBJECT [EXTFILE]: a key and a certificate signed by CA
    local name=$1 ca=$2 subj=$3 ext=${4:-}
    openssl req -newkey rsa:2048 -nodes -keyout "$pki/$name.key" -out "$pki/$name.csr" \
        -subj "$subj" 2>/dev/null
    openssl x509 -req -in "$pki/$name.csr" -CA "$pki/$ca.pem" -CAkey "$pki/$ca.key" \
        -CAcreateserial -out "$pki/$name.pem" -days 2 ${ext:+-extfile "$ext"} 2>/dev/null
}
for ca in ca other-ca; do
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/$ca.key" -out "$pki/$ca.pem" \
        -days 2 -subj "/CN=loadcell test $ca" 2>/dev/null
done
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$pki/server.ext"
printf 'extendedKeyUsage=clientAuth\n' >"$pki/client.ext"
mkcert server ca "/CN=localhost" "$pki/server.ext"
mkcert client ca "/CN=loadcell test client" "$pki/client.ext"
mkcert stranger other-ca "/CN=loadcell test stranger" "$pki/client.ext"
[ -s "$pki/server.pem" ] && [ -s "$pki/client.pem" ] && [ -s "$pki/stranger.pem" ] ||
    { echo "FAIL could not make the test certificates with openssl"; exit 1; }
TLS=(--tls-cert "$pki/server.pem" --tls-key "$pki/server.key")

stat_of() { # stat_of FIELD [CURL ARGS...]: one number from GET /stats over TLS
    local field=$1
    shift
    curl -sS --cacert "$pki/ca.pem" "$@" "$SERVE_URL/stats" |
        python3 -c "import json,sys; print(json.load(sys.stdin)['$field'])"
}

# ---- 1. HTTPS: curl, then the Python client's suites over TLS -------------------
serve_start --listen 127.0.0.1:0 --seed 1 "${TLS[@]}" \
    --route '/slow:latency=fixed:100ms;status=203' \
    --route '/a:status=201;body=10' \
    --route '/b:status=202;body=3000' \
    --route '/chunked:chunked;body=100' \
    --route '/range:body=1KB..4KB' \
    --route '/pre/*:status=207' \
    --route '/big:body=200KB' \
    --route '/err:error-rate=20%;error-status=503' \
    --route '/reset:chaos=reset=100%' \
    --route '/close-mid-body:chaos=close-mid-body=100%;body=1000' \
    --route '/bad-status:chaos=bad-status=100%' \
    --route '/huge-headers:chaos=huge-headers=100%' \
    --route '/no-answer:chaos=no-answer=100%' \
    --route '/trickle:chaos=trickle=100%' \
    --route '/plain' \
    --route '/mix:chaos=reset=10%,close-mid-body=10%,bad-status=10%,huge-headers=10%,no-answer=10%,trickle=10%'
case $SERVE_URL in
https://127.0.0.1:*) ok "the address line says https ($SERVE_URL)" ;;
*) bad "the address line should say https: $SERVE_URL" ;;
esac
host_url="https://localhost:$SERVE_PORT"

# Two URLs in one curl: one TLS connection, verified against our CA, ALPN http/1.1.
out=$(curl -sS -v --cacert "$pki/ca.pem" "$SERVE_URL/a" "$SERVE_URL/health" 2>&1) || true
body=$(curl -sS --cacert "$pki/ca.pem" "$SERVE_URL/a" "$SERVE_URL/health" 2>&1) || true
check "GET /a and /health over HTTPS answer their bodies ('$body')" \
    test "$body" = "abcdefghijok"
check "curl reuses one TLS connection for both (keep-alive)" \
    grep -q "Re-using existing connection" <<<"$out"
check "exactly one TLS connection was made" \
    test "$(grep -c "SSL connection using" <<<"$out")" = 1
check "ALPN: the server accepts http/1.1" grep -q "ALPN.*accepted.*http/1.1" <<<"$out"
check "the certificate verifies for the name localhost too" \
    curl -sS -o /dev/null --cacert "$pki/ca.pem" "$host_url/health"
check "a client that trusts another CA refuses the server" \
    bash -c "! curl -sS -o /dev/null --cacert '$pki/other-ca.pem' '$SERVE_URL/health' 2>/dev/null"
check "plain HTTP to the TLS port gets no HTTP answer" \
    bash -c "! curl -sS -o /dev/null --max-time 5 'http://127.0.0.1:$SERVE_PORT/health' 2>/dev/null"
size=$(curl -sS --cacert "$pki/ca.pem" -o /dev/null -w '%{size_download}' "$SERVE_URL/big")
check "a 200 KB body arrives whole over TLS ($size bytes)" test "$size" = 204800
echo "x" | curl -sS -o /dev/null --cacert "$pki/ca.pem" -H 'Expect: 100-continue' \
    --data-binary @- "$SERVE_URL/a" && ok "a POST with Expect: 100-continue is answered" ||
    bad "a POST with Expect: 100-continue"

tls_client() { # the independent Python client, speaking TLS
    python3 "$SERVE_LIB_DIR/serve_client.py" --port "$SERVE_PORT" --tls-ca "$pki/ca.pem" "$@"
}
echo "# the protocol suite (pipelining, bodies, keep-alive, HEAD, chunked, 400, /stats) over TLS"
tls_client http || FAILED=1
echo "# error injection over TLS"
tls_client errors --path /err --route /err -n 600 --conc 20 --rate 0.2 --status 503 || FAILED=1
echo "# every chaos mode over TLS"
tls_client chaos -n 300 --rate 0.10 --workers 16 || FAILED=1
serve_stop || FAILED=1

# ---- 2. latency and stalls over TLS -----------------------------------------------
serve_start --listen 127.0.0.1:0 --seed 5 "${TLS[@]}" --stall 300ms/1s \
    --route '/fixed:latency=fixed:200ms;stall=0'
# Latency: five answers on one kept-alive connection; the four on the reused
# connection (curl's per-transfer time to the first byte; the first transfer's
# also holds the handshake) are never early, and not much late.
five=()
for _ in 1 2 3 4 5; do five+=(-o /dev/null "$SERVE_URL/fixed"); done
times=$(curl -sS --cacert "$pki/ca.pem" -w '%{time_starttransfer} %{time_appconnect}\n' "${five[@]}")
check "fixed:200ms over TLS: each answer 200..300 ms after its request ($(echo $times))" \
    python3 -c '
import sys
rows = [list(map(float, l.split())) for l in sys.argv[1].splitlines()]
reused = [t for t, connect in rows[1:] if connect == 0]
sys.exit(0 if len(rows) == 5 and len(reused) == 4 and all(0.2 <= t < 0.3 for t in reused) else 1)' "$times"
echo "# stalls over TLS"
tls_client stall --stall 300ms/1s --duration 2.5 --interval 0.02 --conns 30 || FAILED=1
serve_stop || FAILED=1

# ---- 3. session resumption (4 threads: a session resumes on any of them) -----------
serve_start --listen 127.0.0.1:0 --threads 4 "${TLS[@]}"
req=$'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
sclient() { # sclient ARGS...: one s_client session sending one request
    printf '%s' "$req" | timeout 20 openssl s_client -connect "127.0.0.1:$SERVE_PORT" \
        -CAfile "$pki/ca.pem" -verify_return_error -ign_eof "$@" 2>&1
}
first=$(sclient -tls1_3 -sess_out "$pki/sess13.pem")
second=$(sclient -tls1_3 -sess_in "$pki/sess13.pem")
check "TLS 1.3: the first session is new and gets a ticket" grep -q "^New, TLSv1.3" <<<"$first"
check "TLS 1.3: a reconnect with that ticket resumes" grep -q "^Reused, TLSv1.3" <<<"$second"
check "TLS 1.3: the resumed session is served (body ok)" grep -q "^ok" <<<"$second"
recon=$(printf '' | timeout 20 openssl s_client -connect "127.0.0.1:$SERVE_PORT" -tls1_2 \
    -CAfile "$pki/ca.pem" -reconnect 2>&1)
check "TLS 1.2 with tickets: s_client -reconnect resumes 5 of 6" \
    test "$(grep -c "^Reused, TLSv1.2" <<<"$recon")" = 5
recon=$(printf '' | timeout 20 openssl s_client -connect "127.0.0.1:$SERVE_PORT" -tls1_2 \
    -no_ticket -CAfile "$pki/ca.pem" -reconnect 2>&1)
check "TLS 1.2 without tickets (the server's session cache): 5 of 6 resume" \
    test "$(grep -c "^Reused, TLSv1.2" <<<"$recon")" = 5
handshakes=$(stat_of tls_handshakes)
resumed=$(stat_of tls_resumed)
# 2 + 6 + 6 handshakes and 1 + 5 + 5 resumed, plus the first /stats request itself.
check "/stats counts the handshakes ($handshakes == 15) and resumptions ($resumed == 11)" \
    test "$handshakes/$resumed" = "15/11"
serve_stop || FAILED=1

# ---- 4. mutual TLS: --tls-client-ca -----------------------------------------------
serve_start --listen 127.0.0.1:0 "${TLS[@]}" --tls-client-ca "$pki/ca.pem"
CLIENT=(--cert "$pki/client.pem" --key "$pki/client.key")
check "a client without a certificate is refused" \
    bash -c "! curl -sS -o /dev/null --cacert '$pki/ca.pem' '$SERVE_URL/health' 2>/dev/null"
check "a client with a certificate from another CA is refused" \
    bash -c "! curl -sS -o /dev/null --cacert '$pki/ca.pem' --cert '$pki/stranger.pem' \
        --key '$pki/stranger.key' '$SERVE_URL/health' 2>/dev/null"
body=$(curl -sS --cacert "$pki/ca.pem" "${CLIENT[@]}" "$SERVE_URL/health" 2>&1) || true
check "a client with a certificate from the CA is served ('$body')" test "$body" = ok
first=$(sclient -tls1_3 -cert "$pki/client.pem" -key "$pki/client.key" -sess_out "$pki/m.pem")
second=$(sclient -tls1_3 -cert "$pki/client.pem" -key "$pki/client.key" -sess_in "$pki/m.pem")
check "mutual TLS sessions resume too" grep -q "^Reused, TLSv1.3" <<<"$second"
failed=$(stat_of tls_handshakes_failed "${CLIENT[@]}")
check "/stats counts the 2 refused handshakes ($failed)" test "$failed" = 2
echo "# the Python client with a client certificate"
tls_client --tls-cert "$pki/client.pem" --tls-key "$pki/client.key" basic || FAILED=1
serve_stop || FAILED=1

# ---- 5. bad certificate and key files: exit 2, the file named -----------------------
expect_refusal() { # expect_refusal TEXT ARGS...: exit 2 and TEXT in the one-line error
    local text=$1 rc=0
    shift
    "$LOADCELL" serve --listen 127.0.0.1:0 "$@" >/dev/null 2>"$SERVE_TMP/bad.err" || rc=$?
    if [ "$rc" = 2 ] && grep -qF -- "$text" "$SERVE_TMP/bad.err" &&
        [ "$(wc -l <"$SERVE_TMP/bad.err")" = 1 ]; then
        ok "refused with exit 2: $(cat "$SERVE_TMP/bad.err")"
    else
        bad "expected exit 2 and '$text', got exit $rc: $(cat "$SERVE_TMP/bad.err")"
    fi
}
expect_refusal "$pki/nope.pem': cannot open" --tls-cert "$pki/nope.pem" --tls-key "$pki/server.key"
expect_refusal "$pki/nope.key': cannot open" --tls-cert "$pki/server.pem" --tls-key "$pki/nope.key"
expect_refusal "TLS key '$pki/client.key' does not match the certificate '$pki/server.pem'" \
    --tls-cert "$pki/server.pem" --tls-key "$pki/client.key"
expect_refusal "'$pki/server.key' is not a usable PEM certificate" \
    --tls-cert "$pki/server.key" --tls-key "$pki/server.key"
expect_refusal "'$pki/server.csr' is not a PEM private key" \
    --tls-cert "$pki/server.pem" --tls-key "$pki/server.csr"
expect_refusal "TLS client CA '$pki/nope-ca.pem': cannot open" "${TLS[@]}" \
    --tls-client-ca "$pki/nope-ca.pem"
expect_refusal "--tls-cert needs --tls-key" --tls-cert "$pki/server.pem"

[ "$FAILED" = 0 ] || { echo "some TLS checks failed"; exit 1; }
echo "all TLS checks passed"
