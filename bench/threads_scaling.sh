#!/usr/bin/env bash
# Throughput and cost per request as worker threads grow: loadcell vs wrk at
# -t 1, 2, 4, 8 (50 keep-alive connections per thread, 5 s each, alternated
# over rounds) against nginx with 8 workers. Needs 16 or more CPUs to mean
# anything: nginx is pinned to the first half of the CPUs and the generator to
# the second half, so neither competes with the other. Requests are counted by
# nginx (stub_status), CPU comes from /usr/bin/time.
# Usage: bench/threads_scaling.sh PATH/TO/loadcell [--quick]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BIN=${1:-}
bench_check_bin "$BIN" "${2:-}"
ROUNDS=${BENCH_ROUNDS:-2}
[ "${2:-}" = "--quick" ] && ROUNDS=1
DUR=${BENCH_DUR:-5}
LIMIT=$((DUR + 30))
THREADS=${BENCH_THREADS:-"1 2 4 8"}
WORKERS=${BENCH_NGINX_WORKERS:-8}

bench_init threads_scaling
bench_need wrk
CPUS=$(nproc)
if [ "$CPUS" -lt 16 ]; then
    echo "WARNING: $CPUS CPUs: nginx and the generator share them, so the scaling figures are bounded by the machine" >&2
fi
if [ "${BENCH_PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ "$CPUS" -ge 4 ]; then
    half=$((CPUS / 2))
    BENCH_SRV_PIN=(taskset -c "0-$((half - 1))")
    BENCH_GEN_PIN=(taskset -c "$half-$((CPUS - 1))")
fi
bench_raise_nofile 8192
bench_nginx_start "$WORKERS" 8192
URL=$(bench_url)

lc_own=none
lc_args=()
if bench_loadcell_has_output "$BIN"; then
    BENCH_LC_JSON="$BENCH_TMP/loadcell.json"
    lc_args=(-o "$BENCH_LC_JSON")
    lc_own=loadcell-json
fi

echo "# threads_scaling: $(bench_host_line); nginx $WORKERS workers on CPUs ${BENCH_SRV_PIN[*]:-any}," \
    "generators on ${BENCH_GEN_PIN[*]:-any}; $ROUNDS round(s)" >&2
bench_quiet_check
for t in $THREADS; do
    conns=$((50 * t))
    for round in $(seq 1 "$ROUNDS"); do
        gens=(loadcell wrk)
        [ $((round % 2)) -eq 0 ] && gens=(wrk loadcell)
        for gen in "${gens[@]}"; do
            case "$gen" in
            loadcell)
                rm -f "${BENCH_LC_JSON:-/nonexistent}"
                bench_run "t$t" loadcell "$round" "$DUR" "$LIMIT" "$lc_own" \
                    "$BIN" http -q -t"$t" -c"$conns" -d"${DUR}s" "${lc_args[@]}" "$URL" ;;
            wrk)
                bench_run "t$t" wrk "$round" "$DUR" "$LIMIT" wrk \
                    wrk -t"$t" -c"$conns" -d"${DUR}s" "$URL" ;;
            esac
            sleep 1
        done
    done
done

for t in $THREADS; do
    echo
    bench_table "t$t" --title "== -t$t -c$((50 * t)): nginx $WORKERS workers, ${DUR}s ==" \
        --rps-target 1.0 --cpu-target 0.85
done
