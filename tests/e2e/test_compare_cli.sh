#!/usr/bin/env bash
# loadcell compare, the command line, on real result files: bench results (identical ->
# unchanged exit 0; slower -> regressed exit 1; claims held / not held), load results made
# by `loadcell http` against `loadcell serve` (latency shifted 5 ms -> 15 ms -> regressed),
# --json and --markdown outputs, bad input (one line, exit 2), an unwritable output (exit 3),
# and --baseline last|best|ID from the run history.
source "$(dirname "$0")/serve_lib.sh"
trap 'serve_stop || true; rm -rf "$SERVE_TMP"' EXIT
T=$SERVE_TMP
fail() { echo "FAIL: $*" >&2; exit 1; }
export LOADCELL_NO_HISTORY=1

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
json() { # json FILE EXPR: a Python expression over the parsed JSON `d`
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
metric() { # metric FILE SCOPE NAME FIELD
    json "$1" "[m['$4'] for m in d['metrics'] if m['scope']=='$2' and m['metric']=='$3'][0]"
}

"$LOADCELL" compare --help | grep -q -- "--expect CLAIM" || fail "--help lacks --expect"
"$LOADCELL" help | grep -q '^ *compare ' || fail "compare is not in 'loadcell help'"
expect_exit 2 "missing the result files" compare
expect_exit 2 "missing the new result file" compare a.json
expect_exit 2 "more than two result files" compare a.json b.json c.json
expect_exit 2 "unknown option '--pdf'" compare --pdf a.json b.json
expect_exit 2 "expected 'ratio' after 'p99'" compare a.json b.json --expect 'p99 <= 0.5'
expect_exit 2 "--alpha 'x'" compare a.json b.json --alpha x
expect_exit 2 "--alpha '0.7'" compare a.json b.json --alpha 0.7
expect_exit 2 "--tolerance 'lots'" compare a.json b.json --tolerance lots
expect_exit 2 "cannot both go to stdout" compare a.json b.json --markdown --json
expect_exit 2 "--history needs --baseline" compare a.json b.json --history h.db
expect_exit 2 "$T/none.json" compare "$T/none.json" "$T/none.json"

# ---- Bench results -----------------------------------------------------------------------
"$LOADCELL" bench -q -r 12 -n sleep 'sleep 0.01' -o "$T/fast.json" >/dev/null 2>&1 ||
    fail "bench fast"
"$LOADCELL" bench -q -r 12 -n sleep 'sleep 0.06' -o "$T/slow.json" >/dev/null 2>&1 ||
    fail "bench slow"
"$LOADCELL" bench -q -r 3 -n other 'true' -o "$T/other.json" >/dev/null 2>&1 || fail "bench other"

# Identical inputs: unchanged, exit 0.
rc=0
"$LOADCELL" compare "$T/fast.json" "$T/fast.json" >"$T/same.txt" 2>"$T/e" || rc=$?
[ "$rc" = 0 ] || fail "identical bench files exited $rc: $(cat "$T/e")"
grep -q '^verdict: unchanged: 0 regressed, 0 improved' "$T/same.txt" ||
    fail "identical files: $(cat "$T/same.txt")"
echo "ok: identical bench results -> unchanged"

# Slower: regressed, exit 1, with JSON and Markdown files.
rc=0
"$LOADCELL" compare "$T/fast.json" "$T/slow.json" --json "$T/cmp.json" --markdown "$T/cmp.md" \
    >"$T/slow.txt" 2>"$T/e" || rc=$?
[ "$rc" = 1 ] || fail "slower bench exited $rc, expected 1: $(cat "$T/e")"
grep -q '^  mean .* regressed$' "$T/slow.txt" || fail "no regressed mean row: $(cat "$T/slow.txt")"
grep -q "JSON comparison written to $T/cmp.json" "$T/e" || fail "no JSON line: $(cat "$T/e")"
[ "$(json "$T/cmp.json" "d['schema']")" = loadcell.compare/1 ] || fail "schema"
[ "$(json "$T/cmp.json" "d['outcome']")" = regressed ] || fail "JSON outcome"
[ "$(metric "$T/cmp.json" sleep mean verdict)" = regressed ] || fail "JSON mean verdict"
python3 -c "import sys; p=float(sys.argv[1]); sys.exit(0 if p < 0.01 else 1)" \
    "$(metric "$T/cmp.json" sleep mean p_adjusted)" || fail "p not < 0.01"
head -n1 "$T/cmp.md" | grep -q '^### ❌ loadcell compare: regressed' || fail "Markdown heading"
grep -q '| sleep | mean | .*❌ \*\*regressed\*\* |' "$T/cmp.md" || fail "Markdown row"
echo "ok: slower bench -> regressed, exit 1, JSON and Markdown"

# The other way round with claims: a speedup of ~3x (held at >= 2, not held at >= 20).
rc=0
"$LOADCELL" compare "$T/slow.json" "$T/fast.json" --expect 'speedup >= 2' \
    --expect 'sleep: mem_peak ratio <= 1.5' --json - >"$T/claims.json" 2>"$T/e" || rc=$?
[ "$rc" = 0 ] || fail "faster bench with held claims exited $rc: $(cat "$T/e") $(cat "$T/claims.json")"
[ "$(json "$T/claims.json" "[c['held'] for c in d['claims']]")" = "[True, True]" ] ||
    fail "claims not held: $(cat "$T/claims.json")"
[ "$(metric "$T/claims.json" sleep mean verdict)" = improved ] || fail "not improved"
rc=0
"$LOADCELL" compare "$T/slow.json" "$T/fast.json" --expect 'speedup >= 20' >"$T/o" 2>"$T/e" || rc=$?
[ "$rc" = 1 ] || fail "a claim not held exited $rc: $(cat "$T/e")"
grep -q 'NOT HELD  speedup >= 20: ' "$T/o" || fail "claim line: $(cat "$T/o")"
echo "ok: claims held and not held"

# Markdown on stdout replaces the table.
"$LOADCELL" compare "$T/fast.json" "$T/fast.json" --markdown >"$T/md" 2>"$T/e"
head -n1 "$T/md" | grep -q '^### ➖ loadcell compare: unchanged' || fail "stdout Markdown: $(head -n1 "$T/md")"

expect_exit 2 "no command in common" compare "$T/fast.json" "$T/other.json"
expect_exit 3 "$T/nodir/c.json" compare "$T/fast.json" "$T/fast.json" --json "$T/nodir/c.json"

# ---- Load results against loadcell serve --------------------------------------------------
serve_start --listen 127.0.0.1:0 --latency normal:5ms,0.2ms --seed 1
"$LOADCELL" http -q -R 100/s -d 2s --warmup 500ms -o "$T/h5.json" "$SERVE_URL/" >/dev/null 2>&1 ||
    fail "http run at 5 ms"
serve_stop
serve_start --listen 127.0.0.1:0 --latency normal:15ms,0.2ms --seed 1
"$LOADCELL" http -q -R 100/s -d 2s --warmup 500ms -o "$T/h15.json" "$SERVE_URL/" >/dev/null 2>&1 ||
    fail "http run at 15 ms"
serve_stop

rc=0
"$LOADCELL" compare "$T/h5.json" "$T/h5.json" >"$T/o" 2>"$T/e" || rc=$?
[ "$rc" = 0 ] || fail "identical load files exited $rc: $(cat "$T/e") $(cat "$T/o")"
echo "ok: identical load results -> exit 0"
rc=0
"$LOADCELL" compare "$T/h5.json" "$T/h15.json" --expect 'p50 ratio >= 2' --json "$T/l.json" \
    >"$T/o" 2>"$T/e" || rc=$?
[ "$rc" = 1 ] || fail "slower load exited $rc, expected 1: $(cat "$T/e")"
[ "$(metric "$T/l.json" "" p50 verdict)" = regressed ] || fail "p50 not regressed: $(cat "$T/o")"
[ "$(metric "$T/l.json" "GET /" p50 verdict)" = regressed ] || fail "GET / p50 not regressed"
[ "$(metric "$T/l.json" "" p50 test)" = "mann-whitney (histograms)" ] || fail "p50 test"
[ "$(json "$T/l.json" "d['claims'][0]['held']")" = True ] || fail "p50 ratio >= 2 not held"
python3 -c "import sys; lo=float(sys.argv[1]); sys.exit(0 if 2.5 < lo < 3.2 else 1)" \
    "$(metric "$T/l.json" "" p50 ratio_ci | python3 -c 'import ast,sys; print(ast.literal_eval(sys.stdin.read())["lo"])')" ||
    fail "p50 ratio interval not near 3: $(metric "$T/l.json" "" p50 ratio_ci)"
echo "ok: 5 ms -> 15 ms: p50 regressed, exit 1, claim held"
expect_exit 2 "different kinds (baseline: http, new: bench)" compare "$T/h5.json" "$T/fast.json"

# ---- Baselines from the run history --------------------------------------------------------
unset LOADCELL_NO_HISTORY
H=$T/hist.db
"$LOADCELL" bench -q -r 10 -n sleep 'sleep 0.01' --history "$H" -o "$T/r1.json" >/dev/null 2>&1 ||
    fail "bench r1"
"$LOADCELL" bench -q -r 10 -n sleep 'sleep 0.06' --history "$H" -o "$T/r2.json" >/dev/null 2>&1 ||
    fail "bench r2"
rc=0
"$LOADCELL" compare --baseline last "$T/r2.json" --history "$H" >"$T/o" 2>"$T/e" || rc=$?
[ "$rc" = 1 ] || fail "--baseline last exited $rc: $(cat "$T/e")"
grep -q "history run 1 ($H) (baseline) vs $T/r2.json" "$T/o" || fail "baseline label: $(head -n1 "$T/o")"
rc=0
"$LOADCELL" compare --baseline best "$T/r2.json" --history "$H" >"$T/o" 2>"$T/e" || rc=$?
[ "$rc" = 1 ] || fail "--baseline best exited $rc: $(cat "$T/e")"
rc=0
"$LOADCELL" compare --baseline 2 "$T/r2.json" --history "$H" >"$T/o" 2>"$T/e" || rc=$?
[ "$rc" = 0 ] || fail "--baseline 2 (itself) exited $rc: $(cat "$T/e")"
expect_exit 2 "no run with id 99" compare --baseline 99 "$T/r2.json" --history "$H"
expect_exit 2 "no run history at '$T/none.db'" compare --baseline last "$T/r2.json" \
    --history "$T/none.db"
expect_exit 2 "with --baseline, give only the new result file" compare --baseline last a.json b.json
echo "ok: --baseline last, best and an id"
echo "all compare checks passed"
