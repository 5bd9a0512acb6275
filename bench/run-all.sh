#!/usr/bin/env bash
# Every benchmark in bench/ (soak.sh aside: it takes 10 minutes), one after
# another; the combined output goes to stdout and to
# bench/results/latest-<hostname>.txt. Exits 1 when a script failed.
# Usage: bench/run-all.sh PATH/TO/loadcell [--quick]
set -euo pipefail
export LOADCELL_NO_HISTORY=1 # benchmark runs stay out of .loadcell/history.db (and its write out of the CPU figures)
here=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-}
QUICK=${2:-}
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
    echo "usage: $0 PATH/TO/loadcell [--quick]   (e.g. make build, then $0 build/release/loadcell)" >&2
    exit 2
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
if [ -n "$QUICK" ] && [ "$QUICK" != "--quick" ]; then
    echo "$0: unknown option '$QUICK' (only --quick)" >&2
    exit 2
fi

mkdir -p "$here/results"
out="$here/results/latest-$(hostname).txt"
tmp=$(mktemp "$here/results/.latest.XXXXXX")
trap 'rm -f "$tmp"' EXIT
trap 'echo "run-all: interrupted" >&2; exit 130' INT TERM

run_all() {
    local failed=() s
    local scripts=(http_vs_peers.sh syscalls.sh conns_10k.sh open_model.sh)
    # Other families, when present: same calling convention (BIN [--quick]),
    # except serve_vs_nginx.sh (BIN only). soak.sh (10 minutes) is run on its own.
    [ -x "$here/bench_vs_hyperfine.sh" ] && scripts+=(bench_vs_hyperfine.sh)
    [ -x "$here/serve_vs_nginx.sh" ] && scripts+=(serve_vs_nginx.sh)
    # Thread scaling splits the CPUs between nginx and the generator: only meaningful on 16+.
    [ "$(nproc)" -ge 16 ] && scripts+=(threads_scaling.sh)
    echo "loadcell benchmarks: $("$BIN" version 2>/dev/null | head -n 1)"
    echo "host $(hostname), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), kernel $(uname -r)"
    echo "started $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    for s in "${scripts[@]}"; do
        echo
        echo "################ $s"
        local rc=0
        if [ "$s" = serve_vs_nginx.sh ]; then
            # Another script family: it takes the binary only, rounds from the environment.
            if [ -n "$QUICK" ]; then ROUNDS=1 "$here/$s" "$BIN" || rc=$?; else "$here/$s" "$BIN" || rc=$?; fi
        else
            "$here/$s" "$BIN" ${QUICK:+"$QUICK"} || rc=$?
        fi
        if [ "$rc" -eq 130 ]; then
            return 130
        elif [ "$rc" -ne 0 ]; then
            echo "run-all: $s failed" >&2
            failed+=("$s")
        fi
    done
    echo
    echo "finished $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    if [ ${#failed[@]} -gt 0 ]; then
        echo "run-all: failed: ${failed[*]}"
        return 1
    fi
}

status=0
run_all 2>&1 | tee -i "$tmp" || status=$?
chmod a+r "$tmp" # mktemp made it private
mv "$tmp" "$out"
echo "run-all: output written to ${out#"$PWD"/}"
exit "$status"
