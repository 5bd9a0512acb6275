#!/usr/bin/env bash
# Ephemeral-port exhaustion under --no-keepalive is detected and reported, not
# spun on: in a network namespace of its own (loopback only) whose ephemeral
# port range is 10 ports wide, a run that opens a connection per request gets
# EADDRNOTAVAIL; loadcell classifies it `ports_exhausted`, warns, backs off
# (little CPU) and finishes normally.
set -euo pipefail
: "${LOADCELL:?set LOADCELL to the loadcell binary}"
if ! unshare -n true 2>/dev/null; then
    echo "SKIP: cannot create a network namespace here (needs root or user namespaces)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LOADCELL tmp
timeout 60 unshare -n bash -c '
    set -euo pipefail
    ip link set lo up
    sysctl -qw net.ipv4.ip_local_port_range="40000 40009"
    "$LOADCELL" serve --listen 127.0.0.1:18300 >"$tmp/serve.out" 2>&1 &
    spid=$!
    trap "kill $spid 2>/dev/null || true" EXIT
    for _ in $(seq 50); do grep -q listening "$tmp/serve.out" && break; sleep 0.1; done
    /usr/bin/time -f "%U %S" -o "$tmp/cpu" "$LOADCELL" http -q -c 4 -d 3s --no-keepalive \
        -o "$tmp/r.json" http://127.0.0.1:18300/ >"$tmp/out.txt" 2>&1
'
python3 - "$tmp/r.json" "$tmp/cpu" "$tmp/out.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
kinds = r["totals"]["stats"]["error_kinds"]
user, sys_ = map(float, open(sys.argv[2]).read().split()[-2:])
out = open(sys.argv[3]).read()
print("error kinds:", kinds, "cpu:", user + sys_, "s")
assert kinds.get("ports_exhausted", 0) > 0, "no ports_exhausted errors"
assert "ran out of ephemeral ports" in out, "no warning in the summary"
assert user + sys_ < 1.5, "loadcell spun: %.2f s of CPU in a 3 s run" % (user + sys_)
PY
echo "test_http_ports: passed"
