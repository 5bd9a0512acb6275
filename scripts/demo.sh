#!/usr/bin/env bash
# `make demo`: the embedded default run.
set -euo pipefail
bin="$1"
"$bin" version
