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
  read -r lw lr _ < <(measure $BIN/laba calendar "$expr" --iterations 100000 --base-time 2026-11-29 --timezone Asia/Shanghai)
  read -r sw sr _ < <(measure env TZ=Asia/Shanghai systemd-analyze calendar "$expr" --iterations=100000 --base-time='2026-11-29 00:00:00')
  row "calendar \`$expr\` ×100k" "laba ${lw}s, ${lr} KiB" "systemd-analyze ${sw}s, ${sr} KiB" "$(ratio "$sw" "$lw") faster"
  echo "  $expr: laba ${lw}s, systemd-analyze ${sw}s"
done

echo "Planning: laba next --count 100000 on 400 zones and 2,000 entries"
python3 Bench/gen-config.py "$work/county.yaml" 400 2000 "$(pwd)/Audio" >/dev/null
read -r nw nr _ < <(measure $BIN/laba next --config "$work/county.yaml" --count 100000 --from 2026-11-30)
row "\`laba next --count 100000\`, 400 zones, 2,000 entries" "${nw}s, ${nr} KiB" "goal < 1 s" "$(python3 -c "print('met' if $nw < 1 else 'NOT met')")"
read -r cw cr _ < <(measure $BIN/laba check --config "$work/county.yaml")
row "\`laba check\`, 400 zones, 2,000 entries" "${cw}s, ${cr} KiB" "goal < 1 s" "$(python3 -c "print('met' if $cw < 1 else 'NOT met')")"
python3 Bench/gen-config.py "$work/recorded.yaml" 400 3000 "$work/audio" 3000 >/dev/null
read -r cw cr _ < <(measure $BIN/laba check --config "$work/recorded.yaml")
row "\`laba check\`, 400 zones, 3,000 entries, 3,000 recordings" "${cw}s, ${cr} KiB" "goal < 1 s" "$(python3 -c "print('met' if $cw < 1 else 'NOT met')")"
echo "  laba check with 3,000 recordings: ${cw}s"

echo "Playback: 10 minutes at 48 kHz stereo through an ALSA file PCM into /dev/null"
cat > "$work/asound.conf" <<CONF
pcm.benchnull {
    type plug
    slave { pcm { type file slave.pcm "null" file "/dev/null" format "raw" } format S16_LE }
}
CONF
export ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$work/asound.conf"
sox -n -r 48000 -c 2 -b 16 "$work/ten.wav" synth 600 sine 440 sine 660 vol 0.5
sox "$work/ten.wav" "$work/ten.flac"
perhour() { python3 -c "import sys; print(f'{float(sys.argv[1]) * 6:.2f}')" "$1"; }
mib() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1024:.1f}')" "$1"; }
read -r _ ar ac < <(measure aplay -q -D benchnull "$work/ten.wav")
for f in wav flac; do
  read -r _ lr lc < <(measure $BIN/laba play-file --device benchnull --gain-db -3 "$work/ten.$f")
  read -r _ xr xc < <(measure sox -q "$work/ten.$f" -t alsa benchnull gain -3)
  row "\`laba play-file --gain-db -3\`, 10 min $f: CPU s per hour of audio, peak RSS" \
      "$(perhour "$lc") s, $(mib "$lr") MiB" \
      "sox (same gain) $(perhour "$xc") s, $(mib "$xr") MiB; aplay (no gain, wav) $(perhour "$ac") s, $(mib "$ar") MiB" \
      "$(ratio "$lc" "$xc" | sed 's/×//')× sox's CPU, $(ratio "$lc" "$ac" | sed 's/×//')× aplay's"
  echo "  $f: laba ${lc}s CPU ${lr} KiB, sox ${xc}s ${xr} KiB, aplay ${ac}s ${ar} KiB"
done
unset ALSA_CONFIG_PATH

