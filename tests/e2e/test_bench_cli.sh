#!/usr/bin/env bash
# loadcell bench, the command line: --help, bad flags (exit 2, one line), a failing
# command (exit 3 with its exit code and last stderr lines), --ignore-failure, the
# Result JSON (kind bench, one entry per command x scan point, params, runs,
# metrics from $LOADCELL_METRICS and --derive), thresholds (exit 1) and helpers.
set -euo pipefail
: "${LOADCELL:?set LOADCELL to the loadcell binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() {
    echo "FAIL $*"
    fails=1
}
json() { # json FILE EXPR: print a Python expression over the parsed Result `r`
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

help=$("$LOADCELL" bench --help)
for word in --warmup --runs --min-runs --max-runs --prepare --cleanup --setup --conclude \
    --no-shell --shell --ignore-failure --input --output --command-name --scan --artifact \
    --derive --project --threshold --result LOADCELL_METRICS; do
    case "$help" in
    *"$word"*) ;;
    *) bad "--help does not mention $word" ;;
    esac
done
[ $fails = 0 ] && ok "--help lists every flag"

expect_usage_error() { # expect_usage_error WHAT_STDERR_SAYS ARGS...
    local says=$1 rc=0
    shift
    "$LOADCELL" bench "$@" >"$T/o" 2>"$T/e" || rc=$?
    if [ "$rc" = 2 ] && [ "$(wc -l <"$T/e")" = 1 ] && grep -q -- "$says" "$T/e" && [ ! -s "$T/o" ]; then
        ok "bench $*: exit 2, $(cat "$T/e")"
    else
        bad "bench $*: exit $rc, wanted 2 and one line saying '$says':"
        cat "$T/e" "$T/o"
    fi
}
expect_usage_error "no command given"
expect_usage_error "unknown option '--bogus'" --bogus true
expect_usage_error "needs a value" true --runs
expect_usage_error "--runs must be a whole number" -r 0 true
expect_usage_error "--warmup must be a whole number" -w x true
expect_usage_error "drop --min-runs" -r 3 -m 2 true
expect_usage_error "is above --max-runs" -m 5 -M 2 true
expect_usage_error "expected NAME=V1" --scan n true
expect_usage_error "must not go down" --scan n=10..1 'echo {n}'
expect_usage_error "no command mentions {n}" --scan n=1,2 true
expect_usage_error "is given twice" --scan n=1 --scan n=2 'echo {n}'
expect_usage_error "expected NAME = EXPRESSION" --derive cost true
expect_usage_error "expression" --derive 'cost = tokens *' true
expect_usage_error "--project 'm=5'" --scan n=1,2 --project m=5 'echo {n}'
expect_usage_error "--timeout" --timeout 5 true
expect_usage_error "one per command" -p true -p true -p true a b
expect_usage_error "names (-n) for" -n a -n b true
expect_usage_error "--input" --input /nonexistent/file true
expect_usage_error "col" --threshold 'mean 2s' true

# A failing command: exit 3, the exit code and its last stderr lines.
rc=0
"$LOADCELL" bench -q -N -r 5 "sh -c 'echo first-line >&2; echo the-real-problem >&2; exit 7'" \
    -o "$T/fail.json" >"$T/o" 2>"$T/e" || rc=$?
if [ $rc = 3 ] && grep -q "exit code 7" "$T/e" && grep -q "the-real-problem" "$T/e" &&
    grep -q -- "--ignore-failure" "$T/e"; then
    ok "failing command: exit 3, $(head -1 "$T/e")"
else
    bad "failing command: exit $rc"
    cat "$T/e"
fi
# ... and its partial result is still written.
[ "$(json "$T/fail.json" "(r['partial'], r['bench']['commands'][0]['runs'][0]['exit_code'])")" = "(True, 7)" ] &&
    ok "the partial result names the failed run" || bad "partial result: $(json "$T/fail.json" r)"
rc=0
"$LOADCELL" bench -q -N -r 3 -i "sh -c 'exit 7'" >"$T/o" 2>"$T/e" || rc=$?
[ $rc = 0 ] && grep -q "3 of 3 runs failed" "$T/o" && ok "--ignore-failure: exit 0 and a warning" ||
    { bad "--ignore-failure: exit $rc"; cat "$T/o" "$T/e"; }
rc=0
"$LOADCELL" bench -q -N -r 1 loadcell-no-such-program >"$T/o" 2>"$T/e" || rc=$?
[ $rc = 3 ] && grep -q "loadcell-no-such-program" "$T/e" && ok "missing program: exit 3" ||
    { bad "missing program: exit $rc"; cat "$T/e"; }

