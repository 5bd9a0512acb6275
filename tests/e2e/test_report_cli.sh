#!/usr/bin/env bash
# loadcell report, the command line: Markdown to stdout by default, --html, --markdown [F],
# --csv PREFIX (Locust's headers), missing output folders made, bad input (one line,
# exit 2), an unwritable output (one line naming the path, exit 3), and no temporary file
# left behind.
source "$(dirname "$0")/serve_lib.sh"
trap 'serve_stop || true; rm -rf "$SERVE_TMP"' EXIT
T=$SERVE_TMP
fail() { echo "FAIL: $*" >&2; exit 1; }

expect_exit() { # expect_exit CODE PATTERN ARGS...: exit code and a one-line stderr
    local want=$1 pattern=$2
    shift 2
    local rc=0
    "$LOADCELL" "$@" >"$T/o" 2>"$T/e" || rc=$?
    [ "$rc" = "$want" ] || fail "loadcell $* exited $rc, expected $want: $(cat "$T/e")"
    grep -q -- "$pattern" "$T/e" || fail "loadcell $*: stderr lacks '$pattern': $(cat "$T/e")"
    [ "$(wc -l <"$T/e")" -le 1 ] || fail "loadcell $*: more than one error line: $(cat "$T/e")"
    echo "ok: loadcell $* -> $rc"
}

"$LOADCELL" report --help | grep -q -- "--markdown \[FILE\]" || fail "--help lacks --markdown"
expect_exit 2 "missing the result file" report
expect_exit 2 "unknown option '--pdf'" report --pdf x.json
expect_exit 2 "--html needs a value" report r.json --html
expect_exit 2 "more than one result file" report a.json b.json
expect_exit 2 "$T/none.json" report "$T/none.json"
printf '{"schema": "loadcell.result/1", "kind": ' >"$T/torn.json"
expect_exit 2 "torn.json:1" report "$T/torn.json"
printf '{"schema": "loadcell.result/9"}\n' >"$T/future.json"
expect_exit 2 "version 9 is not supported" report "$T/future.json"

# A real result: 3 s of an open-model run against loadcell serve, with a threshold.
serve_start --listen 127.0.0.1:0 --latency lognormal:5ms,0.5 --error-rate 2% --seed 1
rc=0
"$LOADCELL" http -q -R 200/s -d 3s --warmup 1s --threshold 'p(99) < 1ms' -o "$T/r.json" \
    "$SERVE_URL/" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "the run with a failing threshold exited $rc, expected 1"
serve_stop

# No output option: Markdown on stdout, nothing else.
"$LOADCELL" report "$T/r.json" >"$T/stdout.md" 2>"$T/stderr"
[ ! -s "$T/stderr" ] || fail "report printed to stderr: $(cat "$T/stderr")"
head -n1 "$T/stdout.md" | grep -q '^### .* FAILED — loadcell http: http://127.0.0.1:' ||
    fail "unexpected first line: $(head -n1 "$T/stdout.md")"
grep -q '1 of 1 threshold failed' "$T/stdout.md" || fail "no verdict sentence"
grep -q '| ❌ fail | `p(99) < 1ms` |' "$T/stdout.md" || fail "no threshold row"
grep -q "Threshold 'p(99) < 1ms' failed" "$T/stdout.md" || fail "no threshold finding"
grep -q '^| `GET /` | ' "$T/stdout.md" || fail "no per-request row"
echo "ok: Markdown on stdout"

# Every output at once; Markdown to a file taken after the result.
"$LOADCELL" report "$T/r.json" --html "$T/r.html" --csv "$T/out" --markdown "$T/r.md" \
    --title "Nightly run" 2>"$T/stderr"
for f in r.html r.md out_stats.csv out_history.csv out_failures.csv; do
    [ -s "$T/$f" ] || fail "$f missing or empty"
