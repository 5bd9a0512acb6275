#!/usr/bin/env bash
# Source checks run by `make test`: clang-format cleanliness and banned calls.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' '*.h.in' 2>/dev/null | grep -v '\.h\.in$' || true)
if [ -z "$files" ]; then
    files=$(find src tests bench -name '*.[ch]' 2>/dev/null)
fi
status=0
bad=$(for f in $files; do [ -f "$f" ] && ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1 && echo "$f"; done || true)
if [ -n "$bad" ]; then
    echo "check-source: not clang-format clean (run: clang-format -i FILE):"
    echo "$bad" | sed 's/^/  /'
    status=1
fi
# Unbounded string functions and atoi hide overflows and errors.
banned='\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|gets)[[:space:]]*\('
hits=$(for f in $files; do [ -f "$f" ] && grep -nHE "$banned" "$f" | grep -vE '(snprintf|vsnprintf)[[:space:]]*\(' ; done || true)
hits=$(echo "$hits" | grep -E "$banned" | grep -vE '\b(snprintf|vsnprintf)\b' || true)
if [ -n "$hits" ]; then
    echo "check-source: banned functions (use snprintf, memcpy with lengths, strtol):"
    echo "$hits" | sed 's/^/  /'
    status=1
fi
[ $status -eq 0 ] && echo "check-source: format and banned-call checks passed"
exit $status