# The Result: two commands x three scan points, metrics and a derived metric.
cat >"$T/tool.sh" <<'EOF'
#!/bin/sh
# Reports its own metrics, like a pipeline stage counting tokens.
n=$1
head -c "$n" /dev/zero >"$2"
echo "tokens=$((n * 3)) tok" >>"$LOADCELL_METRICS"
echo "# a comment" >>"$LOADCELL_METRICS"
echo "items=$n" >>"$LOADCELL_METRICS"
EOF
chmod +x "$T/tool.sh"
"$LOADCELL" bench -q -N -r 3 -w 1 --scan n=100..400:x2 -n slow -n fast \
    --derive 'cost[USD] = tokens * 0.5 / 1000' --artifact "$T/out-{n}" \
    --threshold 'cost < 1' -o "$T/r.json" \
    "$T/tool.sh {n} $T/out-{n}" "$T/tool.sh {n} $T/out-{n}" >"$T/out.txt" 2>"$T/err.txt"
checks=(
    "r['kind'] == 'bench'"
    "len(r['bench']['commands']) == 6"
    "[c['name'] for c in r['bench']['commands']] == ['slow'] * 3 + ['fast'] * 3"
    "[c['params']['n'] for c in r['bench']['commands']] == ['100', '200', '400'] * 2"
    "all('{n}' not in c['command'] for c in r['bench']['commands'])"
    "all(len(c['runs']) == 3 for c in r['bench']['commands'])"
    "all(run['artifact_bytes'] == int(c['params']['n']) for c in r['bench']['commands'] for run in c['runs'])"
    "all({m['name']: m['value'] for m in run['metrics']}['tokens'] == 3 * int(c['params']['n']) for c in r['bench']['commands'] for run in c['runs'])"
    "all(abs({m['name']: m['value'] for m in run['metrics']}['cost'] - 1.5 * int(c['params']['n']) / 1000) < 1e-9 for c in r['bench']['commands'] for run in c['runs'])"
    "all({m['name']: m['unit'] for m in run['metrics']}['cost'] == 'USD' for c in r['bench']['commands'] for run in c['runs'])"
    "all(run['wall_ns'] > 0 and run['max_rss_bytes'] > 0 and run['exit_code'] == 0 for c in r['bench']['commands'] for run in c['runs'])"
    "r['thresholds'][0]['verdict'] == 'pass' and r['partial'] is False"
    "r['command_line'][1] == 'bench'"
)
for c in "${checks[@]}"; do
    [ "$(json "$T/r.json" "$c")" = True ] && ok "result: $c" || bad "result: $c"
done
for s in "Benchmark 6/6: fast" "Summary (at n=400)" "Scaling of 'slow' in n" "tokens" \
    "cost:" "Artifact:" "efficiency" "PASS  cost < 1"; do
    grep -qF "$s" "$T/out.txt" && ok "summary shows '$s'" || { bad "summary lacks '$s'"; cat "$T/out.txt"; }
done

# A failed threshold: exit 1, the result still written.
rc=0
"$LOADCELL" bench -q -N -r 2 --threshold 'mean < 1us' -o "$T/th.json" 'sleep 0.01' >"$T/o" 2>&1 || rc=$?
[ $rc = 1 ] && grep -q "FAIL  mean < 1us" "$T/o" && [ "$(json "$T/th.json" "r['thresholds'][0]['verdict']")" = fail ] &&
    ok "failed threshold: exit 1" || { bad "failed threshold: exit $rc"; cat "$T/o"; }

# Helpers run in order: setup, (prepare, command, conclude) per run, cleanup.
"$LOADCELL" bench -q -N -r 2 -s "sh -c 'echo S >>$T/log'" -p "sh -c 'echo P >>$T/log'" \
    -C "sh -c 'echo C >>$T/log'" -c "sh -c 'echo K >>$T/log'" "sh -c 'echo R >>$T/log'" >/dev/null 2>&1
[ "$(tr -d '\n' <"$T/log")" = SPRCPRCK ] && ok "setup/prepare/conclude/cleanup order" ||
    bad "helper order: $(tr -d '\n' <"$T/log")"

# --input feeds stdin; --output FILE collects stdout; the shell by default.
printf 'abc\n' >"$T/in.txt"
"$LOADCELL" bench -q -r 2 --input "$T/in.txt" --output "$T/stdout.txt" 'cat; echo $((1+1))' >/dev/null 2>&1
[ "$(cat "$T/stdout.txt")" = "$(printf 'abc\n2\nabc\n2')" ] && ok "--input and --output FILE" ||
    bad "--input/--output: $(cat "$T/stdout.txt")"

# --monitor: the commands' memory shows in the sut.* series (a 40 MB allocation).
"$LOADCELL" bench -q -r 2 --monitor -o "$T/mon.json" \
    "python3 -c 'x = bytearray(40_000_000); import time; time.sleep(0.3)'" >/dev/null 2>&1
peak=$(json "$T/mon.json" "max(max(x['values']) for x in r['resources'] if x['name'] == 'sut.rss_bytes')")
python3 -c "import sys; sys.exit(0 if float('$peak') > 40e6 else 1)" && ok "--monitor sees the command's memory ($peak bytes)" ||
    bad "--monitor: peak sut.rss_bytes $peak"

exit $fails
