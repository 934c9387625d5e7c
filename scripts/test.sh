#!/usr/bin/env bash
# Compiles, then runs one tier of tests: unit | integration | e2e | bench | all.
# Expects the toolchain on PATH: run it through scripts/with-toolchain.sh (the npm scripts do).
#   unit         pure logic, no processes
#   integration  the AWS SDK against moto over HTTP
#   e2e          the pulumi CLI, the dynamic provider and moto together
#   bench        the benchmark's quick mode (bench/run.ts --quick): fails only on its deterministic
#                targets (API call counts, state bytes); timings are printed, never asserted
#   all          unit, integration, e2e, then bench
# Afterwards, nothing the run started may still be running (see "Leftover processes" below).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

tier=${1:-all}
case "$tier" in
  unit | integration | e2e) tiers=("$tier") ;;
  bench) tiers=() ;;
  all) tiers=(unit integration e2e) ;;
  *)
    echo "usage: scripts/test.sh unit|integration|e2e|bench|all" >&2
    exit 2
    ;;
esac

rm -rf dist
tsc -p tsconfig.json

# Leftover processes. Every process this run starts carries PSR_TEST_RUN_ID=<run id> in its
# environment: it is set on the test runner and the benchmark, and everything they start inherits
# it (the test stacks' environments keep all but PULUMI_* and AWS_* variables, hence its name) —
# the pulumi engine's plugins too, which run in process groups of their own and outlive a killed
# CLI. After the run (or when it is interrupted), anything still running with it is named, killed
# by its pid, and fails the run. Not exported here: the check itself must not carry it.
run_id="$(date +%s)-$$-$RANDOM"
leftovers_checked=0
check_leftovers() {
  [ "$leftovers_checked" = 0 ] || return 0
  leftovers_checked=1
  node dist/scripts/leftover-processes.js "PSR_TEST_RUN_ID=$run_id"
}
trap 'check_leftovers || true; exit 130' INT TERM

status=0
if [ ${#tiers[@]} -gt 0 ]; then
  files=()
  for t in "${tiers[@]}"; do
    while IFS= read -r f; do files+=("$f"); done < <(find "dist/test/$t" -name '*.test.js' | sort)
  done
  [ ${#files[@]} -gt 0 ] || { echo "no test files for tier '$tier'" >&2; exit 1; }

  # One run, so one summary; files run in the order given (unit first: fastest feedback). The spec
  # report goes to the terminal; a TAP copy gives the closing "N passed, N failed" line.
  mkdir -p .work
  tap=.work/last-test-run.tap
  PSR_TEST_RUN_ID="$run_id" node --test --test-concurrency=1 --test-timeout=900000 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" \
    "${files[@]}" || status=$?
  passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -n1)
  failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -n1)
  echo "tests ($tier): ${passed:-0} passed, ${failed:-0} failed"
fi

if [ "$tier" = bench ] || [ "$tier" = all ]; then
  PSR_TEST_RUN_ID="$run_id" node dist/bench/run.js --quick || status=1
fi
check_leftovers || status=1
exit "$status"
