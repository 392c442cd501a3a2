#!/usr/bin/env bash
# The Tarantool peer on its own, without .NET: a server (server.lua, WAL fsync) over a fresh directory and, per
# caller count, a client process (client.lua) driving it over net.box. The `peers` benchmark does the same.
# usage: run-tarantool.sh [seconds] [callers...]          e.g. run-tarantool.sh 10 64 256
# environment: PORT (default 3301), WAL_MODE (default fsync), WARMUP (default 2)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
duration=${1:-10}; shift || true
callers=${*:-64 256}
port=${PORT:-3301}
command -v tarantool >/dev/null || { echo "tarantool is not installed: apt-get install -y tarantool" >&2; exit 2; }

dir=$(mktemp -d)
DATA_DIR="$dir" READY_FILE="$dir/ready" LISTEN="127.0.0.1:$port" tarantool "$here/server.lua" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do [ -f "$dir/ready" ] && break; sleep 0.1; done
[ -f "$dir/ready" ] || { echo "tarantool did not start: $(tail -3 "$dir/tarantool.log" 2>/dev/null)" >&2; exit 1; }

for c in $callers; do
  TARGET="127.0.0.1:$port" CALLERS=$c DURATION=$duration WARMUP=${WARMUP:-2} tarantool "$here/client.lua"
done
