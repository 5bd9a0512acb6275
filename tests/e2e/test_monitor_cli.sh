#!/usr/bin/env bash
# loadcell monitor, the command line: --help, bad flags (exit 2, one line), a pid
# that does not exist (exit 3), gpu required without NVML (exit 3, the message),
# the Result JSON (kind monitor, series names, times), Ctrl-C (exit 130, partial
# result written), a process that exits during the watch, and --cmd: ready,
# never ready (its last stderr lines) and exits early (its exit code).
source "$(dirname "$0")/monitor_lib.sh"
T=$MON_TMP

help=$("$LOADCELL" monitor --help)
for word in --pid --cmd --ready --ready-timeout --duration --interval --gpu --result --quiet; do
    case "$help" in
    *"$word"*) ;;
    *) bad "--help does not mention $word" ;;
    esac
done
[ $fails = 0 ] && ok "--help lists every flag"

expect_usage_error() { # expect_usage_error WHAT_STDERR_SAYS ARGS...
    local says=$1 rc=0
    shift
    "$LOADCELL" monitor "$@" >"$T/o" 2>"$T/e" || rc=$?
    if [ "$rc" = 2 ] && [ "$(wc -l <"$T/e")" = 1 ] && grep -q -- "$says" "$T/e" && [ ! -s "$T/o" ]; then
        ok "monitor $*: exit 2, $(cat "$T/e")"
    else
        bad "monitor $*: exit $rc, wanted 2 and one line saying '$says':"
        cat "$T/e" "$T/o"
    fi
}
expect_usage_error "give --pid PID or --cmd CMD"
expect_usage_error "unknown option '--bogus'" --pid 1 --bogus
expect_usage_error "needs a value" --pid
expect_usage_error "--pid 'abc': expected a process id" --pid abc
expect_usage_error "--pid '0'" --pid 0
expect_usage_error "not both" --pid 1 --cmd true
expect_usage_error "--ready needs --cmd" --pid 1 --ready http://127.0.0.1:1/
expect_usage_error "--interval '5ms': must be from 10ms to 1h" --pid 1 --interval 5ms
expect_usage_error "--interval 'fast'" --pid 1 --interval fast
expect_usage_error "--duration '0'" --pid 1 -d 0
expect_usage_error "--gpu 'maybe': expected auto, required or off" --pid 1 --gpu maybe
expect_usage_error "unexpected argument 'extra'" --pid 1 extra

# A pid that does not exist: exit 3, one clear line.
rc=0
"$LOADCELL" monitor --pid 2147483000 -d 1s >"$T/o" 2>"$T/e" || rc=$?
if [ $rc = 3 ] && grep -qx "loadcell: no process with pid 2147483000" "$T/e"; then
    ok "nonexistent pid: exit 3, $(cat "$T/e")"
else
    bad "nonexistent pid: exit $rc: $(cat "$T/e")"
fi

# gpu required, without NVML (a library path that does not exist stands for a machine
# without the driver, so this also holds where NVML is installed).
rc=0
LOADCELL_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1 \
    "$LOADCELL" monitor --pid $$ -d 1s --gpu required >"$T/o" 2>"$T/e" || rc=$?
want="loadcell: gpu: required, but NVML (/nonexistent/libnvidia-ml.so.1) could not be loaded: "
if [ $rc = 3 ] && [ "$(head -c ${#want} "$T/e")" = "$want" ] && grep -q "No such file" "$T/e"; then
    ok "gpu required without NVML: exit 3, $(cat "$T/e")"
else
    bad "gpu required without NVML: exit $rc: $(cat "$T/e")"
fi
# And the default library name, on a machine without NVML.
if ! ldconfig -p 2>/dev/null | grep -q libnvidia-ml.so.1; then
    rc=0
    "$LOADCELL" monitor --pid $$ -d 1s --gpu required >"$T/o" 2>"$T/e" || rc=$?
    if [ $rc = 3 ] && grep -q "gpu: required, but NVML (libnvidia-ml.so.1) could not be loaded: libnvidia-ml.so.1: cannot open shared object file" "$T/e"; then
        ok "gpu required, default library: $(cat "$T/e")"
    else
        bad "gpu required, default library: exit $rc: $(cat "$T/e")"
    fi
fi

# The Result JSON of a 1 s watch at 100 ms: kind, name, series, units, times.
helper flat 10
rc=0
"$LOADCELL" monitor --pid "$HELPER_PID" -d 1s --interval 100ms -o "$T/r.json" >"$T/o" 2>"$T/e" || rc=$?
if [ $rc = 0 ] && [ -s "$T/r.json" ]; then
    ok "1 s watch: exit 0, result written"
