#!/usr/bin/env bash
# Runs every check and test: formatting, clippy (server and WebAssembly), the release build,
# the Rust unit and integration tests against the real binary (on SQLite, then again on
# PostgreSQL at 127.0.0.1:5432 or IMGBATCH_TEST_POSTGRES_URL), and the Playwright browser tests.
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

step "rust tests (SQLite; the store's own tests run on SQLite and PostgreSQL)"
cargo test --release --workspace --exclude frontend

step "integration tests on PostgreSQL"
IMGBATCH_TEST_DATABASE=postgres cargo test --release -p integration-tests

step "browser tests"
scripts/e2e.sh
