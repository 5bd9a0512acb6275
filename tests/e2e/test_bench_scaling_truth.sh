#!/usr/bin/env bash
# loadcell bench against commands whose scaling is known (issue 9): time linear and
# quadratic in n (a CPU loop of n and n*n steps, and sleep), memory linear and
# quadratic (n and n*n bytes touched) -- the fitted exponents must be within 0.1 --
# and a run made slow on purpose by --prepare is flagged as an outlier.
# "truth" in the name makes ctest run it alone (timing must not be disturbed).
set -euo pipefail
: "${LOADCELL:?set LOADCELL to the loadcell binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
json() { # json FILE EXPR: print a Python expression over the parsed Result `r`
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# A small C program with a known cost: no interpreter start-up to blur the fit.
cat >"$T/work.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
#include <time.h>
int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    double n = strtod(argv[2], NULL);
    if (strcmp(argv[1], "cpu") == 0 || strcmp(argv[1], "cpu2") == 0) {
        /* n (or n*n) thousand steps of a loop the compiler cannot remove. */
        unsigned long long steps = (unsigned long long)(argv[1][3] ? n * n : n) * 1000ULL;
        volatile unsigned long long x = 0;
        for (unsigned long long i = 0; i < steps; i++)
            x += i;
        return 0;
    }
    if (strcmp(argv[1], "mem") == 0 || strcmp(argv[1], "mem2") == 0) {
        size_t bytes = (size_t)(argv[1][3] ? n * n : n);
        /* volatile: the stores (and so the pages) must really happen. */
        volatile char *p = malloc(bytes);
        if (!p)
            return 1;
        for (size_t i = 0; i < bytes; i += 4096)
            p[i] = 1;
        free((char *)p);
        return 0;
    }
    return 2;
}
EOF
if ! "${CC:-cc}" -O1 -o "$T/work" "$T/work.c" 2>"$T/cc.err"; then
    echo "SKIP: no C compiler to build the helper: $(cat "$T/cc.err")"
    exit 0
fi
W="$T/work"

# Calibrate the CPU loop: how many thousand steps make about 40 ms here. Long
# enough that process start-up (~0.5 ms) and the CPU's ramp-up at the start of
# each new process barely bend the line: with 20 ms, virtual machines measured
# exponents 0.05-0.1 low, the short runs being the slower per step.
"$LOADCELL" bench -q -N -r 3 -o "$T/cal.json" "$W cpu 10000" >/dev/null 2>&1
per_k=$(json "$T/cal.json" "sum(x['wall_ns'] for x in r['bench']['commands'][0]['runs']) / 3 / 10000")
k40=$(python3 -c "print(max(1, round(40e6 / $per_k)))") # thousands of steps in 40 ms
q30=$(python3 -c "import math; print(max(1, round(math.sqrt(30e6 / $per_k))))")
echo "calibration: $per_k ns per thousand steps; 40 ms = $k40 thousand steps"

check_exponent() { # check_exponent NAME SUMMARY_FILE QUANTITY WANT: loadcell's own fit
    local got
    got=$(python3 - "$2" "$3" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
i = next(k for k, l in enumerate(lines) if l.startswith("Scaling of"))
names = re.split(r"\s{2,}", lines[i + 1].strip())
cells = re.split(r"\s{2,}", lines[i + 2].strip())
assert cells[0] == "exponent", lines[i + 2]
print(dict(zip(names, cells[1:]))[sys.argv[2]].split(" ")[0])
PY
) || { echo "FAIL $1: no exponent for $3 in the summary"; cat "$2"; fails=1; return; }
    if python3 -c "import sys; sys.exit(0 if abs($got - $4) <= 0.1 else 1)"; then
        echo "ok   $1: exponent $got (want $4 ± 0.1)"
    else
        echo "FAIL $1: exponent $got, want $4 ± 0.1"
        cat "$2"
        fails=1
    fi
}

