#!/usr/bin/env bash
# `loadcell bench` against hyperfine in the same run: the same commands (a 50 ms
# sleep and a CPU-bound shell loop, each without a shell and through sh), the two
# tools alternated over rounds; prints each tool's mean time per case (the median
# over rounds), their ratio, and loadcell's own overhead per run. Exits 1 when a
# mean differs from hyperfine's by more than TOLERANCE (default 3%).
# Usage: bench/bench_vs_hyperfine.sh PATH/TO/loadcell [--quick]
#   ROUNDS=N (default 3; 1 with --quick), RUNS=N per tool and round (default 20;
#   10 with --quick), TOLERANCE=0.03.
set -euo pipefail
export LOADCELL_NO_HISTORY=1 # benchmark runs stay out of .loadcell/history.db (and its write out of the CPU figures)

BIN=${1:-}
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
    echo "usage: $0 PATH/TO/loadcell [--quick]" >&2
    exit 2
fi
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-20}
if [ "${2:-}" = "--quick" ]; then
    ROUNDS=1
    RUNS=10
elif [ -n "${2:-}" ]; then
    echo "$0: unknown option '$2' (only --quick)" >&2
    exit 2
fi
TOLERANCE=${TOLERANCE:-0.03}
for tool in hyperfine python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 2; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/lcbench-hyperfine.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

LOOP='i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'
# name | shell mode (none or sh) | command
CASES=(
    "sleep 50ms, no shell|none|sleep 0.05"
    "sleep 50ms, through sh|sh|sleep 0.05"
    "sh loop 300k, no shell|none|sh -c '$LOOP'"
    "sh loop 300k, through sh|sh|$LOOP"
)

mean_hyperfine() { # FILE: mean in ms
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["mean"] * 1e3)' "$1"
}
mean_loadcell() { # FILE: mean wall time in ms
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["bench"]["commands"][0]["runs"]; print(sum(x["wall_ns"] for x in r) / len(r) / 1e6)' "$1"
}

echo "loadcell bench vs hyperfine: $("$BIN" version 2>/dev/null | head -n 1); $(hyperfine --version)"
echo "host $(hostname), $(nproc) cores, kernel $(uname -r); $ROUNDS round(s) of $RUNS runs (+2 warm-up) per tool and case"
echo
status=0
results=()
for c in "${CASES[@]}"; do
    IFS='|' read -r name mode cmd <<<"$c"
    hf=() lc=()
    for round in $(seq 1 "$ROUNDS"); do
        # Alternate which tool goes first, so that drift over time favours neither.
        for who in $( ((round % 2)) && echo "hyperfine loadcell" || echo "loadcell hyperfine"); do
            if [ "$who" = hyperfine ]; then
                if [ "$mode" = none ]; then shell=(-N); else shell=(--shell=sh); fi
                hyperfine "${shell[@]}" -w 2 -r "$RUNS" --style none \
                    --export-json "$TMP/h.json" "$cmd" >/dev/null 2>&1
                hf+=("$(mean_hyperfine "$TMP/h.json")")
            else
                if [ "$mode" = none ]; then shell=(-N); else shell=(--shell sh); fi
                "$BIN" bench -q "${shell[@]}" -w 2 -r "$RUNS" -o "$TMP/l.json" "$cmd" \
                    >"$TMP/l.txt" 2>&1
                lc+=("$(mean_loadcell "$TMP/l.json")")
                harness=$(sed -n 's/^Harness: //p' "$TMP/l.txt")
            fi
        done
    done
    line=$(python3 - "$name" "$TOLERANCE" "${hf[*]}" "${lc[*]}" <<'PY'
import statistics, sys
name, tol = sys.argv[1], float(sys.argv[2])
hf = [float(x) for x in sys.argv[3].split()]
lc = [float(x) for x in sys.argv[4].split()]
h, l = statistics.median(hf), statistics.median(lc)
ratio = l / h
ok = abs(ratio - 1) <= tol
rounds = " ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(hf, lc))
print(f"{name:<26} {h:>10.2f} {l:>10.2f} {ratio:>7.3f}  {'ok' if ok else 'DIFFERS'}   {rounds}")
sys.exit(0 if ok else 1)
PY
) || status=1
    results+=("$line")
    last_harness=$harness
done
printf '%-26s %10s %10s %7s  %s\n' "case" "hyperfine" "loadcell" "ratio" "agree   rounds (hyperfine/loadcell ms)"
printf '%-26s %10s %10s\n' "" "mean ms" "mean ms"
for l in "${results[@]}"; do echo "$l"; done
echo
echo "loadcell's own overhead (last case): $last_harness"
if [ $status = 0 ]; then
    echo "every mean agrees with hyperfine's within $(python3 -c "print($TOLERANCE * 100)")%: PASS"
else
    echo "some means differ from hyperfine's by more than $(python3 -c "print($TOLERANCE * 100)")%: FAIL"
fi
exit $status
