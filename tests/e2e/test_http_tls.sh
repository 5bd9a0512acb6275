#!/usr/bin/env bash
# `loadcell http` over https against `loadcell serve --tls-cert/--tls-key`,
# with a CA, a server certificate (IP:127.0.0.1, DNS:localhost) and a client
# certificate made by the openssl CLI at test time: verification with
# --cacert (by IP and by name), refusal without it (exit 3, the reason named),
# --insecure, session resumption under --no-keepalive (resumed > 0 in the
# Result), mutual TLS (refused without --cert/--key, served with them),
# --tls-min 1.3, a version mismatch against a TLS 1.2-only openssl s_server
# (exit 3, tls version named), an https scenario file with a `tls:` mapping,
# a target started with --monitor-cmd and polled with an https --ready URL (and
# one that answers plain HTTP there: exit 3, the handshake named), and bad TLS
# options (exit 2). About 20 s.
source "$(dirname "$0")/serve_lib.sh"
command -v openssl >/dev/null || { echo "FAIL openssl is needed (scripts/install-deps.sh)"; exit 1; }
FIELD="python3 $SERVE_LIB_DIR/result_field.py"
SSERVER_PID=""
trap 'serve_stop || true; [ -n "$SSERVER_PID" ] && kill "$SSERVER_PID" 2>/dev/null; rm -rf "$SERVE_TMP"' EXIT

FAILED=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; FAILED=1; }

# ---- certificates --------------------------------------------------------------
pki=$SERVE_TMP/pki
mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/ca.key" \
    -out "$pki/ca.pem" -days 2 -subj "/CN=loadcell test ca" 2>/dev/null
mkcert() { # mkcert NAME SUBJECT EXTFILE: a key and a certificate signed by the CA
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/$1.key" \
        -out "$pki/$1.csr" -subj "$2" 2>/dev/null
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
        -out "$pki/$1.pem" -days 2 -extfile "$3" 2>/dev/null
}
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$pki/server.ext"
printf 'extendedKeyUsage=clientAuth\n' >"$pki/client.ext"
mkcert server "/CN=localhost" "$pki/server.ext"
mkcert client "/CN=loadcell test client" "$pki/client.ext"
[ -s "$pki/server.pem" ] && [ -s "$pki/client.pem" ] ||
    { echo "FAIL could not make the test certificates with openssl"; exit 1; }

# run NAME ARGS...: loadcell http ARGS; exit code in $rc, output in $SERVE_TMP/NAME.{out,err}
run() {
    local name=$1
    shift
    rc=0
    (cd "$SERVE_TMP" && timeout 60 "$LOADCELL" http -q -t 1 "$@") >"$SERVE_TMP/$name.out" \
        2>"$SERVE_TMP/$name.err" || rc=$?
}
expect_rc() { # expect_rc NAME WANT
    if [ "$rc" = "$2" ]; then ok "$1: exit $rc"; else
        bad "$1: exit $rc, expected $2; stderr: $(cat "$SERVE_TMP/$1.err")"
    fi
}
expect_err() { # expect_err NAME TEXT: stderr names TEXT
    if grep -qF -- "$2" "$SERVE_TMP/$1.err"; then ok "$1: says '$2'"; else
        bad "$1: stderr lacks '$2': $(cat "$SERVE_TMP/$1.err")"
    fi
}
expect_field() { # expect_field NAME JSON EXPR: the Python expression over the Result holds
    local v
    v=$($FIELD "$2" "$3" 2>&1) || true
    if [ "$v" = True ]; then ok "$1: $3"; else bad "$1: $3 is $v"; fi
}

# ---- 1. one-way TLS -------------------------------------------------------------
serve_start --listen 127.0.0.1:0 --tls-cert "$pki/server.pem" --tls-key "$pki/server.key"
url="https://127.0.0.1:$SERVE_PORT/"

run cacert -c 4 -d 1s --cacert "$pki/ca.pem" -o "$SERVE_TMP/cacert.json" "$url"
expect_rc cacert 0
expect_field cacert "$SERVE_TMP/cacert.json" "total['requests'] > 50 and total['errors'] == 0"
expect_field cacert "$SERVE_TMP/cacert.json" "total['tls_handshake']['count'] >= 4"
expect_field cacert "$SERVE_TMP/cacert.json" \
    "r['load']['tls_verify'] is True and r['load']['tls_min_version'] == '1.2'"
expect_field cacert "$SERVE_TMP/cacert.json" \
    "sum(p['stats']['tls_handshakes_full'] for p in r['phases']) >= 4"
grep -q "handshakes  full" "$SERVE_TMP/cacert.out" && ok "cacert: summary has a handshakes line" ||
    bad "cacert: no handshakes line in the summary: $(cat "$SERVE_TMP/cacert.out")"

run byname -c 2 -d 1s --cacert "$pki/ca.pem" "https://localhost:$SERVE_PORT/"
expect_rc byname 0

run noca -c 2 -d 1s "$url"
expect_rc noca 3
expect_err noca "TLS certificate verification failed: unable to get local issuer certificate"
expect_err noca "--cacert"

run insecure -c 2 -d 1s --insecure -o "$SERVE_TMP/insecure.json" "$url"
expect_rc insecure 0
expect_field insecure "$SERVE_TMP/insecure.json" \
    "total['errors'] == 0 and r['load']['tls_verify'] is False"

run nokeep -c 2 -d 2s --no-keepalive --cacert "$pki/ca.pem" -o "$SERVE_TMP/nokeep.json" "$url"
expect_rc nokeep 0
expect_field nokeep "$SERVE_TMP/nokeep.json" "total['requests'] >= 10 and total['errors'] == 0"
expect_field nokeep "$SERVE_TMP/nokeep.json" \
    "sum(p['stats']['tls_handshakes_resumed'] for p in r['phases']) > 0"
