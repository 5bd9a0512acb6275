#!/usr/bin/env bash
# Run history: http, bench and monitor record every run in .loadcell/history.db (two
# loadcell processes recording at once lose nothing); `history` lists and filters them
# with a trend; `baseline set` marks one; --no-history and LOADCELL_NO_HISTORY=1 turn
# recording off; a damaged database is one warning, and the result file is still written.
source "$(dirname "$0")/serve_lib.sh"
trap 'serve_stop || true; rm -rf "$SERVE_TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
W=$SERVE_TMP/work
mkdir -p "$W"
cd "$W"
unset LOADCELL_NO_HISTORY
rows() { # rows DB [WHERE]: how many runs the database holds
    python3 - "$1" "${2:-1}" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
print(db.execute("SELECT count(*) FROM runs WHERE " + sys.argv[2]).fetchone()[0])
EOF
}

for cmd in http run bench monitor; do
    "$LOADCELL" help "$cmd" | grep -q -- "--no-history" || fail "help $cmd lacks --no-history"
    "$LOADCELL" help "$cmd" | grep -q -- "--history PATH" || fail "help $cmd lacks --history"
done
"$LOADCELL" help history | grep -q "sparkline" || fail "help history"
"$LOADCELL" help baseline | grep -q "baseline set ID" || fail "help baseline"
echo "ok: help lists the flags and both commands"

out=$("$LOADCELL" history)
case "$out" in *"no runs recorded"*) ;; *) fail "empty history: $out" ;; esac
[ ! -e .loadcell ] || fail "listing an absent history created it"
echo "ok: an absent history lists as empty and is not created"

serve_start --listen 127.0.0.1:0 --latency fixed:1ms
URL="$SERVE_URL/"

# Two load runs and two benchmarks recording into the same database at once.
"$LOADCELL" http -q -c 2 -t 1 -d 1s -o a.json "$URL" >/dev/null 2>a.err &
p1=$!
"$LOADCELL" http -q -c 2 -t 1 -d 1s "$URL" --threshold 'error_rate < 1%' >/dev/null 2>b.err &
p2=$!
"$LOADCELL" bench -q -r 5 -n nap 'sleep 0.01' >/dev/null 2>c.err &
p3=$!
"$LOADCELL" bench -q -r 5 -n nap 'sleep 0.02' >/dev/null 2>d.err &
p4=$!
for p in $p1 $p2 $p3 $p4; do wait "$p" || fail "a concurrent run failed: $(cat ./*.err)"; done
n=$(rows .loadcell/history.db)
[ "$n" = 4 ] || fail "expected 4 recorded runs, found $n: $(cat ./*.err)"
grep -q "recorded as run [0-9]* in .loadcell/history.db" a.err || fail "no 'recorded' line: $(cat a.err)"
echo "ok: 4 concurrent runs (2 http, 2 bench) all recorded"

# The stored JSON is the Result: it parses and matches the -o file's figures.
python3 - .loadcell/history.db a.json <<'EOF' || fail "stored JSON differs from a.json"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
f = json.load(open(sys.argv[2]))
rows = [json.loads(t) for (t,) in db.execute("SELECT result_json FROM runs WHERE kind='http'")]
assert any(r == f for r in rows), "no identical run"
EOF
echo "ok: the stored Result JSON equals the result file"

# Listing and filters.
out=$("$LOADCELL" history)
echo "$out"
[ "$(echo "$out" | grep -c " http ")" = 2 ] || fail "history lacks the 2 http runs"
[ "$(echo "$out" | grep -c " bench ")" = 2 ] || fail "history lacks the 2 bench runs"
echo "$out" | grep -q "pass" || fail "the threshold verdict is not shown"
out=$("$LOADCELL" history nap)
[ "$(echo "$out" | grep -c " nap ")" = 2 ] && ! echo "$out" | grep -q " http " ||
    fail "history nap: $out"
