#!/usr/bin/env bash
# GPU thresholds end to end with the stand-in NVML library (tests/e2e/fake_nvml.c, two GPUs
# at FAKE_NVML_UTIL% and one more; 1 GiB and 2 GiB used): `http --monitor-pid` with
# --threshold 'gpu_util < 50%' fails (exit 1) on busy GPUs and passes (exit 0) on quiet ones,
# the verdict names the busiest GPU and lands in the Result; gpu_mem reads bytes; without GPU
# data the threshold fails with "no data".
source "$(dirname "$0")/serve_lib.sh"
T=$SERVE_TMP
fails=0
ok() { echo "ok   $*"; }
bad() {
    echo "FAIL $*"
    fails=1
}
CC=${CC:-cc}
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "SKIP: no C compiler ($CC) to build the stand-in NVML library"
    exit 0
fi
"$CC" -shared -fPIC -o "$T/libnvidia-ml.so.1" "$SERVE_LIB_DIR/fake_nvml.c"
export LOADCELL_NVML_LIBRARY="$T/libnvidia-ml.so.1"
field() { python3 "$SERVE_LIB_DIR/result_field.py" "$@"; }
serve_start --listen 127.0.0.1:0

# run UTIL OUT ARGS...: a short load run watching the server, GPUs at UTIL%; sets rc
run() {
    local util=$1 out=$2
    shift 2
    rc=0
    FAKE_NVML_UTIL=$util "$LOADCELL" http -q -c 2 -d 1s --monitor-pid "$SERVE_PID" \
        -o "$T/$out.json" "$@" "$SERVE_URL/" >"$T/$out.txt" 2>"$T/$out.err" || rc=$?
}

run 80 busy --threshold 'gpu_util < 50%' --threshold 'gpu_mem < 4GB'
if [ $rc = 1 ] && grep -q "FAIL  gpu_util < 50%  *observed 81% (gpu1)" "$T/busy.txt" &&
    grep -q "PASS  gpu_mem < 4GB  *observed 2GB (gpu1)" "$T/busy.txt"; then
    ok "busy GPUs: exit 1, $(grep 'gpu_util' "$T/busy.txt" | sed 's/^ *//')"
else
    bad "busy GPUs: exit $rc"
    cat "$T/busy.txt" "$T/busy.err"
fi
v=$(python3 -c "
import json; r = json.load(open('$T/busy.json'))
t = {x['expr']: x for x in r['thresholds']}
a, b = t['gpu_util < 50%'], t['gpu_mem < 4GB']
print(a['verdict'], '%g' % a['observed'], a['unit'], b['verdict'], '%g' % b['observed'], b['unit'])")
[ "$v" = "fail 81 % pass 2 GB" ] && ok "verdicts in the Result: $v" || bad "Result verdicts: $v"

run 20 quiet --threshold 'gpu_util < 50%' --threshold 'main: gpu_mem < 1.5GB || gpu_util < 30%'
if [ $rc = 0 ] && grep -q "PASS  gpu_util < 50%  *observed 21% (gpu1)" "$T/quiet.txt"; then
    ok "quiet GPUs: exit 0, $(grep 'PASS  gpu_util' "$T/quiet.txt" | sed 's/^ *//')"
else
    bad "quiet GPUs: exit $rc"
    cat "$T/quiet.txt" "$T/quiet.err"
fi

# No GPU data (the library cannot be loaded, --gpu auto goes on): the threshold fails, saying why.
rc=0
LOADCELL_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1 "$LOADCELL" http -q -c 2 -d 1s \
    --monitor-pid "$SERVE_PID" --threshold 'gpu_util < 50%' "$SERVE_URL/" >"$T/none.txt" 2>&1 || rc=$?
if [ $rc = 1 ] && grep -q "FAIL  gpu_util < 50%  *no data for 'gpu_util' (no GPU series" "$T/none.txt"; then
    ok "no GPU: exit 1, $(grep 'gpu_util' "$T/none.txt" | sed 's/^ *//')"
else
    bad "no GPU: exit $rc"
    cat "$T/none.txt"
fi
serve_stop || bad "serve did not stop cleanly"
exit $fails
