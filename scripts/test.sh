#!/usr/bin/env bash
# Runs every check and test: formatting, clippy (server and WebAssembly), the release build,
# the Rust unit and integration tests against the real binary, and the Playwright browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "clippy"
cargo clippy --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

step "release build"
cargo leptos build --release --split

step "rust tests"
cargo test --release --workspace --exclude frontend

step "browser tests"
scripts/e2e.sh
