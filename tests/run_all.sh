#!/usr/bin/env bash
# Every test: unit + integration (ctest, build/), the same under ASan+UBSan (build-asan/), and the
# end-to-end browser tests. Expects `bash deploy/setup.sh --tests` to have run (the README says so).
set -uo pipefail
cd "$(dirname "$0")/.."
jobs="${TAMSU_JOBS:-2}"
passed=0 failed=0 skipped=0

log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_ctest() { # preset
    local out
    # tee to a file, not /dev/stderr: when stdout and stderr are one log file, reopening it truncates it.
    ctest --preset "$1" 2>&1 | tee "$log"
    out=$(cat "$log")
    local line
    line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" <<<"$out" | tail -1)
    if [[ -z "$line" ]]; then failed=$((failed + 1)); return; fi
    local f t
    f=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
    t=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
    # A skipped test (GTEST_SKIP, e.g. one that cannot run under a sanitizer) is not a pass.
    local s
    s=$(grep -cE "\*\*\*Skipped|Skipped +[0-9.]+ sec" <<<"$out")
    passed=$((passed + t - f - s)); failed=$((failed + f)); skipped=$((skipped + s))
}

echo "== unit + integration (build/)"
run_ctest dev

echo "== unit + integration under ASan+UBSan (build-asan/)"
if cmake --preset asan-ubsan >/dev/null && cmake --build --preset asan-ubsan -j "$jobs"; then
    run_ctest asan-ubsan
else
    echo "ASan build failed"; failed=$((failed + 1))
fi

if [[ -f tests/e2e/package.json ]]; then
    echo "== end-to-end (headless Chromium)"
    (cd tests/e2e && node --test --test-concurrency=1 2>&1) | tee "$log"
    e2e_out=$(cat "$log")
    p=$(grep -E "^# pass [0-9]+" <<<"$e2e_out" | awk '{print $3}')
    f=$(grep -E "^# fail [0-9]+" <<<"$e2e_out" | awk '{print $3}')
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-1}))
fi

echo "${passed} passed, ${failed} failed, ${skipped} skipped"
(( failed == 0 ))
