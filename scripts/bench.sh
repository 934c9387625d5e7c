#!/usr/bin/env bash
# Compiles, then runs the benchmark (bench/run.ts) with the arguments given: --quick (default),
# --full, or --sizes 10,100. Expects the toolchain on PATH (the npm script provides it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
rm -rf dist
tsc -p tsconfig.json
exec node dist/bench/run.js "$@"
