# Thin wrapper over CMake: the two commands a newcomer needs are `make demo`
# and `make test`; the rest are for developers.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
RELEASE := build/release
ASAN := build/asan
BIN := $(RELEASE)/loadcell

.PHONY: all deps build build-asan test test-release test-asan check demo bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(RELEASE) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(RELEASE) -j $(JOBS)

build-asan: deps
	@cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DLC_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN) -j $(JOBS)

check:
	@scripts/check-source.sh

test-release: build
	@cd $(RELEASE) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	@cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -LE slow

test: deps check test-release test-asan
	@echo "make test: all checks passed"

demo: build
	@scripts/demo.sh $(BIN)

bench: build
	@scripts/install-deps.sh --bench
	@bench/run-all.sh $(BIN)

clean:
	rm -rf build
