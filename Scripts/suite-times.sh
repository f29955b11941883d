#!/usr/bin/env bash
# Prints each test suite's time from a `swift test` log, slowest first, and each run's total.
# Swift Testing runs suites side by side, so a suite's time runs from the start of its run to the
# suite's end: an upper bound of its own cost (run a suite alone, with --filter, for its own time).
# A run over 15 minutes, or a suite that alone takes over a minute, belongs in `make soak`.
set -euo pipefail
log=${1:-.build/test.log}
echo "Suite times (seconds from the start of their run, slowest first):"
grep -aE 'Suite [A-Za-z0-9_]+ (passed|failed) after [0-9.]+ seconds' "$log" \
  | sed -E 's/.*Suite ([A-Za-z0-9_]+) (passed|failed) after ([0-9.]+) seconds.*/\3 \1 \2/' \
  | sort -rn | awk '{ printf "  %8.1f  %s%s\n", $1, $2, ($3 == "failed" ? " (failed)" : "") }'
echo "Runs:"
grep -aE 'Test run with [0-9]+ tests' "$log" | sed -E 's/^[^T]*/  /'
