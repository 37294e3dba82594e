#!/usr/bin/env bash
# Makes sure the system packages Tandem builds against are installed: SQLite, zstd and zlib
# headers, and pkg-config (SwiftPM finds the C libraries through it). Installs only what is
# missing, with apt-get; silent when everything is present. Safe to run any number of times.
set -euo pipefail

packages=(libsqlite3-dev libzstd-dev zlib1g-dev pkg-config)

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]
}

missing=()
for package in "${packages[@]}"; do
    installed "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-deps: missing ${missing[*]}, and apt-get is not available: install them with your package manager" >&2
    exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "ensure-deps: missing ${missing[*]}; run as root or install sudo" >&2
        exit 1
    fi
    sudo=(sudo)
fi

# `env` carries the variable through sudo, which resets the environment.
apt() { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }

echo "ensure-deps: installing ${missing[*]}"
apt update -qq || echo "ensure-deps: apt-get update failed; trying the install with the package lists at hand" >&2
apt install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "ensure-deps: installed ${missing[*]}"
