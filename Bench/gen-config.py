#!/usr/bin/env python3
"""Writes a county-scale configuration for benchmarks: ZONES zones in a tree, ENTRIES schedule
entries spread over them, one output per leaf zone, all playing the shipped placeholder audio.

usage: gen-config.py OUT.yaml [ZONES] [ENTRIES] [AUDIO_DIR] [RECORDINGS]

With RECORDINGS, AUDIO_DIR is filled with that many short WAV recordings (messages m0, m1, ...
in the seven languages), and the entries play those messages.
"""
import os
import random
import sys
import wave

out = sys.argv[1]
zones = int(sys.argv[2]) if len(sys.argv) > 2 else 400
entries = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
audio = sys.argv[4] if len(sys.argv) > 4 else "../Audio"
rng = random.Random(42)
languages = ["naxi", "bai", "yi", "pumi", "mosuo", "lisu", "mandarin"]
messages = ["masks", "handwash", "gathering"]
if len(sys.argv) > 5:
    recordings = int(sys.argv[5])
    count = (recordings + len(languages) - 1) // len(languages)
    messages = [f"m{i}" for i in range(count)]
    made = 0
    for m in messages:
        os.makedirs(os.path.join(audio, m), exist_ok=True)
        for language in languages:
            if made == recordings:
                break
            with wave.open(os.path.join(audio, m, language + ".wav"), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(8000)
                w.writeframes(bytes(1600))
            made += 1
times = ["Mon..Fri 07:30", "*-*-* 08,12,18:00", "Sat,Sun 09:30", "*:0/30", "Mon,Wed,Fri 10:15",
         "*-*-* 06:45:00", "hourly", "*-*~1 17:00", "Tue..Thu 14:00..16:00/20", "daily"]

ids = ["z0"]
parents = {"z0": None}
for i in range(1, zones):
    zid = f"z{i}"
    # A broad, shallow tree like a county: the first few under the root, the rest under them.
    parent = "z0" if i < 10 else ids[rng.randrange(1, min(len(ids), 60))]
    ids.append(zid)
    parents[zid] = parent
children = {z: [c for c in ids if parents[c] == z] for z in ids}
leaves = [z for z in ids if not children[z]]

lines = ["timezone: Asia/Shanghai", f"audio_dir: {audio}", "defaults:", "  languages: [mandarin]",
         "  quiet_hours: \"22:00-06:00\"", "outputs:"]
for n, z in enumerate(leaves):
    lines.append(f"  - {{id: out-{n}, device: laba_bench_{n}, zone: {z}}}")
per_zone = {z: [] for z in ids}
for e in range(entries):
    per_zone[ids[rng.randrange(len(ids))] if e % 5 else "z0" if e < 5 else ids[rng.randrange(10)]].append(e)
lines.append("zones:")
for z in ids:
    lines.append(f"  - id: {z}")
    lines.append(f"    name: 区{z[1:]}")
    if parents[z]:
        lines.append(f"    parent: {parents[z]}")
    if rng.random() < 0.5:
        lines.append(f"    languages: [{', '.join(rng.sample(languages, rng.randrange(1, 4)))}]")
    if per_zone[z]:
        lines.append("    schedule:")
        for e in per_zone[z]:
            lines.append(f"      - {{message: {messages[e % len(messages)]}, at: \"{times[e % len(times)]}\"}}")
open(out, "w").write("\n".join(lines) + "\n")
print(f"{out}: {zones} zones, {entries} entries, {len(leaves)} outputs")
