#!/usr/bin/env bash
# Builds the package and its tests, runs `swift test`, then (on a full run) the schemathesis
# run of Specs/rest-api.yaml against a relay on loopback (scripts/fuzz-rest.sh), and ends with
# one summary line for all of them. Exits non-zero when the build or any test fails.
# Extra arguments go to `swift test` (for example `--filter ConvergenceTests`) and skip the
# schemathesis run, as does TANDEM_SKIP_REST_FUZZ=1.
set -euo pipefail
cd "$(dirname "$0")/.."

swift=${SWIFT:-swift}
log=.build/test-output.log

echo "==> swift build --build-tests"
build_status=0
"$swift" build --build-tests || build_status=$?
if [ "$build_status" -ne 0 ]; then
    echo
    echo "==> summary: the build failed (swift build --build-tests exited with status $build_status); no test ran"
    exit "$build_status"
fi

echo "==> swift test $*"
mkdir -p .build
status=0
"$swift" test "$@" 2>&1 | tee "$log" || status=$?

# Count per test, not per issue: XCTest prints one "Test Case '...' passed|failed|skipped"
# line per test; Swift Testing one "<symbol> Test <name> passed|failed after ..." or
# "<symbol> Test <name> skipped." (or "skipped: <reason>") line per test function. Its
# "Test run with" totals and per-argument "Test case" lines are left out.
count() { grep -cE "$1" "$log" || true; }
xctest_passed=$(count "^Test Case '.*' passed \(")
xctest_failed=$(count "^Test Case '.*' failed \(")
xctest_skipped=$(count "^Test Case '.*' skipped \(")
testing_line='^[^ ]+ Test (\S.*)'
testing_passed=$(grep -E "$testing_line passed after " "$log" | grep -cvE '^[^ ]+ Test run with ' || true)
testing_failed=$(grep -E "$testing_line failed after " "$log" | grep -cvE '^[^ ]+ Test run with ' || true)
testing_skipped=$(count "$testing_line skipped(\\.|: .*)\$")

# The REST contract against its OpenAPI document: one more test, on full runs only.
rest_fuzz=skipped
if [ "$#" -eq 0 ] && [ "${TANDEM_SKIP_REST_FUZZ:-0}" != 1 ]; then
    echo
    echo "==> scripts/fuzz-rest.sh (schemathesis: Specs/rest-api.yaml against a relay on 127.0.0.1)"
    if TANDEM_BINARY="$PWD/.build/debug/tandem" bash scripts/fuzz-rest.sh 2>&1 | tee .build/rest-fuzz-output.log; then
        rest_fuzz=passed
    else
        rest_fuzz=failed
    fi
fi

passed=$((xctest_passed + testing_passed))
failed=$((xctest_failed + testing_failed))
skipped=$((xctest_skipped + testing_skipped))
case "$rest_fuzz" in
    passed) passed=$((passed + 1)) ;;
    failed) failed=$((failed + 1)) ;;
    *) skipped=$((skipped + 1)) ;;
esac

echo
echo "==> summary (full output in $log)"
echo "    XCTest:        $xctest_passed passed, $xctest_failed failed, $xctest_skipped skipped"
echo "    Swift Testing: $testing_passed passed, $testing_failed failed, $testing_skipped skipped"
echo "    schemathesis:  $rest_fuzz (REST contract; output in .build/rest-fuzz-output.log)"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    # A crash or a build error stops the run before any test reports a failure.
    echo "    swift test exited with status $status before every test reported (crash or build error?)"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ]; then exit "$status"; fi
if [ "$failed" -ne 0 ]; then exit 1; fi