# Time: linear and quadratic CPU work, and sleep through the default shell.
steps=$(python3 -c "print(','.join(str(m * $k40) for m in (8, 4, 2, 1)))")
# Shared machines vary the speed of the same work by +-25% from run to run: enough
# runs per point, and sizes spanning a factor of 8, keep the fit's error near 0.05.
# Largest first: a virtual CPU runs slower until it has been busy a while, so in
# ascending order the small sizes ran slow and the exponent came out 0.1-0.3 low
# (1.71 for n*n; 1.96 +- 0.01 for the same scan descending, same machine, minutes apart).
"$LOADCELL" bench -q -N -r 9 -w 1 --scan "n=$steps" -o "$T/lin.json" "$W cpu {n}" >"$T/lin.txt" 2>&1
check_exponent "CPU loop of n steps" "$T/lin.txt" time 1
qs=$(python3 -c "print(','.join(str(m * $q30) for m in (8, 4, 2, 1)))")
"$LOADCELL" bench -q -N -r 5 -w 1 --scan "n=$qs" -o "$T/quad.json" "$W cpu2 {n}" >"$T/quad.txt" 2>&1
check_exponent "CPU loop of n*n steps" "$T/quad.txt" time 2
"$LOADCELL" bench -q -r 5 --scan "s=0.02,0.04,0.08,0.16" -o "$T/sleep.json" "sleep {s}" >"$T/sleep.txt" 2>&1
check_exponent "sleep n (through sh, start-up subtracted)" "$T/sleep.txt" time 1

# Memory: n and n*n bytes touched (16 MB .. 128 MB and 16 MB .. 256 MB).
"$LOADCELL" bench -q -N -r 3 --scan "n=16777216..134217728:x2" -o "$T/mem.json" "$W mem {n}" >"$T/mem.txt" 2>&1
check_exponent "n bytes" "$T/mem.txt" "max RSS" 1
"$LOADCELL" bench -q -N -r 3 --scan "n=4096..16384:x2" -o "$T/mem2.json" "$W mem2 {n}" >"$T/mem2.txt" 2>&1
check_exponent "n*n bytes" "$T/mem2.txt" "max RSS" 2

# The verdicts name the growth.
grep -q "verdict *quadratic" "$T/quad.txt" && grep -q "verdict *linear" "$T/lin.txt" &&
    grep -q "verdict *linear" "$T/mem.txt" && echo "ok   verdicts: linear, quadratic" ||
    { echo "FAIL verdicts"; cat "$T/quad.txt" "$T/lin.txt"; fails=1; }

# An injected slow run: --prepare arms a flag before the third run; the command
# sleeps 300 ms when armed, 20 ms otherwise.
cat >"$T/prep.sh" <<EOF
#!/bin/sh
n=\$(cat "$T/count" 2>/dev/null || echo 0)
n=\$((n + 1))
echo \$n >"$T/count"
[ \$n -eq 3 ] && touch "$T/slow"
exit 0
EOF
cat >"$T/cmd.sh" <<EOF
#!/bin/sh
if [ -e "$T/slow" ]; then rm -f "$T/slow"; sleep 0.3; else sleep 0.02; fi
EOF
chmod +x "$T/prep.sh" "$T/cmd.sh"
"$LOADCELL" bench -q -N -r 10 --prepare "$T/prep.sh" -o "$T/out.json" "$T/cmd.sh" >"$T/out.txt" 2>&1
if [ "$(json "$T/out.json" "any('outlier' in w and 'run 3 ' in w for w in r['warnings'])")" = True ] &&
    grep -q "Warning:.*outlier.*run 3 " "$T/out.txt"; then
    echo "ok   the slow third run is flagged: $(grep -o 'run 3 took[^)]*' "$T/out.txt")"
else
    echo "FAIL the slow third run is not flagged"
    cat "$T/out.txt"
    fails=1
fi
# Timing on a shared machine can be disturbed by a neighbour (a CPU-bound
# run that loses its core for a moment bends the fit): a failed measurement
# is taken again, up to three attempts in all; only three failures fail.
attempt=${LC_ATTEMPT:-1}
if [ "$fails" != 0 ] && [ "$attempt" -lt 3 ]; then
    echo "attempt $attempt failed; measuring again" >&2
    LC_ATTEMPT=$((attempt + 1)) exec bash "$0"
fi
exit $fails
