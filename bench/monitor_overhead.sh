#!/usr/bin/env bash
# What `loadcell monitor` costs: it watches a tree of 100 sleeping processes
# (one parent, 100 children) for 30 s at 1 s intervals under /usr/bin/time;
# CPU % = (user + sys) / 30 s. The issue's budget is < 1% of one core. When
# psutil is importable, a minimal psutil sampler of the same tree and figures
# (the glue script loadcell replaces) runs the same way, and the ratio is printed.
#
# usage: bench/monitor_overhead.sh [LOADCELL_BINARY] [--quick]
#        (default build/release/loadcell; --quick: 10 s instead of 30 s)
# knobs: MON_CHILDREN (100) MON_DURATION_S (30) MON_INTERVAL (1s) MON_BUDGET_PCT (1.0)
# Exits 1 when loadcell's CPU is over the budget.
set -euo pipefail
export LOADCELL_NO_HISTORY=1 # benchmark runs stay out of .loadcell/history.db (and its write out of the CPU figures)
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/release/loadcell}
[ "${2:-}" = --quick ] && MON_DURATION_S=${MON_DURATION_S:-10}
children=${MON_CHILDREN:-100}
secs=${MON_DURATION_S:-30}
interval=${MON_INTERVAL:-1s}
budget=${MON_BUDGET_PCT:-1.0}
[ -x "$bin" ] || { echo "monitor_overhead: no binary at $bin (make build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "monitor_overhead: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lcmonbench.XXXXXX")
parent=""
cleanup() {
    if [ -n "$parent" ]; then
        kill -TERM -- "-$parent" 2>/dev/null || true
        wait "$parent" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "monitor_overhead: interrupted" >&2; exit 130' INT TERM

# The tree: a shell (its own process group, so that cleanup reaches every child) with
# $children sleeping children.
setsid bash -c "for i in \$(seq $children); do sleep 100000 & done; wait" &
parent=$!
for _ in $(seq 100); do
    n=$(pgrep -c -P "$parent" || true)
    [ "$n" -ge "$children" ] && break
    sleep 0.05
done
echo "tree: pid $parent with $(pgrep -c -P "$parent") children; $(ls /proc | grep -c '^[0-9]') processes on the host"
echo "host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), kernel $(uname -r)"

cpu_pct() { # cpu_pct TIMEFILE: (user + sys) / secs, in % of one core
    awk -v s="$secs" '{ printf "%.3f", ($1 + $2) / s * 100 }' "$1"
}

/usr/bin/time -f '%U %S' -o "$tmp/lc.time" \
    "$bin" monitor --pid "$parent" -d "${secs}s" --interval "$interval" -q -o "$tmp/lc.json" >/dev/null
lc=$(cpu_pct "$tmp/lc.time")
read -r procs samples gen < <(python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
s = {x['name']: x['values'] for x in r['resources']}
print(int(max(s['sut.processes'])), len(s['sut.processes']), '%.3f' % (sum(s['gen.cpu_percent']) / len(s['gen.cpu_percent'])))
" "$tmp/lc.json")
echo "loadcell monitor: $(awk '{print "user " $1 "s, sys " $2 "s"}' "$tmp/lc.time") over ${secs}s = ${lc}% of one core (saw $procs processes, $samples samples)"
echo "                  its own gen.cpu_percent (getrusage, sampling only, no start-up): ${gen}% mean"

# The peer: psutil, sampling the same figures of the same tree every interval.
py=""
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import psutil' 2>/dev/null; then py=$p; break; fi
done
if [ -n "$py" ]; then
    cat >"$tmp/peer.py" <<'PY'
import sys, time, psutil
pid, secs, interval = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
root = psutil.Process(pid)
start = time.monotonic()
rows = 0
while True:
    procs = [root] + root.children(recursive=True)
    cpu = rss = threads = fds = rd = wr = ctx = 0
    for p in procs:
        try:
            with p.oneshot():
                t = p.cpu_times(); cpu += t.user + t.system
                rss += p.memory_info().rss; threads += p.num_threads(); fds += p.num_fds()
                io = p.io_counters(); rd += io.read_bytes; wr += io.write_bytes
                c = p.num_ctx_switches(); ctx += c.voluntary + c.involuntary
        except psutil.Error:
            pass
    psutil.cpu_percent(percpu=True); psutil.virtual_memory(); psutil.getloadavg()
    psutil.net_io_counters(pernic=True)
    rows += 1
    nxt = start + rows * interval
    if nxt > start + secs + 1e-3:
        break
    time.sleep(max(0.0, nxt - time.monotonic()))
print(rows)
PY
    iv=$(python3 -c "import re,sys; m=re.fullmatch(r'([0-9.]+)(ms|s)', sys.argv[1]); print(float(m[1]) / (1000 if m[2]=='ms' else 1))" "$interval")
    /usr/bin/time -f '%U %S' -o "$tmp/py.time" "$py" "$tmp/peer.py" "$parent" "$secs" "$iv" >/dev/null
    pyc=$(cpu_pct "$tmp/py.time")
    echo "psutil sampler:   $(awk '{print "user " $1 "s, sys " $2 "s"}' "$tmp/py.time") over ${secs}s = ${pyc}% of one core"
    python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print('loadcell / psutil CPU: %.2f' % (a / b) if b > 0 else 'psutil used no measurable CPU')" "$lc" "$pyc"
else
    echo "psutil sampler:   skipped (psutil not installed: apt-get install python3-psutil)"
fi

if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$lc" "$budget"; then
    echo "loadcell monitor costs ${lc}% of one core for a ${children}-process tree at $interval (budget < ${budget}%): PASS"
else
    echo "loadcell monitor costs ${lc}% of one core for a ${children}-process tree at $interval (budget < ${budget}%): FAIL"
    exit 1
fi
