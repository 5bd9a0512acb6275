# shellcheck shell=bash
# Shared functions for the bench/ scripts (source it; bash only).
#
# A script calls bench_init first: it makes a temporary directory and installs
# traps that stop nginx and any generator still running on exit, Ctrl-C or
# SIGTERM. Every measured command runs in its own session under `timeout`,
# so a stuck generator is bounded and the whole process group can be killed.
# Traffic goes to 127.0.0.1 only.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_PY="$BENCH_DIR/lcbench.py"
BENCH_TMP=""
BENCH_NGINX_PID=""
BENCH_NGINX_PORT=""
BENCH_NGINX_DIR=""
BENCH_CHILD=""
BENCH_RUNS=""
BENCH_SRV_PIN=()
BENCH_GEN_PIN=()

bench_die() {
    echo "bench: $*" >&2
    exit 1
}

# Kill a process group we started (by its leader's pid): TERM, then KILL.
bench_kill_group() {
    local pgid=$1 _
    kill -TERM -- "-$pgid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do
        kill -0 -- "-$pgid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL -- "-$pgid" 2>/dev/null || true
}

bench_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$BENCH_CHILD" ]; then
        bench_kill_group "$BENCH_CHILD"
        BENCH_CHILD=""
    fi
    bench_nginx_stop
    if [ -n "$BENCH_TMP" ] && [ -z "${BENCH_KEEP_TMP:-}" ]; then
        rm -rf "$BENCH_TMP"
    fi
    exit "$rc"
}

bench_interrupted() {
    echo "bench: interrupted; stopping nginx and generators" >&2
    exit 130
}

# bench_init NAME: temp dir, traps, a TSV of runs ($BENCH_RUNS), tool checks.
bench_init() {
    BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lcbench-$1.XXXXXX")
    chmod 755 "$BENCH_TMP" # nginx workers run as another user when started by root
    BENCH_RUNS="$BENCH_TMP/runs.tsv"
    # Recording each run in .loadcell/history.db would add its SQLite write to
    # loadcell's measured CPU time, and fill the history with benchmark runs.
    export LOADCELL_NO_HISTORY=1
    : >"$BENCH_RUNS"
    # Job control off: background children then share this shell's process
    # group, so `setsid CMD &` never forks and $! is the new session's leader,
    # whose group the traps can kill as a whole.
    set +m
    trap bench_cleanup EXIT
    trap bench_interrupted INT TERM
    local t
    for t in python3 nginx setsid timeout; do
        command -v "$t" >/dev/null || bench_die "'$t' is not installed (run scripts/install-deps.sh --bench)"
    done
    [ -x /usr/bin/time ] || bench_die "GNU time (/usr/bin/time) is not installed (run scripts/install-deps.sh --bench)"
    # With two or more CPUs, nginx runs on CPU 0 and every generator on CPU 1,
    # so that the scheduler places them the same way for every generator.
    # BENCH_PIN=0 turns this off.
    if [ "${BENCH_PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
        BENCH_SRV_PIN=(taskset -c 0)
        BENCH_GEN_PIN=(taskset -c 1)
    fi
}

# How the processes were placed, for the headers.
bench_pin_note() {
    if [ ${#BENCH_GEN_PIN[@]} -gt 0 ]; then
        echo "nginx pinned to CPU 0, generators to CPU 1"
    else
        echo "not pinned"
    fi
}

# bench_need TOOL...: fail clearly when a peer tool is missing.
bench_need() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null || bench_die "'$t' is not installed (run scripts/install-deps.sh --bench)"
    done
}

# bench_check_bin BIN [OPTION]: the loadcell binary must exist and know
# `http`; the only option is --quick.
bench_check_bin() {
    [ -n "${1:-}" ] || bench_die "usage: $0 PATH/TO/loadcell [--quick]"
    [ -z "${2:-}" ] || [ "$2" = "--quick" ] || bench_die "unknown option '$2' (only --quick)"
    [ -x "$1" ] || bench_die "'$1' is not an executable loadcell binary (run make build)"
    "$1" http --help >/dev/null 2>&1 || bench_die "'$1 http --help' failed"
}

# bench_loadcell_has_output BIN: does this build write a Result JSON with -o?
bench_loadcell_has_output() {
    "$1" http --help 2>/dev/null | grep -q -- '--output'
}

bench_free_port() {
    python3 "$BENCH_PY" freeport
}

# bench_raise_nofile N: raise the soft open-file limit to at least N (up to
# 65536 where the hard limit allows); fails when the hard limit is below N.
bench_raise_nofile() {
    local need=$1 hard want
    hard=$(ulimit -Hn)
    want=65536
    if [ "$hard" != "unlimited" ] && [ "$hard" -lt "$want" ]; then
        ulimit -n 65536 2>/dev/null || want=$hard # raising the hard limit needs privileges
    fi
    ulimit -n "$want" 2>/dev/null || true
    local now
    now=$(ulimit -n)
    if [ "$now" != "unlimited" ] && [ "$now" -lt "$need" ]; then
        bench_die "need $need open files but the limit is $now (hard limit $hard): raise it first, e.g. 'ulimit -Hn 65536' as root or via /etc/security/limits.conf"
    fi
}

# bench_nginx_start WORKERS [WORKER_CONNECTIONS]: nginx in the foreground of its
# own session with a generated config; sets BENCH_NGINX_PORT and _PID. With
# BENCH_NGINX_TLS_CERT and _KEY set (PEM files), the same `return 200` is also
# served over TLS (1.2 and 1.3, session cache and tickets) on
# BENCH_NGINX_TLS_PORT (bench_url_tls); status stays on the plain port.
bench_nginx_start() {
    local workers=$1 wconns=${2:-4096}
    local dir="$BENCH_TMP/nginx" nofile
    rm -rf "$dir"
    mkdir -p "$dir"
    chmod 755 "$dir"
    nofile=$(ulimit -n)
    [ "$nofile" = "unlimited" ] && nofile=1048576
    BENCH_NGINX_PORT=$(bench_free_port)
    BENCH_NGINX_DIR=$dir
    local tls_server=""
    if [ -n "${BENCH_NGINX_TLS_CERT:-}" ]; then
        BENCH_NGINX_TLS_PORT=$(bench_free_port)
        tls_server="server {
        listen 127.0.0.1:$BENCH_NGINX_TLS_PORT ssl backlog=65535;
        ssl_certificate $BENCH_NGINX_TLS_CERT;
        ssl_certificate_key $BENCH_NGINX_TLS_KEY;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:lcbench:10m;
        ssl_session_tickets on;
        location / {
            return 200 \"ok\";
        }
    }"
    fi
    cat >"$dir/nginx.conf" <<EOF
# generated by bench/lib.sh
worker_processes $workers;
worker_rlimit_nofile $nofile;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
    worker_connections $wconns;
}
http {
    access_log off;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    server {
        listen 127.0.0.1:$BENCH_NGINX_PORT backlog=65535;
        location / {
            return 200 "ok";
        }
        location = /nginx_status {
            stub_status;
        }
    }
    $tls_server
}
EOF
    setsid "${BENCH_SRV_PIN[@]}" nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' \
        >"$dir/stdout.log" 2>&1 &
    BENCH_NGINX_PID=$!
    if ! python3 "$BENCH_PY" wait-ready "$BENCH_NGINX_PORT" 10; then
        cat "$BENCH_NGINX_DIR/stdout.log" "$BENCH_NGINX_DIR/error.log" >&2 2>/dev/null || true
        bench_die "nginx did not start on 127.0.0.1:$BENCH_NGINX_PORT"
    fi
}

