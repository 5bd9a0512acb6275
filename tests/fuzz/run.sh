#!/usr/bin/env bash
# Run every libFuzzer target for a bounded time, a few at a time.
#
# usage: tests/fuzz/run.sh BUILD_DIR [SECONDS] [PARALLEL]
#   BUILD_DIR  a build configured with -DLC_FUZZ=ON (clang); targets are the
#              tests/fuzz/fuzz_*.c files, built there under the same names
#   SECONDS    per target (default $FUZZ_SECONDS, else 60)
#   PARALLEL   targets at once (default $FUZZ_JOBS, else 2)
#
# Each target starts from its committed corpus tests/fuzz/corpus/<name without
# fuzz_> (read only: new inputs go to a scratch directory, never into the
# repository), with tests/fuzz/<name>.dict when there is one. A crash, leak,
# timeout or sanitizer report fails the run; the input is kept under
# BUILD_DIR/fuzz-artifacts/<target>/ with the command that reproduces it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: tests/fuzz/run.sh BUILD_DIR [SECONDS] [PARALLEL]}
build=$(cd "$build" && pwd)
seconds=${2:-${FUZZ_SECONDS:-60}}
parallel=${3:-${FUZZ_JOBS:-2}}
artifacts="$build/fuzz-artifacts"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/lcfuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"

# UBSan findings are errors too (the fuzz build may let them recover).
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"

targets=()
for src in "$here"/fuzz_*.c; do
    targets+=("$(basename "$src" .c)")
done
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets in $here" >&2; exit 1; }
for t in "${targets[@]}"; do
    [ -x "$build/$t" ] || { echo "fuzz: $build/$t is not built (cmake -DLC_FUZZ=ON with clang)" >&2; exit 1; }
done

# run_one TARGET: fuzz it for $seconds; the exit status says whether it found anything.
run_one() {
    local t=$1 name=${1#fuzz_}
    local corpus="$here/corpus/$name" work="$scratch/$t" out="$artifacts/$t"
    mkdir -p "$work/new" "$out"
    local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
                -artifact_prefix="$out/")
    [ -f "$here/$t.dict" ] && args+=(-dict="$here/$t.dict")
    local dirs=("$work/new")
    [ -d "$corpus" ] && dirs+=("$corpus")
    if (cd "$work" && "$build/$t" "${args[@]}" "${dirs[@]}") >"$out/log.txt" 2>&1; then
        local execs
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log.txt" | tail -n1)
        echo "fuzz: $t ok (${seconds}s, ${execs:-?} runs, $(find "$work/new" -type f | wc -l) new inputs)"
        return 0
    fi
    echo "fuzz: $t FAILED; log $out/log.txt" >&2
    grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$out/log.txt" | head -n 8 >&2 || true
    for f in "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-*; do
        [ -e "$f" ] && echo "fuzz: reproduce with: $build/$t $f" >&2
    done
    return 1
}

echo "fuzz: ${#targets[@]} targets, ${seconds}s each, $parallel at a time"
failed=0
running=0
for t in "${targets[@]}"; do
    if [ "$running" -ge "$parallel" ]; then
        wait -n || failed=1
        running=$((running - 1))
    fi
    run_one "$t" &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
done
if [ "$failed" != 0 ]; then
    echo "fuzz: FAILED (keep each input as a regression test: add it to tests/fuzz/corpus/<name>/ or a unit test)" >&2
    exit 1
fi
echo "fuzz: all targets passed"
