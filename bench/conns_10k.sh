#!/usr/bin/env bash
# 10,000 concurrent keep-alive connections: loadcell vs wrk, 1 thread each,
# for 5 s against nginx (1 worker). Compares the generators' max RSS and
# reports the connections nginx saw established mid-run (stub_status "Active
# connections", sampled three times while the generator runs, the highest
# kept, the sampling connection itself not counted).
# Usage: bench/conns_10k.sh PATH/TO/loadcell [--quick]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BIN=${1:-}
bench_check_bin "$BIN" "${2:-}"
CONNS=${BENCH_CONNS:-10000}
DUR=5
LIMIT=$((DUR + 60))

bench_init conns_10k
bench_need wrk
# nginx starts closing idle keep-alive connections once fewer than 1/16 of its
# worker_connections are free ("reusing connections" in its error log), so it
# gets 1/8 more than the test holds open, plus a margin; each side needs a
# descriptor per connection.
WCONNS=$((CONNS + CONNS / 8 + 256))
bench_raise_nofile $((WCONNS + 64))
NOFILE=$(ulimit -n)
bench_nginx_start 1 "$WCONNS"
URL=$(bench_url)

ACTIVE_FILE="$BENCH_TMP/active"
sample_active() { # runs while the generator runs: keep the highest count
    local best=0 s a _
    for _ in 1 2 3; do
        if s=$(bench_nginx_status 1 2>/dev/null); then
            a=${s##* }
            a=$((a - 1))
            [ "$a" -gt "$best" ] && best=$a
        fi
        sleep 1
    done
    echo "$best" >"$ACTIVE_FILE"
}
active_of() { # PREFIX REQUESTS -> the sampled count
    cat "$ACTIVE_FILE" 2>/dev/null || echo "-"
}
BENCH_DURING=sample_active
BENCH_DURING_AFTER_S=2
BENCH_EXTRA_CMD=active_of
lc_own=none
lc_args=()
if bench_loadcell_has_output "$BIN"; then
    BENCH_LC_JSON="$BENCH_TMP/loadcell.json"
    lc_args=(-o "$BENCH_LC_JSON")
    lc_own=loadcell-json
fi

echo "# conns_10k: $(bench_host_line); open-file limit $NOFILE; $(bench_pin_note)" >&2
bench_quiet_check
for gen in loadcell wrk; do
    rm -f "$ACTIVE_FILE"
    case "$gen" in
    loadcell)
        bench_run conns loadcell 1 "$DUR" "$LIMIT" "$lc_own" \
            "$BIN" http -q -t1 -c"$CONNS" -d"${DUR}s" "${lc_args[@]}" "$URL" ;;
    wrk)
        bench_run conns wrk 1 "$DUR" "$LIMIT" wrk \
            wrk -t1 -c"$CONNS" -d"${DUR}s" "$URL" ;;
    esac
    sleep 2 # let nginx close its side of the old connections
done

echo
bench_table conns --title "== $CONNS keep-alive connections: nginx 1 worker, generators 1 thread, ${DUR}s ==" \
    --extra-name "established" --extra-format ",.0f" --rss-target 0.6
echo "  (established = nginx 'Active connections' mid-run, highest of 3 samples, minus the sampler)"
if [ -n "${BENCH_LC_JSON:-}" ]; then
    echo "  loadcell's own figures: $(python3 "$BENCH_PY" lc-summary "$BENCH_LC_JSON")"
fi
