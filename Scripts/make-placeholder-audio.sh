#!/usr/bin/env bash
# Makes the synthetic placeholder recordings in Audio/: espeak-ng reads, in Mandarin, the name of
# the language and the message; sox makes the chime. Mono 16 kHz FLAC. Needs espeak-ng, sox, flac.
# Real deployments replace these with native speakers' recordings (see Audio/README.md).
set -euo pipefail
cd "$(dirname "$0")/../Audio"

declare -A LANG_NAME=(
  [naxi]="纳西语" [bai]="白语" [yi]="彝语" [pumi]="普米语"
  [mosuo]="摩梭语" [lisu]="傈僳语" [mandarin]="普通话"
)
declare -A MESSAGE_TEXT=(
  [masks]="请戴口罩"
  [handwash]="勤洗手"
  [gathering]="不聚集，不串门"
  [evacuation]="紧急疏散，请立即前往安全地带"
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for message in "${!MESSAGE_TEXT[@]}"; do
  mkdir -p "$message"
  for language in "${!LANG_NAME[@]}"; do
    espeak-ng -v cmn -s 150 -w "$tmp/raw.wav" "${LANG_NAME[$language]}。${MESSAGE_TEXT[$message]}。"
    # 16 kHz mono; compressed as speech for an outdoor horn usually is, so that it reaches
    # -16 LUFS with its peaks under -1 dBFS; a quarter second of silence at each end.
    sox "$tmp/raw.wav" -r 16000 -c 1 -b 16 "$message/$language.flac" \
      compand 0,0.3 -90,-90,-50,-25,-25,-13,-10,-9,0,-8 0 -90 0.005 norm -3 pad 0.25 0.25
  done
done

# A two-tone chime (E5 then C5), language-neutral, with soft edges.
mkdir -p chime
sox -n -r 16000 -c 1 -b 16 "$tmp/a.wav" synth 0.45 sine 659.25 fade q 0.01 0.45 0.3 vol 0.5
sox -n -r 16000 -c 1 -b 16 "$tmp/b.wav" synth 0.7 sine 523.25 fade q 0.01 0.7 0.5 vol 0.5
sox "$tmp/a.wav" "$tmp/b.wav" "chime/neutral.flac" pad 0.1 0.2
echo "placeholder recordings written to $(pwd)"