# The daemon: the real labad and laba, figures from its records (started_at is the first frame
# written) and, for the scheduled start, from the sound server's monitor (outside the process).
j() { python3 -c "import json, sys; d = json.loads(sys.argv[1]); print(eval(sys.argv[2], {}, d))" "$1" "$2"; }
IDLE_SECONDS=${IDLE_SECONDS:-60}
echo "Idle labad on Config/lijiang.yaml for ${IDLE_SECONDS} s (devices: ALSA's null PCM)"
idle=$(python3 Bench/daemon.py idle $BIN "$IDLE_SECONDS")
idle_dispatch=$(LABA_DISPATCH_EXECUTOR=1 python3 Bench/daemon.py idle $BIN "$IDLE_SECONDS")
echo "  $idle"
row "idle \`labad\`, \`Config/lijiang.yaml\`, ${IDLE_SECONDS} s: wake-ups (voluntary context switches) per minute, RSS" \
    "$(j "$idle" "f'{wakeups_per_minute:.0f}/min, {rss_kib / 1024:.1f} MiB'")" \
    "cron: 1/min; labad on libdispatch's executor: $(j "$idle_dispatch" "f'{wakeups_per_minute:.0f}/min'")" \
    "$(j "$idle" "('met' if wakeups_per_minute == 0 else 'NOT met') + ' (0/min); RSS ' + ('met' if rss_kib <= 24 * 1024 else 'NOT met') + ' (24 MiB)'")"
idle_console=$(python3 Bench/daemon.py idle-console $BIN "$IDLE_SECONDS")
echo "  $idle_console"
row "idle \`labad\` with the web console enabled, no browser, ${IDLE_SECONDS} s: wake-ups per minute" \
    "$(j "$idle_console" "f'{wakeups_per_minute:.0f}/min'")" "without the console: $(j "$idle" "f'{wakeups_per_minute:.0f}/min'")" \
    "$(j "$idle_console" "'met' if wakeups_per_minute == 0 else 'NOT met'") (0/min)"
idle_metrics=$(python3 Bench/daemon.py idle-metrics $BIN "$IDLE_SECONDS")
echo "  $idle_metrics"
row "idle \`labad\` with \`/metrics\` served (loopback), nothing scraping, ${IDLE_SECONDS} s: wake-ups per minute" \
    "$(j "$idle_metrics" "f'{wakeups_per_minute:.0f}/min'")" "without metrics: $(j "$idle" "f'{wakeups_per_minute:.0f}/min'")" \
    "$(j "$idle_metrics" "'met' if wakeups_per_minute == 0 else 'NOT met'") (0/min)"
TRIGGERS=${TRIGGERS:-100}
echo "Trigger latency: laba play invoked -> first frame, ${TRIGGERS} triggers"
trig=$(python3 Bench/daemon.py trigger $BIN "$TRIGGERS")
echo "  $trig"
row "trigger: \`laba play\` invoked → first frame written, ${TRIGGERS} triggers" \
    "$(j "$trig" "f'p50 {p50_ms:.0f} ms, p99 {p99_ms:.0f} ms'")" "(of which the laba process until accepted: $(j "$trig" "f'{accepted_p50_ms:.0f} ms'") p50)" \
    "$(j "$trig" "('met' if p99_ms <= 50 else 'NOT met') + ' (p99 ≤ 50 ms)'")"
PREEMPTS=${PREEMPTS:-30}
echo "Preemption on a PulseAudio null sink, ${PREEMPTS} emergencies"
pre=$(python3 Bench/daemon.py preempt $BIN "$PREEMPTS")
echo "  $pre"
row "preemption: emergency accepted → first emergency frame, ${PREEMPTS} times, PulseAudio null sink" \
    "$(j "$pre" "f'p50 {p50_ms:.0f} ms, p99 {p99_ms:.0f} ms'")" "—" \
    "$(j "$pre" "('met' if p99_ms <= 150 else 'NOT met') + ' (p99 ≤ 150 ms)'")"
