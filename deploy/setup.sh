#!/usr/bin/env bash
# Installs what is missing (Debian 12 packages; with --tests also the e2e test's npm packages), then builds
# tamsu into build/. Safe to run again: it only installs and rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[[ "${1:-}" == "--tests" ]] && want_tests=1

packages=(build-essential cmake ninja-build pkg-config ccache git
          libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
          libsqlite3-dev sqlite3 libsodium-dev libspdlog-dev libfmt-dev libutf8proc-dev libssl-dev zlib1g-dev
          libjemalloc-dev)
if (( want_tests )); then
    packages+=(googletest libgtest-dev libgmock-dev chromium)
    # Node and Python may come from elsewhere than Debian (an image's own Node ships npm, and Debian's
    # npm package then conflicts with it): ask for the commands, not for package names.
    command -v python3 >/dev/null || packages+=(python3)
    { command -v node >/dev/null && command -v npm >/dev/null; } || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
    [[ "$p" == nodejs || "$p" == npm || "$p" == python3 ]] && { missing+=("$p"); continue; }
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if (( want_tests )) && [[ -f tests/e2e/package.json ]]; then
    # playwright-core only drives Debian's chromium; it downloads no browser of its own.
    (cd tests/e2e && { [[ -d node_modules ]] || npm ci --no-audit --no-fund --loglevel=error; })
fi

cmake --preset dev >/dev/null
cmake --build --preset dev -j "${TAMSU_JOBS:-2}"
