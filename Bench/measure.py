#!/usr/bin/env python3
"""measure.py RUNS CMD...: runs CMD RUNS times with stdout to /dev/null; prints the median wall
seconds and the largest peak RSS in KiB (from the kernel's rusage of the child)."""
import os
import statistics
import subprocess
import sys
import time

runs = int(sys.argv[1])
cmd = sys.argv[2:]
walls, rss = [], 0
for _ in range(runs):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    walls.append(time.perf_counter() - start)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write(proc.stderr.read().decode())
        sys.exit(1)
    rss = max(rss, usage.ru_maxrss)
print(f"{statistics.median(walls):.3f} {rss}")