OCCURRENCES=${OCCURRENCES:-100}
echo "Scheduled start error: ${OCCURRENCES} occurrences, one every 2 s, PulseAudio null sink"
sched=$(python3 Bench/daemon.py scheduled $BIN "$OCCURRENCES")
echo "  $sched"
row "scheduled start: planned instant → first frame, ${OCCURRENCES} occurrences, PulseAudio null sink" \
    "$(j "$sched" "f'records: p50 {p50_ms:.0f} ms, p99 {p99_ms:.0f} ms; heard on the sink monitor ({heard_n} onsets): p50 {heard_p50_ms:.0f} ms, p99 {heard_p99_ms:.0f} ms'")" \
    "systemd timers: 1 min default accuracy (AccuracySec=)" \
    "$(j "$sched" "('met' if p99_ms <= 20 else 'NOT met') + ' (p99 ≤ 20 ms)'")"

ALERTS=${ALERTS:-100}
echo "Alerts: a CAP file moved into alerts.watch -> first frame, ${ALERTS} files"
cap=$(python3 Bench/places.py alerts $BIN "$ALERTS")
echo "  $cap"
row "alert: CAP file moved into \`alerts.watch\` → first frame written, ${ALERTS} files (inotify, parse, plan, admit)" \
    "$(j "$cap" "f'p50 {p50_ms:.0f} ms, p99 {p99_ms:.0f} ms'")" "—" \
    "$(j "$cap" "('met' if p99_ms <= 1000 else 'NOT met') + ' (within 1 s)'")"
SWITCHES=${SWITCHES:-100}
echo "GPS: the fix that completes the dwell -> zone switch recorded, ${SWITCHES} switches"
gps=$(python3 Bench/places.py gps $BIN "$SWITCHES")
echo "  $gps"
row "gps: TPV completing the dwell sent by a gpsd stand-in → zone switch recorded, ${SWITCHES} switches" \
    "$(j "$gps" "f'p50 {p50_ms:.1f} ms, p99 {p99_ms:.1f} ms'")" "—" "(dwell itself is counted on fix times)"
# The fleet: a real mosquitto, the real labad units; beside each figure, the floor under it: a raw
# mosquitto_pub -> mosquitto_sub delivery on the same kind of broker, and a local `laba play`.
echo "Fleet: raw mosquitto_pub -> mosquitto_sub, 50 times"
raw=$(python3 Bench/fleet.py raw 50)
echo "  $raw"
rawtext=$(j "$raw" "f'mosquitto_pub → mosquitto_sub p50 {p50_ms:.0f} ms, p99 {p99_ms:.0f} ms'")
FLEET_UNITS=${FLEET_UNITS:-50}
FLEET_ROUNDS=${FLEET_ROUNDS:-5}
echo "Fleet fan-out: an emergency to the root zone, ${FLEET_UNITS} labad units, ${FLEET_ROUNDS} rounds"
fan=$(python3 Bench/fleet.py fanout $BIN "$FLEET_UNITS" "$FLEET_ROUNDS")
echo "  $fan"
row "fleet fan-out: emergency to the root zone, command accepted → first frame on each of ${FLEET_UNITS} \`labad\` units (null PCMs), ${FLEET_ROUNDS} rounds" \
    "$(j "$fan" "f'p50 {p50_ms:.0f} ms, p99 {p99_ms:.0f} ms, max {max_ms:.0f} ms (from \`laba play\` invoked: p99 {invoked_p99_ms:.0f} ms)'")" \
    "$rawtext; local \`laba play\` → first frame: $(j "$trig" "f'p50 {p50_ms:.0f} ms, p99 {p99_ms:.0f} ms'")" \
    "$(j "$fan" "('met' if p99_ms <= 500 else 'NOT met') + ' (p99 ≤ 500 ms)'")"
SUBSCRIBERS=${SUBSCRIBERS:-1000}
VENV=.build/bench-venv
if [ ! -x $VENV/bin/python ] || ! $VENV/bin/python -c 'import paho.mqtt' 2>/dev/null; then
  python3 -m venv $VENV && $VENV/bin/pip install -q paho-mqtt
