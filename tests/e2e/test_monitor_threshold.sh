#!/usr/bin/env bash
# loadcell monitor --threshold: a leak watch in CI. A flat process passes 'mem_growth < 50MB/h'
# (exit 0), a steadily leaking one fails it (exit 1, also with --cmd); the verdicts are in the
# summary and the Result's `thresholds`; Ctrl-C still judges and writes them (exit 130); a load
# metric, a scope or an unknown metric is a usage error (exit 2, one line).
source "$(dirname "$0")/monitor_lib.sh"
T=$MON_TMP

expect_usage_error() { # expect_usage_error WHAT_STDERR_SAYS ARGS...
    local says=$1 rc=0
    shift
    "$LOADCELL" monitor "$@" >"$T/o" 2>"$T/e" || rc=$?
    if [ "$rc" = 2 ] && [ "$(wc -l <"$T/e")" = 1 ] && grep -qF -- "$says" "$T/e" && [ ! -s "$T/o" ]; then
        ok "monitor $*: exit 2, $(cat "$T/e")"
    else
        bad "monitor $*: exit $rc, wanted 2 and one line saying '$says':"
        cat "$T/e" "$T/o"
    fi
}
expect_usage_error "'p(N)' needs a load run (loadcell http or run)" --pid 1 --threshold 'p(99) < 300ms'
expect_usage_error "'rps' needs a load run" --pid 1 --threshold 'mem_growth < 5MB/h' --threshold 'rps > 10'
expect_usage_error "'error_rate' needs a load run" --pid 1 --threshold 'cpu < 50% && error_rate < 1%'
expect_usage_error "takes no scope ('main:')" --pid 1 --threshold 'main: cpu < 50%'
expect_usage_error "did you mean 'mem_growth'?" --pid 1 --threshold 'mem_grow < 5MB/h'
expect_usage_error "mem_growth is a growth rate; write e.g. 5MB/h" --pid 1 --threshold 'mem_growth < 5'
expect_usage_error "option --threshold needs a value" --pid 1 --threshold

verdict() { # verdict FILE EXPR: "VERDICT OBSERVED UNIT" of that threshold in the Result
    json "$1" "' '.join(str(x) for x in next((t['verdict'], '%.0f' % t['observed'] if t['observed'] is not None else None, t['unit']) for t in r['thresholds'] if t['expr'] == '$2'))"
}

# A flat process: passes. Its RSS settles during its first second (interpreter start-up),
# so the watch starts after that.
helper flat 10
sleep 1.5
rc=0
"$LOADCELL" monitor -q --no-history --pid "$HELPER_PID" -d 1500ms --interval 100ms \
    --threshold 'mem_growth < 50MB/h' --threshold 'mem_peak < 1GB' -o "$T/flat.json" >"$T/o" 2>"$T/e" || rc=$?
v=$(verdict "$T/flat.json" 'mem_growth < 50MB/h' 2>&1 || true)
if [ $rc = 0 ] && grep -q "^    PASS  mem_growth < 50MB/h  *observed" "$T/o" &&
    grep -q "^    PASS  mem_peak < 1GB  *observed" "$T/o" && [ "${v%% *}" = pass ] &&
    [ "$(json "$T/flat.json" "len(r['thresholds'])")" = 2 ]; then
    ok "flat process: exit 0, $(grep 'PASS  mem_growth' "$T/o" | sed 's/^ *//'); Result: $v"
else
    bad "flat process: exit $rc, Result: $v"
    cat "$T/o" "$T/e"
fi

# A leaking process (10 MB/s): fails, exit 1; the passing threshold next to it still passes.
helper leak 10
rc=0
"$LOADCELL" monitor -q --no-history --pid "$HELPER_PID" -d 1500ms --interval 100ms \
    --threshold 'mem_growth < 50MB/h' --threshold 'mem < 100GB' -o "$T/leak.json" >"$T/o" 2>"$T/e" || rc=$?
v=$(verdict "$T/leak.json" 'mem_growth < 50MB/h' 2>&1 || true)
read -r verd obs unit <<<"$v"
if [ $rc = 1 ] && grep -q "^    FAIL  mem_growth < 50MB/h  *observed" "$T/o" &&
    grep -q "^    PASS  mem < 100GB" "$T/o" && [ "$verd" = fail ] && [ "$unit" = MB/h ] &&
    [ "${obs:-0}" -gt 5000 ] 2>/dev/null; then
    ok "leaking process: exit 1, $(grep 'FAIL  mem_growth' "$T/o" | sed 's/^ *//'); Result: $v"
else
    bad "leaking process: exit $rc, Result: $v"
    cat "$T/o" "$T/e"
fi

# The same with --cmd: the started command leaks, the threshold fails, exit 1.
rc=0
"$LOADCELL" monitor -q --no-history --cmd "exec '$PYTHON' '$MON_LIB_DIR/monitor_mem.py' leak 10" -d 1500ms \
    --interval 100ms --threshold 'mem_growth < 50MB/h' -o "$T/cmd.json" >"$T/o" 2>"$T/e" || rc=$?
v=$(verdict "$T/cmd.json" 'mem_growth < 50MB/h' 2>&1 || true)
if [ $rc = 1 ] && [ "${v%% *}" = fail ] && grep -q "FAIL  mem_growth < 50MB/h" "$T/o"; then
    ok "--cmd leaking: exit 1, Result: $v"
else
    bad "--cmd leaking: exit $rc, Result: $v"
    cat "$T/o" "$T/e"
fi

# Ctrl-C: exit 130, and the thresholds are still judged, printed and written.
helper leak 10
"$LOADCELL" monitor -q --no-history --pid "$HELPER_PID" --interval 100ms \
    --threshold 'mem_growth < 50MB/h' -o "$T/int.json" >"$T/o" 2>"$T/e" &
L=$!
sleep 1
kill -INT $L
rc=0
wait $L || rc=$?
v=$(verdict "$T/int.json" 'mem_growth < 50MB/h' 2>&1 || true)
if [ $rc = 130 ] && [ "${v%% *}" = fail ] && grep -q "FAIL  mem_growth < 50MB/h" "$T/o" &&
    [ "$(json "$T/int.json" "r['partial']")" = True ]; then
    ok "Ctrl-C: exit 130, verdict judged and written: $v"
else
    bad "Ctrl-C: exit $rc, Result: $v"
    cat "$T/o" "$T/e"
fi

# No GPU: a GPU threshold fails with the reason (it never passes silently).
helper flat 10
rc=0
LOADCELL_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1 "$LOADCELL" monitor -q --no-history \
    --pid "$HELPER_PID" -d 300ms --interval 100ms --threshold 'gpu_util < 50%' >"$T/o" 2>"$T/e" || rc=$?
if [ $rc = 1 ] && grep -q "FAIL  gpu_util < 50%  *no data for 'gpu_util' (no GPU series" "$T/o"; then
    ok "no GPU: exit 1, $(grep 'gpu_util' "$T/o" | sed 's/^ *//')"
else
    bad "no GPU: exit $rc"
    cat "$T/o" "$T/e"
fi
exit $fails
