#!/usr/bin/env bash
# Requests/s of `loadcell serve --threads 1` versus nginx (one worker, `return 200`)
# under the same wrk load (-t1 -c50), targets alternated, with a table and the ratio.
#
# usage: bench/serve_vs_nginx.sh [LOADCELL_BINARY]
# env:   ROUNDS (3) DURATION (5s) CONNS (50) PIN (1: server on CPU 0, wrk on CPU 1
#        when there are at least 2 CPUs) TARGET (0.95: the ratio that passes)
# exit:  0 when the median ratio reaches TARGET, 1 below it, 3 when a server cannot start
set -euo pipefail

BIN=${1:-${LOADCELL:-build/release/loadcell}}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-50}
PIN=${PIN:-1}
TARGET=${TARGET:-0.95}

for tool in wrk nginx python3; do
    command -v "$tool" >/dev/null || {
        echo "serve_vs_nginx: '$tool' is not installed (scripts/install-deps.sh --bench)" >&2
        exit 3
    }
done
[ -x "$BIN" ] || { echo "serve_vs_nginx: no loadcell binary at '$BIN' (make build)" >&2; exit 3; }

tmp=$(mktemp -d)
lc_pid=""
ngx_pid=""
cleanup() {
    [ -n "$lc_pid" ] && kill "$lc_pid" 2>/dev/null && wait "$lc_pid" 2>/dev/null
    [ -n "$ngx_pid" ] && kill "$ngx_pid" 2>/dev/null && wait "$ngx_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

srv_cpu=()
wrk_cpu=()
if [ "$PIN" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    srv_cpu=(taskset -c 0)
    wrk_cpu=(taskset -c 1)
fi

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() { # wait until 127.0.0.1:$1 accepts connections (5 s at most)
    python3 - "$1" <<'EOF'
import socket, sys, time
deadline = time.time() + 5
while time.time() < deadline:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

# nginx: one worker, no access log, every temp path and the pid file in $tmp.
ngx_port=$(free_port)
mkdir -p "$tmp/nginx"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user $(id -un) $(id -gn);"
temp_paths="client_body_temp_path $tmp/nginx/body; proxy_temp_path $tmp/nginx/proxy;"
temp_paths+=" fastcgi_temp_path $tmp/nginx/fastcgi;"
nginx -V 2>&1 | grep -q -- '--without-http_uwsgi_module' || temp_paths+=" uwsgi_temp_path $tmp/nginx/uwsgi;"
nginx -V 2>&1 | grep -q -- '--without-http_scgi_module' || temp_paths+=" scgi_temp_path $tmp/nginx/scgi;"
cat >"$tmp/nginx/nginx.conf" <<EOF
$user_line
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    $temp_paths
    server {
        listen 127.0.0.1:$ngx_port;
        location / { return 200 "ok"; }
    }
}
EOF
"${srv_cpu[@]}" nginx -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" &
ngx_pid=$!
wait_port "$ngx_port" || { echo "serve_vs_nginx: nginx did not start:" >&2; cat "$tmp/nginx/error.log" >&2; exit 3; }

"${srv_cpu[@]}" "$BIN" serve --threads 1 --listen 127.0.0.1:0 >"$tmp/serve.out" &
lc_pid=$!
for _ in $(seq 50); do
    grep -q 'listening on' "$tmp/serve.out" 2>/dev/null && break
    sleep 0.1
done
lc_url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$tmp/serve.out")
[ -n "$lc_url" ] || { echo "serve_vs_nginx: loadcell serve did not start" >&2; exit 3; }
ngx_url="http://127.0.0.1:$ngx_port"

run_wrk() { # prints requests/s
    "${wrk_cpu[@]}" wrk -t1 -c"$CONNS" -d"$1" "$2/" | awk '/^Requests\/sec:/ {print $2}'
}

# Warm both up (connections, caches, CPU frequency) before measuring.
run_wrk 1s "$lc_url" >/dev/null
run_wrk 1s "$ngx_url" >/dev/null

lc_all=()
ngx_all=()
printf '%-6s %16s %16s %8s\n' round "loadcell req/s" "nginx req/s" ratio
for r in $(seq "$ROUNDS"); do
    # Alternate which target goes first, so drift does not favour one.
    if [ $((r % 2)) = 1 ]; then
        lc=$(run_wrk "$DURATION" "$lc_url"); ngx=$(run_wrk "$DURATION" "$ngx_url")
    else
        ngx=$(run_wrk "$DURATION" "$ngx_url"); lc=$(run_wrk "$DURATION" "$lc_url")
    fi
    lc_all+=("$lc")
    ngx_all+=("$ngx")
    printf '%-6s %16.0f %16.0f %8.3f\n' "$r" "$lc" "$ngx" "$(echo "$lc / $ngx" | bc -l 2>/dev/null ||
        python3 -c "print($lc/$ngx)")"
done

python3 - "$TARGET" "${lc_all[*]}" "${ngx_all[*]}" <<'EOF'
import statistics, sys
target = float(sys.argv[1])
lc = [float(x) for x in sys.argv[2].split()]
ngx = [float(x) for x in sys.argv[3].split()]
ml, mn = statistics.median(lc), statistics.median(ngx)
ratio = ml / mn
print(f"{'median':<6} {ml:16.0f} {mn:16.0f} {ratio:8.3f}")
print(f"loadcell serve reaches {ratio*100:.1f}% of nginx (target >= {target*100:.0f}%): "
      + ("PASS" if ratio >= target else "FAIL"))
sys.exit(0 if ratio >= target else 1)
EOF
