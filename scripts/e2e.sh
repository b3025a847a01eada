#!/usr/bin/env bash
# Runs the Playwright tests against the release binary on a free port with a fresh data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

E2E_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
E2E_DATA_DIR=$(mktemp -d)
trap 'rm -rf "$E2E_DATA_DIR"' EXIT
export E2E_PORT E2E_DATA_DIR
export E2E_USER=e2e-user E2E_PASSWORD=e2e-password-1

target/release/imgbatch --data-dir "$E2E_DATA_DIR" user add "$E2E_USER" --password "$E2E_PASSWORD" --credits 10 >/dev/null
cd end2end
npx playwright test "$@"
