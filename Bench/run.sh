#!/usr/bin/env bash
# make bench: side-by-side comparisons, printed as a table and written to bench-report.md.
# Each figure is the median of RUNS runs of the whole process (wall seconds) and its peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
BIN=.build/release
REPORT=bench-report.md
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure CMD...: median wall seconds and peak RSS (KiB) over RUNS runs.
measure() { python3 Bench/measure.py "$RUNS" "$@"; }

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.1f}×' if b > 0 else '∞')" "$1" "$2"; }

rows=()
row() { rows+=("$(printf '| %s | %s | %s | %s |' "$1" "$2" "$3" "$4")"); }

echo "Calendar: 100,000 iterations, laba calendar against systemd-analyze calendar"
# Expressions that still fire 100,000 times before 2199, where systemd stops.
for expr in 'Mon..Fri 07..18:30' '*:0/15' '*-*-* 08,12,18:00' 'Sat,Sun *-*-01..07 *:00/10' '*-*~01..07 06..21:00'; do
  read -r lw lr < <(measure $BIN/laba calendar "$expr" --iterations 100000 --base-time 2026-11-29 --timezone Asia/Shanghai)
  read -r sw sr < <(measure env TZ=Asia/Shanghai systemd-analyze calendar "$expr" --iterations=100000 --base-time='2026-11-29 00:00:00')
  row "calendar \`$expr\` ×100k" "laba ${lw}s, ${lr} KiB" "systemd-analyze ${sw}s, ${sr} KiB" "$(ratio "$sw" "$lw") faster"
  echo "  $expr: laba ${lw}s, systemd-analyze ${sw}s"
done

echo "Planning: laba next --count 100000 on 400 zones and 2,000 entries"
python3 Bench/gen-config.py "$work/county.yaml" 400 2000 "$(pwd)/Audio" >/dev/null
read -r nw nr < <(measure $BIN/laba next --config "$work/county.yaml" --count 100000 --from 2026-11-30)
row "\`laba next --count 100000\`, 400 zones, 2,000 entries" "${nw}s, ${nr} KiB" "goal < 1 s" "$(python3 -c "print('met' if $nw < 1 else 'NOT met')")"
read -r cw cr < <(measure $BIN/laba check --config "$work/county.yaml")
row "\`laba check\`, 400 zones, 2,000 entries" "${cw}s, ${cr} KiB" "goal < 1 s" "$(python3 -c "print('met' if $cw < 1 else 'NOT met')")"

{
  echo "# Laba benchmark report"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -m), median of $RUNS runs (wall time of the whole process, peak RSS)."
  echo
  echo "| figure | Laba | compared with | ratio / goal |"
  echo "|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > "$REPORT"
echo
cat "$REPORT"