done
grep -q "HTML report written to $T/r.html" "$T/stderr" || fail "no HTML line: $(cat "$T/stderr")"
head -n1 "$T/r.md" | grep -q 'Nightly run' || fail "--title not used: $(head -n1 "$T/r.md")"
grep -q '<title>Nightly run</title>' "$T/r.html" || fail "--title not in the HTML"
grep -q '<svg class="chart"' "$T/r.html" || fail "no chart in the HTML"
if grep -qE '<script|src=|<link' "$T/r.html"; then fail "the HTML loads something"; fi
[ "$(head -n1 "$T/out_stats.csv" | tr -d '\r')" = "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%" ] ||
    fail "stats header: $(head -n1 "$T/out_stats.csv")"
grep -q '^GET,GET /,' "$T/out_stats.csv" || fail "no GET / row in stats"
grep -q '^,Aggregated,' "$T/out_stats.csv" || fail "no Aggregated row in stats"
head -n1 "$T/out_history.csv" | grep -q '^Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%' ||
    fail "history header: $(head -n1 "$T/out_history.csv")"
# One history row per second of the run (1 s warm-up + 3 s), give or take a partial second.
rows=$(($(wc -l <"$T/out_history.csv") - 1))
[ "$rows" -ge 4 ] && [ "$rows" -le 5 ] || fail "history has $rows rows"
grep -q '^Method,Name,Error,Occurrences' "$T/out_failures.csv" || fail "failures header"
grep -q '^GET,GET /,status_500,' "$T/out_failures.csv" || fail "no status_500 failures row"
# The CSV counts match the result file.
python3 - "$T/r.json" "$T/out_stats.csv" <<'EOF' || fail "CSV figures differ from the result"
import csv, json, sys
r = json.load(open(sys.argv[1]))
rows = {row["Name"]: row for row in csv.DictReader(open(sys.argv[2], newline=""))}
agg, tot = rows["Aggregated"], r["totals"]["stats"]
assert int(agg["Request Count"]) == tot["requests"], (agg, tot["requests"])
assert int(agg["Failure Count"]) == tot["errors"]
assert abs(float(agg["99%"]) - tot["latency"]["p99_ms"]) < 0.002, (agg["99%"], tot["latency"]["p99_ms"])
assert abs(float(agg["Requests/s"]) - tot["rps"]) < 0.01
EOF
echo "ok: HTML, Markdown and CSV files"

# --markdown=F and --markdown - .
"$LOADCELL" report --markdown="$T/eq.md" "$T/r.json" 2>/dev/null
cmp -s "$T/eq.md" "$T/stdout.md" || fail "--markdown=F differs from stdout"
"$LOADCELL" report "$T/r.json" --markdown - >"$T/dash.md" 2>/dev/null
cmp -s "$T/dash.md" "$T/stdout.md" || fail "--markdown - differs from stdout"
echo "ok: --markdown=F and --markdown -"

# Missing folders are made (the example of 'loadcell help report' in a fresh directory).
(cd "$T" && "$LOADCELL" report r.json --csv new/out/run --markdown new/md/summary.md) 2>/dev/null ||
    fail "report into missing folders failed"
for f in new/out/run_stats.csv new/out/run_history.csv new/out/run_failures.csv new/md/summary.md; do
    [ -s "$T/$f" ] || fail "$f not written"
done
echo "ok: missing folders are made"

# Unwritable outputs: exit 3, one line naming the path; nothing half-written.
expect_exit 3 "cannot create the folder '$T/r.json/d': Not a directory" report "$T/r.json" --html "$T/r.json/d/r.html"
expect_exit 3 "cannot create the folder '$T/r.json/d': Not a directory" report "$T/r.json" --csv "$T/r.json/d/p"
expect_exit 3 "is a directory" report "$T/r.json" --markdown "$T"
leftover=$(find "$T" -name '*.tmp.*' | head -n1)
[ -z "$leftover" ] || fail "temporary file left behind: $leftover"
echo "ok: write errors"
echo "PASS"
