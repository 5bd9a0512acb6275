# Thin wrapper over CMake: the two commands a newcomer needs are `make demo`
# and `make test`; the rest are for developers.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
RELEASE := build/release
ASAN := build/asan
TSAN := build/tsan
FUZZ := build/fuzz
BIN := $(RELEASE)/loadcell
# Seconds per fuzz target: `make fuzz` (FUZZ_SECONDS) and within `make test`.
FUZZ_SECONDS ?= 60
TEST_FUZZ_SECONDS ?= 20

.PHONY: all deps build build-asan build-tsan build-fuzz test test-release test-asan test-tsan \
	test-fuzz fuzz check demo bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(RELEASE) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(RELEASE) -j $(JOBS)

build-asan: deps
	@cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DLC_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN) -j $(JOBS)

# ThreadSanitizer (gcc or clang): the binary and the tests labelled tsan.
build-tsan: deps
	@cmake -S . -B $(TSAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLC_TSAN=ON >/dev/null
	@cmake --build $(TSAN) -j $(JOBS) --target tsan_targets

# libFuzzer targets (clang): tests/fuzz/fuzz_*.c.
build-fuzz: deps
	@cmake -S . -B $(FUZZ) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DLC_FUZZ=ON -DLC_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ) -j $(JOBS) --target fuzzers

check:
	@scripts/check-source.sh

test-release: build
	@cd $(RELEASE) && ctest --output-on-failure -j $(JOBS)

# Timing truth tests (*truth*) are judged in the Release build only: a
# sanitized binary is several times slower, and memory safety is its purpose.
test-asan: build-asan
	@cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -E truth

test-tsan: build-tsan
	@cd $(TSAN) && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --output-on-failure -j $(JOBS) -L tsan

# Every fuzz target from its committed corpus (never written to), two at a time.
test-fuzz: build-fuzz
	@tests/fuzz/run.sh $(FUZZ) $(TEST_FUZZ_SECONDS) 2

fuzz: build-fuzz
	@tests/fuzz/run.sh $(FUZZ) $(FUZZ_SECONDS) 2

test: deps check test-release test-asan test-tsan test-fuzz
	@echo "make test: all checks passed"

demo: build
	@scripts/demo.sh $(BIN)

bench: build
	@scripts/install-deps.sh --bench
	@bench/run-all.sh $(BIN)

clean:
	rm -rf build