fi
echo "Broker side: ${SUBSCRIBERS} simulated unit subscriptions (paho-mqtt) receiving one command"
subs=$($VENV/bin/python Bench/fleet.py subscribers "$SUBSCRIBERS")
echo "  $subs"
row "broker side: one command to ${SUBSCRIBERS} simulated unit subscriptions (paho-mqtt, QoS 1): publish → last delivery" \
    "$(j "$subs" "f'last {last_ms:.0f} ms (first {first_ms:.0f} ms, p50 {p50_ms:.0f} ms), {delivered} delivered'")" \
    "$rawtext (one subscriber)" "—"
echo "Idle fleet unit, broker connected, ${IDLE_SECONDS} s"
fidle=$(python3 Bench/fleet.py idle $BIN "$IDLE_SECONDS")
echo "  $fidle"
row "idle fleet unit, broker connected (keepalive 60 s), ${IDLE_SECONDS} s: wake-ups per minute, RSS" \
    "$(j "$fidle" "f'{wakeups_per_minute:.1f}/min, {rss_kib / 1024:.1f} MiB'")" \
    "$(j "$fidle" "f'mosquitto_sub -k 60: {mosquitto_sub_wakeups_per_minute:.1f}/min'")" \
    "$(j "$fidle" "('met' if wakeups_per_minute <= 2 else 'NOT met') + ' (≤ 2/min)'")"

echo "Live talk: mouth -> horn, ${LIVE_CLICKS:=20} clicks into the microphone's sink, heard on the output's sink"
livej=$(python3 Bench/daemon.py live $BIN "$LIVE_CLICKS")
echo "  $livej"
row "live talk: a click into the microphone → heard on the output (PulseAudio sinks' monitors, ${LIVE_CLICKS} clicks)" \
    "$(j "$livej" "f'p50 {p50_ms:.0f} ms, p99 {p99_ms:.0f} ms ({heard}/{clicks} heard)'")" \
    "a hw PCM: its capture buffer (20 ms) and playback queue (2 × 25 ms) instead of the sound server's" \
    "$(j "$livej" "('met' if p99_ms <= 100 else 'NOT met') + ' (≤ 100 ms)'")"
row "live talk ended (Ctrl-C on \`laba live\`) → what it interrupted heard again" "$(j "$livej" "f'{resume_ms:.0f} ms'")" "—" \
    "$(j "$livej" "('met' if resume_ms <= 3000 else 'NOT met') + ' (≤ 3 s)'")"

echo "Off-air check: one ${MONITOR_SECONDS:=120} s broadcast on a PulseAudio sink, without and with its monitor"
monitorj=$(python3 Bench/monitor.py $BIN "$MONITOR_SECONDS")
echo "  $monitorj"
row "off-air check: labad's CPU per hour of monitored broadcast (capture at 16 kHz, envelopes, cross-correlation; the sink's monitor as the microphone, ${MONITOR_SECONDS} s)" \
    "$(j "$monitorj" "f'{monitor_cpu_s_per_hour:.1f} s/h'")" \
    "$(j "$monitorj" "f'the broadcast itself: {cpu_plain_s * 3600 / seconds:.1f} s/h'")" \
    "$(j "$monitorj" "('met' if monitor_cpu_s_per_hour <= 36 else 'NOT met') + ' (≤ 1 % of a core)'")"

echo "Fleet live talk: mouth at the commander -> horn on a unit (Icecast, Ogg Opus), ${LIVE_CLICKS} clicks"
fleetlive=$(python3 Bench/daemon.py fleet-live $BIN "$LIVE_CLICKS")
echo "  $fleetlive"
row "fleet live talk: a click into the commander's microphone → heard on a unit's output (Opus 32 kbit/s through Icecast 2 on the loopback, ${LIVE_CLICKS} clicks); \`laba live\` → on air at the unit" \
    "$(j "$fleetlive" "f'p50 {p50_ms:.0f} ms, p99 {p99_ms:.0f} ms ({heard}/{clicks} heard); on air {laba_live_to_unit_on_air_ms:.0f} ms'")" \
    "the unit's own microphone: the live talk row above" \
    "$(j "$fleetlive" "('met' if p99_ms <= 3000 else 'NOT met') + ' (≤ 3 s)'")"

