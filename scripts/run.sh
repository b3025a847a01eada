#!/usr/bin/env bash
# Builds the release binary and site, then serves imgbatch on http://127.0.0.1:3000 (SQLite in
# ./data, the built-in demo provider). On first start the admin password is printed once.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
cargo leptos build --release --split
exec target/release/imgbatch serve "$@"
