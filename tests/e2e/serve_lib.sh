# Helpers for the `loadcell serve` e2e tests (sourced): start the server on a
# free port, read the port from its first stdout line, stop it on exit.
set -euo pipefail
: "${LOADCELL:?set LOADCELL to the loadcell binary}"
SERVE_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SERVE_TMP=$(mktemp -d)
SERVE_PID=""
SERVE_PORT=""
SERVE_URL=""

client() { # run the independent Python client against the current server
    python3 "$SERVE_LIB_DIR/serve_client.py" --port "$SERVE_PORT" "$@"
}

# retry_once CMD...: a timing check on a shared machine; a miss is taken once more and only a
# second miss fails (a neighbour's load delays some answers, it does not make them early).
retry_once() {
    "$@" && return 0
    echo "retrying once: $*" >&2
    "$@"
}

serve_start() { # serve_start FLAGS...: start `loadcell serve FLAGS`, wait for its address line
    "$LOADCELL" serve "$@" >"$SERVE_TMP/out" 2>"$SERVE_TMP/err" &
    SERVE_PID=$!
    local line=""
    for _ in $(seq 200); do
        line=$(head -n1 "$SERVE_TMP/out" 2>/dev/null || true)
        [ -n "$line" ] && break
        if ! kill -0 "$SERVE_PID" 2>/dev/null; then
            echo "serve did not start:" >&2
            cat "$SERVE_TMP/err" >&2
            exit 1
        fi
        sleep 0.05
    done
    SERVE_URL=$(echo "$line" | sed -n 's/^loadcell serve: listening on \(https\{0,1\}:.*\)$/\1/p')
    SERVE_PORT=${SERVE_URL##*:}
    if [ -z "$SERVE_URL" ] || [ -z "$SERVE_PORT" ]; then
        echo "unexpected first line from serve: '$line'" >&2
        exit 1
    fi
    echo "server $SERVE_URL (pid $SERVE_PID)"
}

serve_stop() { # SIGTERM the server; fails unless it exits 0 within 10 s
    local pid=$SERVE_PID rc=0
    [ -n "$pid" ] || return 0
    SERVE_PID=""
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "serve did not stop within 10 s of SIGTERM" >&2
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        return 1
    fi
    wait "$pid" || rc=$?
    if [ "$rc" != 0 ]; then
        echo "serve exited $rc after SIGTERM; stderr:" >&2
        cat "$SERVE_TMP/err" >&2
        return 1
    fi
}

serve_cleanup() {
    if [ -n "$SERVE_PID" ]; then
        kill -KILL "$SERVE_PID" 2>/dev/null || true
        wait "$SERVE_PID" 2>/dev/null || true
    fi
    rm -rf "$SERVE_TMP"
}
trap serve_cleanup EXIT
