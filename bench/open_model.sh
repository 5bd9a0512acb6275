#!/usr/bin/env bash
# Open model: loadcell at a fixed arrival rate of 20,000 requests/s for 10 s
# (1 thread, up to 100 connections) against nginx (1 worker). The achieved
# rate is what nginx counted divided by 10 s; it must be within 1% of the
# target. Also reports CPU per request. (wrk2 is not packaged in Debian, so
# there is no peer row.) Usage: bench/open_model.sh PATH/TO/loadcell [--quick]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BIN=${1:-}
bench_check_bin "$BIN" "${2:-}"
RATE=${BENCH_RATE:-20000}
DUR=10
CONNS=100
LIMIT=$((DUR + 30))

bench_init open_model
bench_raise_nofile 4096
bench_nginx_start 1 4096
URL=$(bench_url)

own=none
args=()
if bench_loadcell_has_output "$BIN"; then
    BENCH_LC_JSON="$BENCH_TMP/loadcell.json"
    args=(-o "$BENCH_LC_JSON")
    own=loadcell-json
fi

echo "# open_model: $(bench_host_line); $(bench_pin_note)" >&2
bench_quiet_check
bench_run open "loadcell -R $RATE" 1 "$DUR" "$LIMIT" "$own" \
    "$BIN" http -q -t1 -c"$CONNS" -d"${DUR}s" -R "$RATE" "${args[@]}" "$URL"

echo
bench_table open --title "== Open model: loadcell -R $RATE, 1 thread, $CONNS connections, ${DUR}s, nginx 1 worker ==" \
    --ours "loadcell -R $RATE" --rate-target "$RATE" --rate-tol 0.01
if [ -n "${BENCH_LC_JSON:-}" ]; then
    echo "  loadcell's own figures: $(python3 "$BENCH_PY" lc-summary "$BENCH_LC_JSON")"
fi
