#!/usr/bin/env bash
# Runs the Playwright tests against the imgbatch binary (the release build unless E2E_BINARY
# names another) on a free port with a fresh data directory, test accounts and picture folders.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

E2E_BINARY=${E2E_BINARY:-target/release/imgbatch}
E2E_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
E2E_DATA_DIR=$(mktemp -d)
trap 'rm -rf "$E2E_DATA_DIR"' EXIT
E2E_FIXTURES="$E2E_DATA_DIR/pictures"
E2E_SERVER_LOG="$E2E_DATA_DIR/server.log"
E2E_REPORT="$E2E_DATA_DIR/report.json"
export E2E_BINARY E2E_PORT E2E_DATA_DIR E2E_FIXTURES E2E_SERVER_LOG E2E_REPORT
export E2E_USER=e2e-user E2E_PASSWORD=e2e-password-1
export E2E_RICH=e2e-rich E2E_ADMIN=e2e-admin

cargo run --quiet --profile "${E2E_CARGO_PROFILE:-release}" -p integration-tests --bin e2e-fixtures -- "$E2E_FIXTURES"
"$E2E_BINARY" --data-dir "$E2E_DATA_DIR" user add "$E2E_USER" --password "$E2E_PASSWORD" --credits 10 >/dev/null
"$E2E_BINARY" --data-dir "$E2E_DATA_DIR" user add "$E2E_RICH" --password "$E2E_PASSWORD" --credits 500 >/dev/null
"$E2E_BINARY" --data-dir "$E2E_DATA_DIR" user add "$E2E_ADMIN" --password "$E2E_PASSWORD" --admin --credits 100 >/dev/null
cd end2end
status=0
npx playwright test "$@" || status=$?
if [[ $status -ne 0 ]]; then
    printf '\n== the server log, last 60 lines\n'
    tail -n 60 "$E2E_SERVER_LOG" 2>/dev/null || true
    if [[ -f $E2E_REPORT ]]; then
        printf '\n== failed tests, first lines of each error\n'
        node digest.mjs "$E2E_REPORT" || true
    fi
    printf '\n== the machine\n'
    df -h "$E2E_DATA_DIR" /dev/shm 2>/dev/null || true
    free -m 2>/dev/null || true
    uptime || true
fi
exit $status