else
    bad "1 s watch: exit $rc"
    cat "$T/e" "$T/o"
fi
check() { # check EXPR TEXT: a Python condition over the result
    if [ "$(json "$T/r.json" "$1")" = True ]; then ok "$2"; else bad "$2: $1 is not True"; fi
}
check "r['kind'] == 'monitor' and r['name'] == 'pid $HELPER_PID (python3)'" "kind monitor, named by pid and command"
check "all(has(n) for n in ['sut.cpu_percent', 'sut.cpu_user_percent', 'sut.cpu_sys_percent', 'sut.rss_bytes', 'sut.threads', 'sut.fds', 'sut.processes', 'sut.read_bytes_per_s', 'sut.write_bytes_per_s', 'sut.ctx_switches_per_s', 'host.cpu_percent', 'host.cpu0_percent', 'host.mem_used_bytes', 'host.mem_available_bytes', 'host.load1', 'host.net.lo.rx_bytes_per_s', 'host.net.lo.tx_bytes_per_s', 'host.net.lo.rx_packets_per_s', 'host.net.lo.tx_packets_per_s', 'host.tcp_retrans_per_s', 'gen.cpu_percent'])" "every documented series is there"
check "not any(x['name'].startswith('gpu') for x in r['resources'])" "no GPU series without NVML"
check "res('sut.rss_bytes')['unit'] == 'bytes' and res('sut.cpu_percent')['unit'] == '%' and res('sut.threads')['unit'] is None" "units"
check "8 <= len(series('sut.rss_bytes')) <= 12 and len(series('sut.cpu_percent')) == len(series('sut.rss_bytes')) - 1" "about 11 samples of levels, one fewer of rates"
check "all(0.05 < b - a < 1.0 for a, b in zip(times('sut.rss_bytes'), times('sut.rss_bytes')[1:])) and 0 <= times('sut.rss_bytes')[0] < 0.2" "samples on a 100 ms grid from t = 0"
check "set(series('sut.processes')) == {1} and set(series('sut.threads')) == {1} and min(series('sut.rss_bytes')) > 1e6" "levels of the helper"
check "0.9 < r['duration_ns'] / 1e9 < 2.5 and r['partial'] is False and r['warnings'] == []" "duration, not partial, no warnings"
grep -Eq "^Monitored pid $HELPER_PID \(python3\) for [12]\.[0-9]s: ([89]|1[0-2]) samples, every 100ms" "$T/o" && ok "summary first line: $(head -1 "$T/o")" || bad "summary: $(head -3 "$T/o")"
grep -q "memory growth   no leak" "$T/o" && ok "no leak verdict for an idle process" || bad "verdict: $(cat "$T/o")"

# Ctrl-C: exit 130, the partial result is written. A fresh helper: the checks above can take
# longer than the first one lives on a busy machine.
helper flat 10
"$LOADCELL" monitor --pid "$HELPER_PID" --interval 100ms -o "$T/int.json" >"$T/o" 2>"$T/e" &
L=$!
sleep 0.8
kill -INT $L
rc=0
wait $L || rc=$?
if [ $rc = 130 ] && [ "$(json "$T/int.json" "r['partial'] and r['stop_reason'] == 'interrupted' and len(series('sut.rss_bytes')) >= 4")" = True ]; then
    ok "Ctrl-C: exit 130, partial result written"
else
    bad "Ctrl-C: exit $rc"
    cat "$T/e"
fi

# SIGTERM (a service manager, `timeout`) as Ctrl-C: exit 130, the partial result written; a
# --cmd target is stopped with it.
"$LOADCELL" monitor --cmd "sleep 30" --interval 100ms -o "$T/term.json" >"$T/o" 2>"$T/e" &
L=$!
sleep 0.8
kill -TERM $L
rc=0
wait $L || rc=$?
if [ $rc = 130 ] && [ "$(json "$T/term.json" "r['partial'] and r['stop_reason'] == 'interrupted' and len(series('sut.rss_bytes')) >= 4")" = True ] &&
    grep -q "^Monitored 'sleep 30'" "$T/o"; then
    ok "SIGTERM: exit 130, summary and partial result written"
else
    bad "SIGTERM: exit $rc"
    cat "$T/e"
fi
cmd_pid=$(json "$T/term.json" "r['name'].split('pid ')[1].rstrip(')')" 2>/dev/null || echo 0)
if [ "$cmd_pid" -gt 0 ] 2>/dev/null && ! kill -0 "$cmd_pid" 2>/dev/null; then
    ok "SIGTERM: the --cmd target (pid $cmd_pid) was stopped"