bench_nginx_stop() {
    if [ -n "$BENCH_NGINX_PID" ]; then
        bench_kill_group "$BENCH_NGINX_PID"
        wait "$BENCH_NGINX_PID" 2>/dev/null || true
        BENCH_NGINX_PID=""
    fi
}

# The URL every generator hits.
bench_url() {
    echo "http://127.0.0.1:$BENCH_NGINX_PORT/"
}

# The https URL (bench_nginx_start with BENCH_NGINX_TLS_CERT).
bench_url_tls() {
    echo "https://127.0.0.1:$BENCH_NGINX_TLS_PORT/"
}

# Print "REQUESTS ACTIVE" from stub_status (each read counts itself as a
# request and as an active connection). Optional: a timeout in seconds.
bench_nginx_status() {
    python3 "$BENCH_PY" status "$BENCH_NGINX_PORT" "${1:-10}"
}

bench_nginx_requests() {
    local s
    s=$(bench_nginx_status 10) || bench_die "cannot read nginx stub_status"
    echo "${s%% *}"
}

# bench_measure PREFIX LIMIT_S CMD...: run CMD under `/usr/bin/time -f '%U %S %M'`,
# bounded by LIMIT_S seconds, in its own session. Writes PREFIX.out (stdout and
# stderr) and PREFIX.time; sets BENCH_USER_S, BENCH_SYS_S, BENCH_MAXRSS_KB,
# BENCH_WALL_S and BENCH_RC. An optional hook BENCH_DURING (a function name) runs
# while CMD runs, after BENCH_DURING_AFTER_S seconds.
bench_measure() {
    local prefix=$1 limit=$2
    shift 2
    local t0 t1
    rm -f "$prefix.time"
    t0=$(date +%s.%N)
    setsid timeout -k 5 "$limit" /usr/bin/time -o "$prefix.time" -f '%U %S %M' \
        "${BENCH_GEN_PIN[@]}" "$@" \
        >"$prefix.out" 2>&1 &
    BENCH_CHILD=$!
    if [ -n "${BENCH_DURING:-}" ]; then
        sleep "${BENCH_DURING_AFTER_S:-1}"
        "$BENCH_DURING"
    fi
    BENCH_RC=0
    wait "$BENCH_CHILD" || BENCH_RC=$?
    BENCH_CHILD=""
    t1=$(date +%s.%N)
    BENCH_WALL_S=$(python3 -c "print('%.3f' % ($t1 - $t0))")
    BENCH_USER_S=""
    BENCH_SYS_S=""
    BENCH_MAXRSS_KB=""
    if [ -s "$prefix.time" ]; then
        # The last line: earlier ones may be "Command exited with non-zero status N".
        read -r BENCH_USER_S BENCH_SYS_S BENCH_MAXRSS_KB < <(tail -n 1 "$prefix.time")
    fi
    if [ "$BENCH_RC" -eq 124 ] || [ "$BENCH_RC" -eq 137 ]; then
        echo "bench: '$1' ran past its ${limit}s limit and was killed" >&2
    elif [ "$BENCH_RC" -ne 0 ]; then
        echo "bench: '$*' exited with status $BENCH_RC; the end of its output:" >&2
        tail -n 20 "$prefix.out" >&2 || true
    fi
}

