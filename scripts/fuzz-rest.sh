#!/usr/bin/env bash
# Fuzzes the REST compatibility layer (/api/projects) with schemathesis against a live relay,
# using Specs/rest-api.yaml. Checks: no 5xx; every answer's status code, content type, headers
# and body are the ones the spec documents; inputs the spec rules out are refused with a 4xx;
# every route refuses a request without a valid token. Builds nothing: it runs the tandem binary
# at $TANDEM_BINARY (`make fuzz-rest` builds it first).
#
# The relay runs on loopback (127.0.0.1, a free port) with a fresh data folder and a token of
# its own, all removed on exit. Environment:
#   TANDEM_BINARY       the tandem binary (default .build/debug/tandem)
#   REST_FUZZ_EXAMPLES  the most generated test cases per operation (default 100)
#   REST_FUZZ_SEED      the seed; the same seed replays the same inputs (default 20261124)
#   REST_FUZZ_PHASES    schemathesis phases (default all: examples,coverage,fuzzing,stateful)
#   REST_FUZZ_CHECKS    schemathesis checks (default: the list in `checks` below)
# Extra arguments go to `st run` (for example `--include-operation-id putProject`).
# Exits with schemathesis' status (non-zero when a check failed or the relay did not start).
set -euo pipefail

# Resolve a caller's relative TANDEM_BINARY before moving to the repository root.
tandem=${TANDEM_BINARY:-}
if [ -n "$tandem" ] && [[ "$tandem" != /* ]]; then tandem="$PWD/$tandem"; fi
cd "$(dirname "$0")/.."
tandem=${tandem:-$PWD/.build/debug/tandem}

schemathesis_version=4.32.5
venv=$PWD/.build-tools/rest-venv
spec=$PWD/Specs/rest-api.yaml
# st runs here, so that its crash cache (.schemathesis/) and Hypothesis' files (.hypothesis/)
# stay out of the work tree (.build-tools/ is ignored by git).
state=$PWD/.build-tools/rest-fuzz
examples=${REST_FUZZ_EXAMPLES:-100}
seed=${REST_FUZZ_SEED:-20261124}
phases=${REST_FUZZ_PHASES:-}
checks=${REST_FUZZ_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection,ignored_auth}

fail() { echo "fuzz-rest: $*" >&2; echo "rest fuzz: failed"; exit 1; }

[ -x "$tandem" ] || fail "no tandem binary at $tandem (run 'swift build --product tandem', or set TANDEM_BINARY)"

# schemathesis in its own venv, reinstalled only when the pinned version is missing.
installed_version() {
    "$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true
}
if [ "$(installed_version)" != "$schemathesis_version" ]; then
    echo "==> installing schemathesis $schemathesis_version into ${venv#"$PWD"/}"
    command -v python3 >/dev/null 2>&1 || fail "python3 (3.11 or newer) is needed for schemathesis"
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c '' 2>/dev/null; then
        rm -rf "$venv"
        python3 -m venv "$venv" || fail "python3 -m venv failed (on Debian: apt-get install python3-venv)"
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version" \
        || fail "pip could not install schemathesis $schemathesis_version"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tandem-fuzz-rest.XXXXXX")
data="$work/relay"
log="$work/relay.log"
relay_pid=
st_pid=

stop_relay() {
    [ -n "$relay_pid" ] || return 0
    if kill -0 "$relay_pid" 2>/dev/null; then
        kill -TERM "$relay_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$relay_pid" 2>/dev/null || true
    fi
    wait "$relay_pid" 2>/dev/null || true
    relay_pid=
}
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
    # st and the relay run in the background (they ignore SIGINT then), so that a signal to this
    # script stops it at once; stop both here.
    if [ -n "$st_pid" ]; then kill -TERM "$st_pid" 2>/dev/null || true; wait "$st_pid" 2>/dev/null || true; fi
    stop_relay
    rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "rest fuzz: interrupted"; exit 130' INT
trap 'echo "rest fuzz: terminated"; exit 143' TERM

show_relay_log() {
    echo "fuzz-rest: the relay's output (last 40 lines):" >&2
    tail -n 40 "$log" >&2 || true
}

mkdir -p "$data"
token=$("$tandem" relay token create --data "$data" --account fuzz --device schemathesis | tail -n 1) \
    || fail "'tandem relay token create' failed"
[ -n "$token" ] || fail "'tandem relay token create' printed no token"

"$tandem" relay serve --data "$data" --host 127.0.0.1 --port 0 \
    --rest-requests-per-second 100000 --rest-burst 100000 >"$log" 2>&1 &
relay_pid=$!

url=
for _ in $(seq 300); do
    url=$(sed -n 's|^listening on \(http://[^[:space:]]*\).*|\1|p' "$log" | head -n 1)
    [ -n "$url" ] && break
    if ! kill -0 "$relay_pid" 2>/dev/null; then
        show_relay_log
        fail "the relay exited before it listened"
    fi
    sleep 0.1
done
if [ -z "$url" ]; then
    show_relay_log
    fail "the relay did not print 'listening on http://...' within 30 s"
fi
echo "==> relay listening on $url (data in $data)"

st_args=(
    run "$spec"
    --url "$url"
    --header "Authorization: Bearer $token"
    --checks "$checks"
    --max-examples "$examples"
    --seed "$seed"
    --workers 1
    --request-timeout 30
    --generation-database none
)
if [ -n "$phases" ]; then st_args+=(--phases "$phases"); fi
st_args+=("$@")

# Print the command as it runs, with the token left out.
echo "==> st ${st_args[*]}" | sed -e "s|Bearer $token|Bearer <token>|" -e "s|$PWD/||"
mkdir -p "$state"
status=0
(cd "$state" && exec "$venv/bin/st" "${st_args[@]}") &
st_pid=$!
wait "$st_pid" || status=$?
st_pid=

relay_died=0
if ! kill -0 "$relay_pid" 2>/dev/null; then
    relay_died=1
    show_relay_log
fi
stop_relay

if [ "$status" -eq 0 ] && [ "$relay_died" -eq 0 ]; then
    echo "rest fuzz: passed ($examples examples per operation, seed $seed, schemathesis $schemathesis_version)"
    exit 0
fi
if [ "$relay_died" -eq 1 ]; then
    echo "rest fuzz: failed (the relay exited during the run; replay with REST_FUZZ_SEED=$seed)"
    [ "$status" -ne 0 ] || status=1
else
    echo "rest fuzz: failed (schemathesis exited with status $status; replay with REST_FUZZ_SEED=$seed)"
fi
exit "$status"
