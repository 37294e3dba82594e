#!/usr/bin/env bash
# Tandem vs Yrs (pycrdt) vs Loro, side by side: builds the release `tandem-dev`, sets up a private
# Python environment with the peers, runs every case alternating between the libraries, and
# writes Benchmarks/results/latest.{md,png,json}. Arguments go to bench.py, for example
# `--rounds 7` or `--cases b4,b3.1`. Exits non-zero when any library's result is wrong.
set -euo pipefail

export PYTHONDONTWRITEBYTECODE=1  # keep __pycache__ out of the work tree

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$here/.venv"

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv" || {
        echo "run.sh: cannot create a virtual environment; install python3-venv (apt-get install python3-venv)" >&2
        exit 1
    }
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"

(cd "$repo" && swift build -c release --product tandem-dev)

exec "$venv/bin/python" "$here/bench.py" --tandem "$repo/.build/release/tandem-dev" "$@"