# bench_run SECTION LABEL ROUND NOMINAL_S LIMIT_S OWNKIND CMD...: one measured
# run against nginx: the request count is the stub_status delta minus the
# status request itself. Appends a line to $BENCH_RUNS. OWNKIND names the
# parser for the generator's own count (wrk, h2load, ab, loadcell-json, none);
# for loadcell-json the JSON is read from $BENCH_LC_JSON. The last column is
# $BENCH_EXTRA, or the output of `$BENCH_EXTRA_CMD PREFIX REQUESTS` when that
# is set (e.g. syscalls per request from PREFIX.strace).
bench_run() {
    local section=$1 label=$2 round=$3 nominal=$4 limit=$5 ownkind=$6
    shift 6
    local prefix="$BENCH_TMP/$section-${label//[^A-Za-z0-9]/_}-$round" before after requests own
    local snap0 snap1 others
    before=$(bench_nginx_requests)
    snap0=$(python3 "$BENCH_PY" cpu-snap "$BENCH_NGINX_PID")
    bench_measure "$prefix" "$limit" "$@"
    snap1=$(python3 "$BENCH_PY" cpu-snap "$BENCH_NGINX_PID")
    after=$(bench_nginx_requests)
    requests=$((after - before - 1))
    others=$(python3 "$BENCH_PY" others-pct "$snap0" "$snap1" \
        "$(python3 -c "print(${BENCH_USER_S:-0} + ${BENCH_SYS_S:-0})")" "$BENCH_WALL_S")
    case "$ownkind" in
    none) own="-" ;;
    loadcell-json) own=$(python3 "$BENCH_PY" own-count loadcell-json "${BENCH_LC_JSON:-/nonexistent}") ;;
    *) own=$(python3 "$BENCH_PY" own-count "$ownkind" "$prefix.out") ;;
    esac
    local extra=${BENCH_EXTRA:--}
    if [ -n "${BENCH_EXTRA_CMD:-}" ]; then
        extra=$("$BENCH_EXTRA_CMD" "$prefix" "$requests") || extra="-"
    fi
    # For callers that look at the run's files afterwards.
    # shellcheck disable=SC2034
    BENCH_LAST_PREFIX=$prefix BENCH_LAST_REQUESTS=$requests
    if [ "$BENCH_RC" -ne 0 ] || [ -z "$BENCH_USER_S" ]; then
        echo "bench: $label round $round failed (status $BENCH_RC); recorded without CPU figures" >&2
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$section" "$label" "$round" \
        "$requests" "$nominal" "$BENCH_WALL_S" "${BENCH_USER_S:--}" "${BENCH_SYS_S:--}" \
        "${BENCH_MAXRSS_KB:--}" "$own" "$extra" "$others" >>"$BENCH_RUNS"
    printf '  %-26s round %s: %9d requests, %6.2fs wall, user %ss sys %ss, max RSS %s KB, other jobs %s%% CPU\n' \
        "$label" "$round" "$requests" "$BENCH_WALL_S" "${BENCH_USER_S:--}" "${BENCH_SYS_S:--}" \
        "${BENCH_MAXRSS_KB:--}" "$others" >&2
}

# bench_table SECTION [lcbench.py table options]
bench_table() {
    local section=$1
    shift
    python3 "$BENCH_PY" table "$BENCH_RUNS" "$section" "$@"
}

# A header naming the machine, so figures are never read without their context.
bench_host_line() {
    local cpu
    cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')
    echo "host $(hostname), $(nproc) cores (${cpu:-unknown cpu}), kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
}

# Warn when something else keeps the CPUs busy: the figures would be noisy.
bench_quiet_check() {
    local busy
    busy=$(python3 "$BENCH_PY" cpu-busy 1)
    if [ "$busy" -gt 15 ]; then
        echo "WARNING: ${busy}% of the CPUs were busy with other work just before this benchmark; its figures are noisy"
    fi
}