echo "$out" | grep -q "trend of mean" || fail "no trend line: $out"
out=$("$LOADCELL" history "$URL")
[ "$(echo "$out" | grep -c " http ")" = 2 ] || fail "history URL: $out"
echo "$out" | grep -q "trend of p99" || fail "no p99 trend: $out"
out=$("$LOADCELL" history --kind bench -n 1)
[ "$(echo "$out" | grep -c " nap ")" = 1 ] || fail "--kind bench -n 1: $out"
rc=0
"$LOADCELL" history nosuchname >o 2>e || rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <e)" = 1 ] && grep -q "no runs named 'nosuchname'" e &&
    grep -q "nap" e || fail "unknown name: rc $rc, $(cat e)"
echo "ok: list, NAME, --kind, -n and an unknown name"

# Baselines.
id=$(python3 -c 'import sqlite3; print(sqlite3.connect(".loadcell/history.db").execute("SELECT min(id) FROM runs WHERE name=\"nap\"").fetchone()[0])')
"$LOADCELL" baseline set "$id" | grep -q "run $id is now the baseline of 'nap'" || fail "baseline set"
"$LOADCELL" history nap | grep -Eq "^ +$id\* " || fail "the baseline is not marked"
[ "$(rows .loadcell/history.db 'baseline != 0')" = 1 ] || fail "more than one baseline"
rc=0
"$LOADCELL" baseline set 9999 >o 2>e || rc=$?
[ "$rc" = 2 ] && grep -q "no run with id 9999" e || fail "baseline set 9999: rc $rc $(cat e)"
rc=0
"$LOADCELL" baseline set abc >o 2>e || rc=$?
[ "$rc" = 2 ] && grep -q "'abc' is not a run id" e || fail "baseline set abc: rc $rc $(cat e)"
"$LOADCELL" baseline clear nap | grep -q "no baseline now" || fail "baseline clear"
echo "ok: baseline set, clear and bad ids"

# Recording off.
"$LOADCELL" bench -q -r 2 --no-history true >/dev/null 2>e || fail "bench --no-history"
LOADCELL_NO_HISTORY=1 "$LOADCELL" http -q -c 1 -t 1 -n 20 "$URL" >/dev/null 2>e || fail "http with LOADCELL_NO_HISTORY"
! grep -q recorded e || fail "LOADCELL_NO_HISTORY=1 still recorded"
[ "$(rows .loadcell/history.db)" = 4 ] || fail "--no-history / LOADCELL_NO_HISTORY recorded a run"
echo "ok: --no-history and LOADCELL_NO_HISTORY=1 record nothing"

# --history PATH in folders that do not exist yet; monitor records too.
"$LOADCELL" monitor -q --cmd 'sleep 5' -d 500ms -i 100ms --history deep/er/h.db >/dev/null 2>e ||
    fail "monitor --history: $(cat e)"
[ "$(rows deep/er/h.db "kind='monitor'")" = 1 ] || fail "monitor run not recorded in deep/er/h.db"
"$LOADCELL" history --history deep/er/h.db | grep -q " monitor " || fail "history --history"
echo "ok: --history PATH makes its folders; monitor records"

# A damaged database: the run still succeeds and writes its result; one warning names the fix.
printf 'not a database at all, just some text that is long enough\n' >bad.db
rc=0
"$LOADCELL" http -q -c 1 -t 1 -n 20 -o r.json --history bad.db "$URL" >/dev/null 2>e || rc=$?
[ "$rc" = 0 ] || fail "a damaged history changed the exit code to $rc: $(cat e)"
[ -s r.json ] || fail "the result file was not written"
grep -q "warning: run not recorded in history: history database 'bad.db' is damaged" e &&
    grep -q "move it away" e || fail "no clear warning: $(cat e)"
rc=0
"$LOADCELL" history --history bad.db >o 2>e || rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <e)" = 1 ] && grep -q "move it away" e || fail "history of bad.db: rc $rc $(cat e)"
rc=0
"$LOADCELL" history --history nothere.db >o 2>e || rc=$?
[ "$rc" = 2 ] && grep -q "no history database at 'nothere.db'" e || fail "missing --history: rc $rc $(cat e)"
echo "ok: a damaged database is a warning; the result is written; history says how to fix it"
# `loadcell version` names the feature and the SQLite it runs with.
"$LOADCELL" version | grep -Eq '^features: .*history\(sqlite [0-9]+\.' ||
    fail "version does not list history: $("$LOADCELL" version | tail -n1)"
echo "ok: version lists history"
echo "all history checks passed"
