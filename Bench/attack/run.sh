#!/usr/bin/env bash
# `make attack`: each case in Bench/attack/*.py attacks the real binaries in BIN (default
# .build/debug) and exits 0 only when the attack failed (the horns kept working). A case that
# needs root and runs without it says so and exits 77 (skipped). Prints one line per case.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-.build/debug}
failed=0
for case in Bench/attack/*.py; do
	start=$(date +%s.%N)
	python3 "$case" "$BIN"
	rc=$?
	took=$(python3 -c "import sys; print(f\"{float(sys.argv[2])-float(sys.argv[1]):.1f}\")" "$start" "$(date +%s.%N)")
	case $rc in
		0) echo "attack held: $(basename "$case") (${took} s)" ;;
		77) echo "attack skipped: $(basename "$case") (needs root or a missing tool)" ;;
		*) echo "ATTACK SUCCEEDED: $(basename "$case") (exit $rc, ${took} s)"; failed=1 ;;
	esac
done
exit $failed
