#!/usr/bin/env python3
"""measure.py RUNS CMD...: runs CMD RUNS times with stdout to /dev/null; prints the median wall
seconds, the largest peak RSS in KiB and the median CPU seconds (user + system), from the
kernel's rusage of the child."""
import os
import statistics
import subprocess
import sys
import time

runs = int(sys.argv[1])
cmd = sys.argv[2:]
walls, cpus, rss = [], [], 0
for _ in range(runs):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    walls.append(time.perf_counter() - start)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write(proc.stderr.read().decode())
        sys.exit(1)
    rss = max(rss, usage.ru_maxrss)
    cpus.append(usage.ru_utime + usage.ru_stime)
print(f"{statistics.median(walls):.3f} {rss} {statistics.median(cpus):.3f}")