expect_field nokeep "$SERVE_TMP/nokeep.json" \
    "sum(p['stats']['tls_handshakes_full'] + p['stats']['tls_handshakes_resumed'] for p in r['phases']) >= total['requests']"

run tls13 -c 2 -d 1s --tls-min 1.3 --cacert "$pki/ca.pem" -o "$SERVE_TMP/tls13.json" "$url"
expect_rc tls13 0
expect_field tls13 "$SERVE_TMP/tls13.json" \
    "total['errors'] == 0 and r['load']['tls_min_version'] == '1.3'"

# A scenario file: https target, tls mapping with a relative cacert path.
cp "$pki/ca.pem" "$SERVE_TMP/scn-ca.pem"
cat >"$SERVE_TMP/tls.yaml" <<EOF
version: 1
target: $url
tls: {cacert: scn-ca.pem, min_version: "1.2"}
requests: [{name: home, path: /}]
scenarios:
  steady: {users: 2, duration: 1s}
EOF
rc=0
(cd "$SERVE_TMP" && timeout 60 "$LOADCELL" run -o "$SERVE_TMP/scn.json" "$SERVE_TMP/tls.yaml") \
    >"$SERVE_TMP/scn.out" 2>"$SERVE_TMP/scn.err" || rc=$?
expect_rc scn 0
expect_field scn "$SERVE_TMP/scn.json" "total['requests'] > 10 and total['errors'] == 0"
serve_stop || bad "serve did not stop cleanly"

# ---- 2. mutual TLS --------------------------------------------------------------
serve_start --listen 127.0.0.1:0 --tls-cert "$pki/server.pem" --tls-key "$pki/server.key" \
    --tls-client-ca "$pki/ca.pem"
url="https://127.0.0.1:$SERVE_PORT/"
run nocert -c 2 -d 1s --cacert "$pki/ca.pem" "$url"
expect_rc nocert 3
expect_err nocert "client certificate"
run withcert -c 2 -d 1s --cacert "$pki/ca.pem" --cert "$pki/client.pem" --key "$pki/client.key" \
    -o "$SERVE_TMP/withcert.json" "$url"
expect_rc withcert 0
expect_field withcert "$SERVE_TMP/withcert.json" "total['requests'] > 10 and total['errors'] == 0"
serve_stop || bad "serve did not stop cleanly"

# ---- 3. version mismatch: a TLS 1.2-only server, a 1.3 client --------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl s_server -quiet -www -tls1_2 -accept "127.0.0.1:$port" -cert "$pki/server.pem" \
    -key "$pki/server.key" >/dev/null 2>&1 </dev/null &
SSERVER_PID=$!
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
done
run version -c 1 -d 1s --tls-min 1.3 --cacert "$pki/ca.pem" "https://127.0.0.1:$port/"
expect_rc version 3
expect_err version "TLS version mismatch"
kill "$SSERVER_PID" 2>/dev/null
wait "$SSERVER_PID" 2>/dev/null || true
SSERVER_PID=""

# ---- 3b. a target started by loadcell and polled over https until ready --------
# The readiness check asks whether it answers, not whether its certificate is trusted;
# the run itself verifies with --cacert.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run ready -c 2 -d 1s --cacert "$pki/ca.pem" -o "$SERVE_TMP/ready.json" \
    --monitor-cmd "exec $LOADCELL serve --listen 127.0.0.1:$port --tls-cert $pki/server.pem --tls-key $pki/server.key" \
    --ready "https://127.0.0.1:$port/health" "https://127.0.0.1:$port/"
expect_rc ready 0
expect_field ready "$SERVE_TMP/ready.json" "total['requests'] > 10 and total['errors'] == 0"
expect_field ready "$SERVE_TMP/ready.json" \
    "any(x['name'] == 'sut.rss_bytes' and len(x['values']) >= 1 for x in r['resources'])"
rc=0
(cd "$SERVE_TMP" && timeout 60 "$LOADCELL" monitor -d 1s --ready-timeout 2s \
    --cmd "exec $LOADCELL serve --listen 127.0.0.1:$port" --ready "https://127.0.0.1:$port/health") \
    >"$SERVE_TMP/notls.out" 2>"$SERVE_TMP/notls.err" || rc=$?
expect_rc notls 3
expect_err notls "TLS handshake"

# ---- 4. bad options -------------------------------------------------------------
run badmin -d 1s --tls-min 1.1 "https://127.0.0.1:1/"
expect_rc badmin 2
expect_err badmin "--tls-min must be 1.2 or 1.3"
run certnokey -d 1s --cert "$pki/client.pem" "https://127.0.0.1:1/"
expect_rc certnokey 2
expect_err certnokey "--key"
run plainca -d 1s --cacert "$pki/ca.pem" "http://127.0.0.1:1/"
expect_rc plainca 2
expect_err plainca "--cacert needs an https:// URL"
run missingca -d 1s --cacert "$SERVE_TMP/nope.pem" "https://127.0.0.1:1/"
expect_rc missingca 2
expect_err missingca "nope.pem"

# ---- 5. `loadcell version` names the feature and the library it runs with --------
if "$LOADCELL" version | grep -Eq '^features: .*https\([0-9]+\.[0-9]+'; then ok "version lists https"; else
    bad "version does not list https: $("$LOADCELL" version | tail -n1)"
fi

[ "$FAILED" = 0 ] && echo "PASS" || exit 1
