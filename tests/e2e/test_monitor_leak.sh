#!/usr/bin/env bash
# The leak verdict of `loadcell monitor` on processes whose memory behaviour is
# known (tests/e2e/monitor_mem.py), each watched for 3 s at 100 ms, side by side:
# steady growth (10 MB/s) is a LEAK with the right slope; a one-time 30 MB
# allocation, growth that stops after 1 s, and an idle process are not.
source "$(dirname "$0")/monitor_lib.sh"
T=$MON_TMP

watch() { # watch NAME MODE: start helper MODE and `loadcell monitor` on it in the background
    helper "$2" 6
    "$LOADCELL" monitor --pid "$HELPER_PID" -d 3s --interval 100ms -o "$T/$1.json" \
        >"$T/$1.out" 2>"$T/$1.err" &
    MON_PIDS+=($!)
    eval "W_$1=$!"
}
watch leak leak
watch hold hold
watch plateau plateau
watch flat flat
for n in leak hold plateau flat; do
    pid_var="W_$n"
    rc=0
    wait "${!pid_var}" || rc=$?
    [ $rc = 0 ] || { bad "$n: loadcell monitor exited $rc"; cat "$T/$n.err"; }
done

verdict() { sed -n 's/^  memory growth   //p' "$T/$1.out"; }

# Steady growth: LEAK, in the summary and as a warning in the result, with the slope of
# 10 MB/s (36000 MB/h) inside its confidence interval, give or take Python's own overhead.
v=$(verdict leak)
case "$v" in
LEAK:*) ok "steady growth: $v" ;;
*) bad "steady growth was not called a leak: $v" ;;
esac
if [ "$(json "$T/leak.json" "any(w.startswith('memory leak suspected') for w in r['warnings'])")" = True ]; then
    ok "steady growth: the result carries the warning"
else
    bad "steady growth: no warning in the result"
fi
rate=$(json "$T/leak.json" "(series('sut.rss_bytes')[-1] - series('sut.rss_bytes')[0]) / (times('sut.rss_bytes')[-1] - times('sut.rss_bytes')[0]) / 1048576")
if python3 -c "import sys; sys.exit(0 if 6 <= $rate <= 13 else 1)"; then
    ok "steady growth: RSS grew $rate MB/s (the helper adds 10 MB/s)"
else
    bad "steady growth: RSS grew $rate MB/s, expected about 10"
fi

for n in hold plateau flat; do
    v=$(verdict $n)
    case "$v" in
    "no leak"*) ok "$n: $v" ;;
    *) bad "$n was called: $v" ;;
    esac
    if [ "$(json "$T/$n.json" "not any(w.startswith('memory leak') for w in r['warnings'])")" != True ]; then
        bad "$n: the result warns of a leak"
    fi
done
# What they look like: the step is there (so the test is not vacuous), the plateau grew.
step=$(json "$T/hold.json" "(max(series('sut.rss_bytes')) - series('sut.rss_bytes')[0]) / 1048576")
python3 -c "import sys; sys.exit(0 if $step > 25 else 1)" && ok "hold: RSS stepped up $step MB" ||
    bad "hold: RSS stepped up only $step MB"
grow=$(json "$T/plateau.json" "(max(series('sut.rss_bytes')) - series('sut.rss_bytes')[0]) / 1048576")
python3 -c "import sys; sys.exit(0 if $grow > 5 else 1)" && ok "plateau: RSS grew $grow MB, then stopped" ||
    bad "plateau: RSS grew only $grow MB"
exit $fails
