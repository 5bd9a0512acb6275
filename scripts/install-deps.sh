#!/usr/bin/env bash
# Install the Debian packages loadcell's build and tests need; idempotent and
# quick when everything is present. `--bench` adds the peers that bench/ runs.
set -euo pipefail

packages=(cmake make gcc pkg-config libcmocka-dev libjansson-dev zlib1g-dev libyaml-dev
          libmicrohttpd-dev libsqlite3-dev clang-format python3 curl procps git prometheus chromium
          clang libclang-rt-dev libssl-dev openssl)
if [ "${1:-}" = "--bench" ]; then
    packages+=(wrk nginx-light apache2-utils nghttp2-client hyperfine strace time)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
# Node.js (for the HdrHistogram interoperability test) may come from another
# packaging of node; what matters is that node and npm run.
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    echo "install-deps: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages of the interoperability and browser tests, pinned by package-lock.json.
here="$(cd "$(dirname "$0")/.." && pwd)"
for dir in tests/interop tests/browser; do
    if [ -f "$here/$dir/package-lock.json" ] && [ ! -d "$here/$dir/node_modules" ]; then
        echo "install-deps: npm ci in $dir"
        (cd "$here/$dir" && npm ci --silent --no-audit --no-fund)
    fi
done
exit 0
