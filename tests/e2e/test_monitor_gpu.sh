#!/usr/bin/env bash
# The NVML path of `loadcell monitor` without a GPU: a stand-in library with
# NVML's documented signatures (tests/e2e/fake_nvml.c, built here with cc) is
# loaded through LOADCELL_NVML_LIBRARY: series names, units and values
# (milliwatts to watts), an unsupported metric left out, init/shutdown once;
# then the failures: driver not loaded, no devices, no permission - silent
# with --gpu auto, a clear error (exit 3) with --gpu required.
source "$(dirname "$0")/monitor_lib.sh"
T=$MON_TMP
CC=${CC:-cc}
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "SKIP: no C compiler ($CC) to build the stand-in NVML library"
    exit 0
fi
"$CC" -shared -fPIC -o "$T/libnvidia-ml.so.1" "$MON_LIB_DIR/fake_nvml.c"
export LOADCELL_NVML_LIBRARY="$T/libnvidia-ml.so.1"
export FAKE_NVML_LOG="$T/calls"
helper flat 120 # outlives every check below, even on a loaded machine; killed on exit

rc=0
FAKE_NVML_MODE=ok "$LOADCELL" monitor --pid "$HELPER_PID" -d 500ms --interval 100ms --gpu required \
    -o "$T/gpu.json" >"$T/o" 2>"$T/e" || rc=$?
[ $rc = 0 ] && ok "--gpu required with two (fake) GPUs: exit 0" || { bad "exit $rc"; cat "$T/e"; }
check() { # check EXPR TEXT
    if [ "$(json "$T/gpu.json" "$1")" = True ]; then ok "$2"; else bad "$2: $1 is not True"; fi
}
check "set(series('gpu0.util_percent')) == {37.0} and set(series('gpu1.util_percent')) == {38.0}" "util from nvmlUtilization_t.gpu"
check "set(series('gpu0.mem_used_bytes')) == {float(1 << 30)} and set(series('gpu1.mem_used_bytes')) == {float(2 << 30)}" "memory used in bytes"
check "set(series('gpu0.power_watts')) == {123.456} and not has('gpu1.power_watts')" "power: 123456 mW is 123.456 W; unsupported on gpu1, so absent"
check "set(series('gpu0.temp_celsius')) == {61.0} and set(series('gpu1.temp_celsius')) == {62.0}" "temperature"
check "res('gpu0.util_percent')['unit'] == '%' and res('gpu0.mem_used_bytes')['unit'] == 'bytes' and res('gpu0.power_watts')['unit'] == 'W' and res('gpu0.temp_celsius')['unit'] == 'celsius'" "units"
check "len(series('gpu0.util_percent')) == len(series('sut.rss_bytes')) >= 5" "sampled with everything else"
grep -q "GPU 0 .*util mean 37% max 37%.*power mean 123W" "$T/o" && ok "summary: $(grep 'GPU 0' "$T/o")" ||
    bad "summary has no GPU 0 line: $(cat "$T/o")"
[ "$(sort "$T/calls" | uniq -c | tr -s ' ')" = " 1 init
 1 shutdown" ] && ok "nvmlInit_v2 and nvmlShutdown once each" || bad "calls: $(cat "$T/calls")"

expect_fail() { # expect_fail MODE MESSAGE: required fails with MESSAGE, auto goes on silently
    local rc=0
    FAKE_NVML_MODE=$1 "$LOADCELL" monitor --pid "$HELPER_PID" -d 200ms --interval 100ms --gpu required \
        >"$T/o" 2>"$T/e" || rc=$?
    if [ $rc = 3 ] && grep -qF "$2" "$T/e"; then ok "$1, required: exit 3, $(cat "$T/e")"; else
        bad "$1, required: exit $rc: $(cat "$T/e")"
    fi
    rc=0
    FAKE_NVML_MODE=$1 "$LOADCELL" monitor --pid "$HELPER_PID" -d 200ms --interval 100ms \
        -o "$T/auto.json" >"$T/o" 2>"$T/e" || rc=$?
    if [ $rc = 0 ] && [ ! -s "$T/e" -o "$(grep -v -e 'result written' -e 'recorded as run' "$T/e")" = "" ] &&
        [ "$(json "$T/auto.json" "not any(x['name'].startswith('gpu') for x in r['resources'])")" = True ]; then
        ok "$1, auto: no GPU data, no message"
    else
        bad "$1, auto: exit $rc: $(cat "$T/e")"
    fi
}
expect_fail init_fails "gpu: required, but NVML ($LOADCELL_NVML_LIBRARY) could not start: Driver Not Loaded"
expect_fail no_devices "gpu: required, but NVML ($LOADCELL_NVML_LIBRARY) found no GPU it may read (0 devices)"
# One of two devices may not be read: the other is still sampled.
rc=0
FAKE_NVML_MODE=no_permission "$LOADCELL" monitor --pid "$HELPER_PID" -d 200ms --interval 100ms \
    --gpu required -o "$T/perm.json" >/dev/null 2>&1 || rc=$?
if [ $rc = 0 ] && [ "$(json "$T/perm.json" "has('gpu1.util_percent') and not has('gpu0.util_percent')")" = True ]; then
    ok "a device NVML may not read is skipped, the other is sampled as gpu1"
else
    bad "no_permission: exit $rc"
fi
exit $fails
