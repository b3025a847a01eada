#!/usr/bin/env bash
# BullMQ doing imgbatch's per-task work, for comparison with `bench queue` (see bench.mjs).
#
# Usage: bash bench/bullmq/run.sh [memory|disk|none] [runs]
# Needs Node.js 20.15+ (for zlib.crc32), Redis on 127.0.0.1:6379 (or REDIS_URL) and the mock-ai binary.
set -euo pipefail

storage=${1:-memory}
runs=${2:-1}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mock_ai="$here/../../target/release/mock-ai"

if [[ ! -x $mock_ai ]]; then
  echo "no $mock_ai: build it with \`cargo build --release -p integration-tests --bin mock-ai\`" >&2
  exit 1
fi
# Without Redis the client would retry for ever; say so at once instead.
redis=${REDIS_URL:-redis://127.0.0.1:6379}
redis_address=${redis#redis://}
redis_address=${redis_address%%/*}
if ! (exec 3<>"/dev/tcp/${redis_address%:*}/${redis_address##*:}") 2>/dev/null; then
  echo "no Redis answers at $redis_address (set REDIS_URL to another one)" >&2
  exit 1
fi
if [[ ! -d $here/node_modules ]]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

mock_log=$(mktemp)
mock_pid=
stop_mock() {
  if [[ -n $mock_pid ]]; then
    # SIGINT is what mock-ai waits for; it then prints how many calls it answered.
    kill -INT "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
    grep 'stopping after' "$mock_log" >&2 || true
  fi
  rm -f "$mock_log"
}
trap stop_mock EXIT

# Port 0 lets the mock pick a free port; it prints "mock-ai listening on http://127.0.0.1:N".
"$mock_ai" --port 0 2>"$mock_log" &
mock_pid=$!
mock_url=
for _ in $(seq 100); do
  mock_url=$(sed -n 's/^mock-ai listening on //p' "$mock_log")
  [[ -n $mock_url ]] && break
  kill -0 "$mock_pid" 2>/dev/null || { cat "$mock_log" >&2; exit 1; }
  sleep 0.1
done
if [[ -z $mock_url ]]; then
  echo "mock-ai did not start listening in 10 s" >&2
  exit 1
fi

for ((run = 1; run <= runs; run++)); do
  node "$here/bench.mjs" "$storage" "$mock_url"
done
