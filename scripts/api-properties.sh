#!/usr/bin/env bash
# Property-based test of the REST API, generated from the server's own OpenAPI document by
# schemathesis: thousands of valid and invalid requests, signed in as an administrator and
# without signing in. It fails on any 5xx, and on any answer (status, content type, body) that
# does not match the document.
#
#   scripts/api-properties.sh [SECONDS]      (default 600)
#
# Uses target/release/imgbatch (IMGBATCH_BIN overrides), a fresh data directory and a free
# loopback port; installs schemathesis into target/tools/ the first time.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
SCHEMATHESIS_VERSION=4.32.5
venv=target/tools/schemathesis-$SCHEMATHESIS_VERSION
if [[ ! -x $venv/bin/schemathesis ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi

bin=${IMGBATCH_BIN:-target/release/imgbatch}
if [[ ! -x $bin ]]; then
    cargo build --release -p server --bin imgbatch
fi

data=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
export IMGBATCH_DATA_DIR=$data IMGBATCH_ADDR=127.0.0.1:$port IMGBATCH_DEMO_DELAY_MS=0 \
    IMGBATCH_SIGNUP_CREDITS=1000 RUST_LOG=${RUST_LOG:-warn}

password=properties-$RANDOM$RANDOM
"$bin" user add checker --password "$password" --admin --credits 1000000 >/dev/null
"$bin" serve >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT

for _ in $(seq 100); do
    curl -sf "$base/healthz" >/dev/null && break
    sleep 0.1
done
token=$(curl -sf "$base/api/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"checker\",\"password\":\"$password\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')

status=0
# Signing out would end the checker's own token halfway through.
"$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run "$base/api/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks all \
    --exclude-path-regex '^/api/auth/logout' \
    --max-time "$seconds" \
    --request-timeout 20 \
    --workers 2 \
    --seed "${SEED:-$RANDOM}" \
    --report junit --report-dir target/api-properties \
    --warnings off ||
    status=$?

if grep -qE ' (ERROR|panicked)' "$data/server.log"; then
    echo "api-properties: the server logged errors:" >&2
    grep -E ' (ERROR|panicked)' "$data/server.log" | tail -20 >&2
    status=1
fi
exit $status
