#!/usr/bin/env bash
# Runs every micro-benchmark (bench/micro/*.bench.ts). Each is bounded in time and prints a table;
# pass --json to get machine-readable output.
set -euo pipefail
cd "$(dirname "$0")/.."
for bench in bench/micro/*.bench.ts; do
  npx tsx "$bench" "$@"
done
