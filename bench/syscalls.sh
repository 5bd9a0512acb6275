#!/usr/bin/env bash
# System calls per request: a short closed-model run of loadcell and of wrk
# (1 thread, 50 connections, 2 s) under `strace -c -f`; the syscall total of
# the whole process (start-up included) is divided by the requests nginx
# counted. strace slows the generators down a lot: the figure is a count, not
# a speed. Usage: bench/syscalls.sh PATH/TO/loadcell [--quick]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BIN=${1:-}
bench_check_bin "$BIN" "${2:-}"
DUR=2
CONNS=50
LIMIT=$((DUR + 60))

bench_init syscalls
bench_need wrk strace
bench_raise_nofile 4096
bench_nginx_start 1 4096
URL=$(bench_url)

per_request() { # PREFIX REQUESTS -> syscalls per request
    python3 "$BENCH_PY" syscalls-per-request "$1.strace" "$2"
}
BENCH_EXTRA_CMD=per_request

echo "# syscalls: $(bench_host_line); $(bench_pin_note)" >&2
bench_quiet_check
declare -A detail
for gen in loadcell wrk; do
    case "$gen" in
    loadcell)
        bench_run syscalls "$gen" 1 "$DUR" "$LIMIT" none \
            strace -c -f -o "$BENCH_TMP/syscalls-$gen-1.strace" \
            "$BIN" http -q -t1 -c"$CONNS" -d"${DUR}s" "$URL" ;;
    wrk)
        bench_run syscalls "$gen" 1 "$DUR" "$LIMIT" none \
            strace -c -f -o "$BENCH_TMP/syscalls-$gen-1.strace" \
            wrk -t1 -c"$CONNS" -d"${DUR}s" "$URL" ;;
    esac
    detail[$gen]=$(python3 "$BENCH_PY" strace-total "$BENCH_LAST_PREFIX.strace" "$BENCH_LAST_REQUESTS")
    sleep 1
done

echo
echo "== System calls per request: strace -c -f, 1 thread, $CONNS connections, ${DUR}s (a count: strace slows every generator) =="
printf '%-10s %12s %12s %12s  %s\n' generator syscalls requests "per request" "most frequent, per request"
for gen in loadcell wrk; do
    read -r total per top <<<"${detail[$gen]}"
    requests=$(awk -F'\t' -v g="$gen" '$2 == g { print $4 }' "$BENCH_RUNS")
    printf '%-10s %12s %12s %12s  %s\n' "$gen" "$total" "$requests" "$per" "${top//,/, }"
done
bench_table syscalls --checks-only --extra-name "syscalls/request" --extra-target 2
echo "  (wrk measured $(awk -F'\t' '$2 == "wrk" { print $11 }' "$BENCH_RUNS") syscalls/request here)"
