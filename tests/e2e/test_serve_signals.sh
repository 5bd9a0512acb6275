#!/usr/bin/env bash
# SIGTERM and SIGINT stop loadcell serve cleanly (exit 0, every connection closed)
# with connections open and delayed requests in flight, with 1 and with 4 threads.
source "$(dirname "$0")/serve_lib.sh"
for sig in TERM INT; do
    for threads in 1 4; do
        serve_start --listen 127.0.0.1:0 --threads "$threads" --route '/slow:latency=fixed:10s'
        python3 "$SERVE_LIB_DIR/serve_client.py" --port "$SERVE_PORT" hold --conns 20 --seconds 10 \
            >"$SERVE_TMP/hold" &
        holder=$!
        for _ in $(seq 100); do grep -q holding "$SERVE_TMP/hold" && break; sleep 0.05; done
        sleep 0.2
        pid=$SERVE_PID
        SERVE_PID=""
        start=$(date +%s%N)
        kill -"$sig" "$pid"
        rc=0
        wait "$pid" || rc=$?
        ms=$((($(date +%s%N) - start) / 1000000))
        wait "$holder" || true
        if [ "$rc" != 0 ] || [ "$ms" -gt 5000 ] || ! grep -q "closed 20 of 20" "$SERVE_TMP/hold"; then
            echo "FAIL SIG$sig with $threads thread(s): exit $rc after ${ms}ms; client: $(tail -n1 "$SERVE_TMP/hold")"
            cat "$SERVE_TMP/err"
            exit 1
        fi
        echo "ok   SIG$sig with $threads thread(s): exit 0 after ${ms}ms, client saw $(tail -n1 "$SERVE_TMP/hold") connections closed"
    done
done
