#!/usr/bin/env bash
# Coverage-guided fuzzing of the sync wire with libFuzzer: the frame codec, the payload
# decoders and both session state machines (Sources/TandemWireFuzz, built only with
# TANDEM_FUZZ=1, into .build-fuzz so it never touches .build).
#
#   scripts/fuzz-wire.sh                 build, then fuzz for FUZZ_SECONDS (default 600)
#   scripts/fuzz-wire.sh merge           add the inputs of the work corpus that cover new edges to
#                                        the committed corpus (-set_cover_merge=1 -use_counters=0)
#   scripts/fuzz-wire.sh seeds           rewrite the committed seed files (WireSeeds.swift)
#   scripts/fuzz-wire.sh repro FILE      run one input (a crasher): its stack and the broken invariant
#   scripts/fuzz-wire.sh minimize FILE   -minimize_crash=1, written next to FILE as FILE.min
#
# The work corpus, .build-fuzz/corpus, is seeded from Tests/TandemSyncTests/Fixtures/wire-corpus/
# and kept from run to run (FUZZ_FRESH=1 clears it first); the committed corpus only grows
# through `merge`. Crashers go to .build-fuzz/crashers/; libFuzzer stops at the first one.
# Exits non-zero when the run found a crasher. A crasher becomes a regression test by copying
# it (minimized) into Tests/TandemSyncTests/Fixtures/wire-corpus/crashers/ (FuzzCorpusTests).
#
# Environment: FUZZ_SECONDS (time budget), FUZZ_FRESH, FUZZ_SANITIZE (default fuzzer,address; `fuzzer` alone
# when AddressSanitizer is not available), FUZZ_JOBS (swift build -j), FUZZ_ARGS (more libFuzzer
# flags). Needs a toolchain with libFuzzer (swift.org toolchains on Linux; not Xcode's).
set -euo pipefail
cd "$(dirname "$0")/.."

swift=${SWIFT:-swift}
scratch=.build-fuzz
committed=Tests/TandemSyncTests/Fixtures/wire-corpus
work=$scratch/corpus
crashers=$scratch/crashers
seconds=${FUZZ_SECONDS:-600}
sanitize=${FUZZ_SANITIZE:-fuzzer,address}
binary=$scratch/debug/TandemWireFuzz
command=${1:-fuzz}
# libFuzzer prints the stack of a crash; the Swift runtime's backtracer would race it (and trips
# AddressSanitizer while it reads the crashed thread's stack).
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}

build() {
    local jobs=()
    [ -n "${FUZZ_JOBS:-}" ] && jobs=(-j "$FUZZ_JOBS")
    echo "==> TANDEM_FUZZ=1 swift build --scratch-path $scratch --product TandemWireFuzz -Xswiftc -sanitize=$sanitize ${jobs[*]}"
    TANDEM_FUZZ=1 "$swift" build --scratch-path "$scratch" "${jobs[@]}" --product TandemWireFuzz -Xswiftc "-sanitize=$sanitize" \
        2> >(grep -v "Cannot export local symbol" >&2)
}

corpus_size() { echo "$(find "$1" -maxdepth 1 -type f | wc -l) files, $(find "$1" -maxdepth 1 -type f -exec cat {} + | wc -c) bytes"; }

case "$command" in
fuzz)
    build
    # Runs build on the work corpus of the runs before (FUZZ_FRESH=1 starts from the committed one).
    [ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$work"
    mkdir -p "$work" "$crashers"
    find "$committed" -maxdepth 1 -type f -exec cp {} "$work/" \;
    stamp=$scratch/fuzz-wire.started
    touch "$stamp"
    log=$scratch/fuzz-wire.log
    echo "==> $binary -max_total_time=$seconds (corpus: $(corpus_size "$work"); log in $log)"
    status=0
    # shellcheck disable=SC2086
    "$binary" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$crashers/" ${FUZZ_ARGS:-} "$work" >"$log" 2>&1 || status=$?
    # The last lines: libFuzzer's final stats, or what it said about a crash.
    grep -vE '^#[0-9]+\s+(NEW|REDUCE|pulse)|^\s+NEW_FUNC' "$log" | grep -vE '^(\s*"|###)' | tail -n 40
    found=$(find "$crashers" -maxdepth 1 -type f -newer "$stamp" | sort)
    count=0
    [ -n "$found" ] && count=$(echo "$found" | wc -l)
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
    speed=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo "?")
    coverage=$(grep -E '^#[0-9]+' "$log" | grep -oE 'cov: [0-9]+ ft: [0-9]+' | tail -n 1)
    echo
    echo "==> fuzz-wire summary ($seconds s budget)"
    echo "    executions:  $runs ($speed exec/s)"
    echo "    coverage:    ${coverage:-?}"
    echo "    corpus:      $(corpus_size "$work") in $work"
    echo "    crashers:    $count in $crashers/"
    if [ "$count" -ne 0 ]; then
        echo "$found" | sed 's/^/      /'
        echo "    reproduce with: scripts/fuzz-wire.sh repro <file>; minimize: scripts/fuzz-wire.sh minimize <file>"
        exit 1
    fi
    if [ "$status" -ne 0 ]; then
        echo "    libFuzzer exited with status $status (see $log)"
        exit "$status"
    fi
    ;;
merge)
    [ -x "$binary" ] || build
    [ -d "$work" ] || { echo "fuzz-wire: no work corpus in $work: run a fuzz first" >&2; exit 1; }
    # A greedy set cover of the coverage edges alone (no hit counters): a few new files per
    # newly covered edge rather than one per feature, so the committed corpus stays small.
    echo "==> $binary -set_cover_merge=1 -use_counters=0 $committed $work"
    "$binary" -set_cover_merge=1 -use_counters=0 -max_len=65536 -timeout=10 -rss_limit_mb=2048 "$committed" "$work" 2>&1 \
        | grep -E '^MERGE-OUTER: [0-9]+ new' || true
    echo "    committed corpus: $(corpus_size "$committed") (keep it under 200 files and 1 MB)"
    ;;
seeds)
    build
    mkdir -p "$committed"
    TANDEM_WIRE_FUZZ_SEEDS="$committed" "$binary"
    echo "    committed corpus: $(corpus_size "$committed")"
    ;;
repro)
    [ $# -ge 2 ] || { echo "usage: scripts/fuzz-wire.sh repro FILE" >&2; exit 2; }
    [ -x "$binary" ] || build
    "$binary" -runs=1 "$2"
    ;;
minimize)
    [ $# -ge 2 ] || { echo "usage: scripts/fuzz-wire.sh minimize FILE" >&2; exit 2; }
    [ -x "$binary" ] || build
    "$binary" -minimize_crash=1 -max_total_time="${FUZZ_SECONDS:-60}" -exact_artifact_path="$2.min" "$2" 2>&1 | tail -n 5
    echo "    minimized: $2.min ($(wc -c <"$2.min") bytes, from $(wc -c <"$2"))"
    ;;
*)
    echo "usage: scripts/fuzz-wire.sh [fuzz|merge|seeds|repro FILE|minimize FILE]" >&2
    exit 2
    ;;
esac