else
    bad "SIGTERM: the --cmd target '$cmd_pid' is still running"
    kill -9 "$cmd_pid" 2>/dev/null || true
fi

# The watched process exits: the watch ends with it (exit 0) and says so.
helper flat 0.6
rc=0
"$LOADCELL" monitor --pid "$HELPER_PID" --interval 100ms -o "$T/exit.json" >"$T/o" 2>"$T/e" || rc=$?
if [ $rc = 0 ] && grep -q "the process exited during the watch" "$T/o" &&
    [ "$(json "$T/exit.json" "'exited at' in r['warnings'][0] and r['duration_ns'] < 3e9")" = True ]; then
    ok "process exit ends the watch: $(json "$T/exit.json" "r['warnings'][0]")"
else
    bad "process exit: exit $rc"
    cat "$T/o" "$T/e"
fi

# --cmd: started, watched, stopped; the tree includes the shell's child.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rc=0
"$LOADCELL" monitor --cmd "python3 -m http.server $port --bind 127.0.0.1" --ready "http://127.0.0.1:$port/" \
    -d 1s --interval 200ms -o "$T/cmd.json" >"$T/o" 2>"$T/e" || rc=$?
if [ $rc = 0 ] && [ "$(json "$T/cmd.json" "max(series('sut.rss_bytes')) > 5e6 and r['name'].startswith(\"'python3 -m http.server\")")" = True ]; then
    ok "--cmd with --ready: watched, exit 0"
else
    bad "--cmd with --ready: exit $rc"
    cat "$T/o" "$T/e"
fi
if python3 -c "import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(('127.0.0.1',$port)) else 1)"; then
    ok "--cmd: the server was stopped at the end"
else
    bad "--cmd: the server still answers on port $port"
fi

# --cmd that never becomes ready: exit 3, the URL, the reason and its last stderr lines.
rc=0
"$LOADCELL" monitor --cmd "echo 'listening on the wrong port' >&2; sleep 20" --ready "http://127.0.0.1:$port/health" \
    --ready-timeout 700ms >"$T/o" 2>"$T/e" || rc=$?
if [ $rc = 3 ] && grep -q "did not answer http://127.0.0.1:$port/health with 2xx within 700ms" "$T/e" &&
    grep -q "Connection refused" "$T/e" && grep -qx "  | listening on the wrong port" "$T/e"; then
    ok "--cmd never ready: exit 3: $(head -1 "$T/e")"
else
    bad "--cmd never ready: exit $rc"
    cat "$T/e"
fi
# --cmd that exits before it is ready: exit 3 with its exit code and last stderr lines.
rc=0
"$LOADCELL" monitor --cmd "echo 'error: no such model' >&2; exit 7" --ready "http://127.0.0.1:$port/" \
    >"$T/o" 2>"$T/e" || rc=$?
if [ $rc = 3 ] && grep -q "exited with status 7 before it answered" "$T/e" && grep -qx "  | error: no such model" "$T/e"; then
    ok "--cmd exits early: exit 3: $(head -1 "$T/e")"
else
    bad "--cmd exits early: exit $rc"
    cat "$T/e"
fi
# --cmd without --ready that fails: exit 3 with its status and stderr (whether it was gone
# before the first sample or not), never "no process with pid".
rc=0
"$LOADCELL" monitor --cmd "echo 'python3: cannot open file app.py' >&2; exit 2" -d 2s >"$T/o" 2>"$T/e" || rc=$?
if [ $rc = 3 ] && grep -Eq "exited (at once )?with status 2" "$T/e" && grep -qx "  | python3: cannot open file app.py" "$T/e"; then
    ok "--cmd dies at once: exit 3: $(head -1 "$T/e")"
else
    bad "--cmd dies at once: exit $rc"
    cat "$T/e"
fi
# A failure some time into the watch: the summary, then exit 3 with its status and stderr.
rc=0
"$LOADCELL" monitor --cmd "sleep 0.4; echo 'killed: out of memory' >&2; exit 9" --interval 100ms -o "$T/late.json" \
    >"$T/o" 2>"$T/e" || rc=$?
if [ $rc = 3 ] && grep -q "exited with status 9 during the watch" "$T/e" && grep -qx "  | killed: out of memory" "$T/e" &&
    grep -q "^Monitored" "$T/o" && [ "$(json "$T/late.json" "'the started command exited by itself with status 9' in r['warnings']")" = True ]; then
    ok "--cmd fails during the watch: summary, result, exit 3: $(grep 'during the watch' "$T/e")"
else
    bad "--cmd fails during the watch: exit $rc"
    cat "$T/o" "$T/e"
fi
exit $fails
