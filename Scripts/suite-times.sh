#!/usr/bin/env bash
# Prints each test suite's time from a `swift test` log, slowest first, and warns about suites over
# a minute (they belong in `make soak`). Swift Testing runs suites side by side, so a suite's time
# is from the start of the run to its end: an upper bound of its own cost.
set -euo pipefail
log=${1:-.build/test.log}
echo "Suite times (seconds, slowest first):"
grep -aE '(✔|✘|◇)? ?Suite [A-Za-z0-9_]+ (passed|failed) after [0-9.]+ seconds' "$log" \
  | sed -E 's/.*Suite ([A-Za-z0-9_]+) (passed|failed) after ([0-9.]+) seconds.*/\3 \1 \2/' \
  | sort -rn | awk '{ printf "  %8.1f  %s%s\n", $1, $2, ($3 == "failed" ? " (failed)" : "") } $1 > 60 { slow = slow " " $2 } END { if (slow != "") print "Over a minute:" slow }'
