#!/usr/bin/env python3
"""tones.py WAV: the frequency (rounded to 100 Hz) of each sounding region, one per tone, in order."""
import array
import subprocess
import sys

raw = subprocess.run(["sox", sys.argv[1], "-t", "f32", "-c", "1", "-"], capture_output=True, check=True).stdout
rate = int(subprocess.run(["soxi", "-r", sys.argv[1]], capture_output=True, text=True).stdout)
s = array.array("f", raw)
regions, start, last = [], None, -10**9
for i, v in enumerate(s):
    if abs(v) > 0.001:
        if start is not None and i - last > rate // 20:
            regions.append((start, last))
            start = i
        elif start is None:
            start = i
        last = i
if start is not None:
    regions.append((start, last))
out = []
for a, b in regions:
    crossings = sum(1 for i in range(a + 1, b) if (s[i - 1] < 0) != (s[i] < 0))
    out.append(round(crossings / 2 / ((b - a) / rate) / 100) * 100)
print(" ".join(map(str, out)))