echo "Console talk: the browser's microphone (headless Chromium, fake device) → the output (ConsoleTalkTests)"
talkfig=$(swift test --filter ConsoleTalkTests 2>&1 | grep -m1 '"browser_to_capture_file_ms"' || true)
echo "  $talkfig"
# The output's `file` capture writes a sample once a whole output buffer (500 ms) follows it.
talkcell=$(j "${talkfig:-null}" "f'{browser_to_capture_file_ms - 500} ms to ALSA ({browser_to_capture_file_ms} ms to the file capture, less its 500 ms lag); on air {press_to_on_air_ms} ms after the press'" 2>/dev/null || echo "not measured")
row "console talk: a 20 ms block sent by the browser → written to the output's PCM (WebSocket, feed, capture, ring; PulseAudio null sink)" \
    "$talkcell" "\`laba live\` from an ALSA input: the row above" "goal ≤ 100 ms; a hw PCM adds the output queue (2 × 25 ms)"

echo "County desk: a commander's store with a year of records from 466 units (Bench/desk.py)"
desk=$(python3 Bench/desk.py $BIN "${DESK_DAYS:-365}" "${DESK_UNITS:-466}" "${DESK_PER_DAY:-30}")
echo "  $desk"
goal() { python3 -c "import sys; print(('met' if float(sys.argv[1]) <= float(sys.argv[2]) else 'NOT met') + f' (≤ {sys.argv[2]} ms)')" "$1" "$2"; }
row "county desk, $(j "$desk" "f'{records:,}'") units' records: overview (\`GET /v1/fleet\`: every unit and its last record)" \
    "$(j "$desk" "f'{overview_ms} ms'")" "plain SQLite: $(j "$desk" "f'{overview_sqlite_ms} ms'")" "$(goal "$(j "$desk" overview_ms)" 300)"
row "county desk: coverage of one message over a month (\`GET /v1/coverage\`, $(j "$desk" "f'{coverage_records:,}'") records)" \
    "$(j "$desk" "f'{coverage_ms} ms'")" "plain SQLite: $(j "$desk" "f'{coverage_sqlite_ms} ms'")" "$(goal "$(j "$desk" coverage_ms)" 500)"
row "county desk: the newest page of the fleet's history (\`GET /v1/broadcasts?fleet=true&limit=100\`)" \
    "$(j "$desk" "f'{history_ms} ms'")" "plain SQLite: $(j "$desk" "f'{history_sqlite_ms} ms'")" "$(goal "$(j "$desk" history_ms)" 300)"
row "county desk: one zone's newest page (\`zone=c-100\`)" \
    "$(j "$desk" "f'{history_zone_ms} ms'")" "plain SQLite: $(j "$desk" "f'{history_zone_sqlite_ms} ms'")" "$(goal "$(j "$desk" history_zone_ms)" 300)"
row "county desk: the console's overview (every unit's row)" "$(j "$desk" "f'{console_overview_ms} ms'")" "—" "$(goal "$(j "$desk" console_overview_ms)" 300)"
row "county desk: the console's coverage page (one message, a month)" "$(j "$desk" "f'{console_coverage_ms} ms'")" "—" "$(goal "$(j "$desk" console_coverage_ms)" 500)"
row "county desk: the console's record page (the fleet's newest)" "$(j "$desk" "f'{console_record_ms} ms'")" "—" "$(goal "$(j "$desk" console_record_ms)" 300)"
row "county desk: the commander's resident memory after serving them" "$(j "$desk" "f'{rss_mib} MiB (peak {peak_rss_mib} MiB)'")" "store $(j "$desk" "f'{store_mib:,}'") MiB" "—"

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
