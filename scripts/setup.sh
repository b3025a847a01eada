#!/usr/bin/env bash
# Installs what building and testing imgbatch needs, skipping whatever is already in place:
# the wasm32 target, cargo-leptos, wasm-bindgen-cli at the version in Cargo.lock, the npm tools
# (Tailwind CSS, wasm-opt, Playwright), Debian's Chromium for the browser tests and moto's S3
# server for the storage tests.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
MOTO_VERSION=5.2.5
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 10 minutes the first time)"
    cargo install "cargo-leptos@$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if [[ -z $wasm_bindgen_version ]]; then
    echo "setup: cannot find the wasm-bindgen version in Cargo.lock" >&2
    exit 1
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wasm_bindgen_version\$"; then
    say "installing wasm-bindgen-cli $wasm_bindgen_version"
    # Without --locked: the CLI's own lock file names a crate version the registry lacks.
    cargo install "wasm-bindgen-cli@$wasm_bindgen_version" --force
fi

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    say "installing npm packages"
    npm ci --no-audit --no-fund
fi

if ! command -v chromium >/dev/null; then
    say "installing Chromium (Debian package) for the browser tests"
    if [[ $(id -u) -eq 0 ]]; then SUDO=(); else SUDO=(sudo); fi
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq chromium >/dev/null
fi

# An S3-compatible server for the storage tests, kept outside the checkout so that a fresh
# clone reuses it.
moto="${XDG_CACHE_HOME:-$HOME/.cache}/imgbatch/moto-$MOTO_VERSION"
if [[ ! -x $moto/bin/moto_server ]]; then
    say "installing moto $MOTO_VERSION (an S3-compatible server for the storage tests)"
    rm -rf "$moto"
    python3 -m venv "$moto"
    "$moto/bin/pip" install --quiet "moto[server]==$MOTO_VERSION"
fi

say "tools are ready"
