#!/usr/bin/env bash
# Maximum throughput and cost per request against nginx (1 worker): loadcell,
# wrk, h2load and ab, each with 1 thread and 50 keep-alive connections for 5 s,
# alternated over rounds (medians reported); then 16-deep pipelining, loadcell
# vs wrk with bench/wrk_pipeline.lua. Requests are counted by nginx.
# Usage: bench/http_vs_peers.sh PATH/TO/loadcell [--quick]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BIN=${1:-}
bench_check_bin "$BIN" "${2:-}"
ROUNDS=${BENCH_ROUNDS:-3}
[ "${2:-}" = "--quick" ] && ROUNDS=1
DUR=5
CONNS=50
LIMIT=$((DUR + 30))

bench_init http_vs_peers
bench_need wrk h2load ab
bench_raise_nofile 4096
bench_nginx_start 1 4096
URL=$(bench_url)

lc_json_args=()
if bench_loadcell_has_output "$BIN"; then
    BENCH_LC_JSON="$BENCH_TMP/loadcell.json"
    lc_json_args=(-o "$BENCH_LC_JSON")
fi

run_one() { # SECTION GENERATOR ROUND
    local section=$1 gen=$2 round=$3
    rm -f "${BENCH_LC_JSON:-/nonexistent}"
    case "$gen" in
    loadcell)
        bench_run "$section" loadcell "$round" "$DUR" "$LIMIT" loadcell-json \
            "$BIN" http -q -t1 -c"$CONNS" -d"${DUR}s" "${lc_json_args[@]}" "$URL" ;;
    wrk)
        bench_run "$section" wrk "$round" "$DUR" "$LIMIT" wrk \
            wrk -t1 -c"$CONNS" -d"${DUR}s" "$URL" ;;
    h2load)
        bench_run "$section" h2load "$round" "$DUR" "$LIMIT" h2load \
            h2load --h1 -t1 -c"$CONNS" -D "$DUR" "$URL" ;;
    ab)
        # -t must come before -n: -t sets -n to 50000, a later -n lifts it.
        bench_run "$section" "ab -k" "$round" "$DUR" "$LIMIT" ab \
            ab -q -k -c"$CONNS" -t "$DUR" -n 10000000 "$URL" ;;
    loadcell-pipe)
        bench_run "$section" "loadcell --pipeline 16" "$round" "$DUR" "$LIMIT" loadcell-json \
            "$BIN" http -q -t1 -c"$CONNS" -d"${DUR}s" --pipeline 16 "${lc_json_args[@]}" "$URL" ;;
    wrk-pipe)
        bench_run "$section" "wrk + pipeline.lua 16" "$round" "$DUR" "$LIMIT" wrk \
            wrk -t1 -c"$CONNS" -d"${DUR}s" -s "$BENCH_DIR/wrk_pipeline.lua" "$URL" 16 ;;
    esac
    sleep 1 # let the server and the kernel settle between runs
}

echo "# http_vs_peers: $(bench_host_line); $(bench_pin_note)" >&2
bench_quiet_check
echo "# nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), 1 worker; $ROUNDS round(s)" >&2
gens=(loadcell wrk h2load ab)
for round in $(seq 1 "$ROUNDS"); do
    # Rotate the order each round so that no generator always runs first.
    for i in "${!gens[@]}"; do
        run_one peers "${gens[$(((i + round - 1) % ${#gens[@]}))]}" "$round"
    done
done
pipes=(loadcell-pipe wrk-pipe)
for round in $(seq 1 "$ROUNDS"); do
    for i in 0 1; do
        run_one pipeline "${pipes[$(((i + round - 1) % 2))]}" "$round"
    done
done

echo
echo "host: $(bench_host_line); $(bench_pin_note)"
echo
bench_table peers --title "== Max throughput: nginx 1 worker, each generator 1 thread, $CONNS connections, ${DUR}s ==" \
    --rps-target 1.0 --cpu-target 0.85
echo "  (req/s = requests counted by nginx / ${DUR}s; CPU us/req = (user+sys) of the whole process / requests)"
echo
bench_table pipeline --title "== Pipelining 16 deep: 1 thread, $CONNS connections, ${DUR}s ==" \
    --ours "loadcell --pipeline 16" --base "wrk + pipeline.lua 16" --rps-target 1.0 --cpu-target 0.85
