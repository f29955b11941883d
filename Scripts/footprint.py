#!/usr/bin/env python3
"""The footprint of the packaged labad beside the dynamically linked build (`make footprint`).

    footprint.py DEB DYNAMIC_BIN_DIR [IDLE_SECONDS]

Prints Markdown: binary and package sizes, then idle RSS, PSS and USS (private clean + private
dirty) from /proc/PID/smaps_rollup for each labad on Config/lijiang.yaml (devices: ALSA's null PCM,
as `make bench` runs it), once the start-up work has ended and IDLE_SECONDS (default 10) have passed;
then where the resident pages are (smaps, by mapping: the binary, the Swift runtime and
Foundation, the C libraries, anonymous memory), clean or dirty.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "Bench"))
from daemon import Daemon, lijiang, threads  # noqa: E402

MIB = 1024.0
FIELDS = ("Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty")


def smaps_rollup(pid):
    text = open(f"/proc/{pid}/smaps_rollup").read()
    return {k: int(re.search(rf"^{k}:\s+(\d+) kB", text, re.M).group(1)) for k in FIELDS}


def group(path):
    name = os.path.basename(path)
    if name == "labad":
        return "labad executable"
    if re.match(r"lib(swift|Foundation|_Foundation|dispatch|BlocksRuntime)", name):
        return "Swift runtime, Foundation, ICU (.so)"
    if ".so" in name:
        return "C libraries (libc, libstdc++, libasound, SQLite...)"
    if path == "" or path.startswith("["):
        return "anonymous (heap, stacks)"
    return "other files"


def smaps_by_group(pid):
    out, current = {}, None
    for line in open(f"/proc/{pid}/smaps"):
        head = re.match(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$", line)
        if head:
            current = out.setdefault(group(head.group(1).strip()), dict.fromkeys(FIELDS, 0))
            continue
        field = re.match(r"^(\w+):\s+(\d+) kB", line)
        if field and field.group(1) in FIELDS:
            current[field.group(1)] += int(field.group(2))
    return out


def measure(bin_dir, config, seconds):
    daemon = Daemon(bin_dir, config)
    try:
        deadline = time.time() + 120
        while any(name == "laba-loudness" for name, _ in threads(daemon.proc.pid).values()) and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(seconds)
        return smaps_rollup(daemon.proc.pid), smaps_by_group(daemon.proc.pid)
    finally:
        daemon.stop()


def size(path):
    return os.path.getsize(path) / MIB / 1024


def stripped_size(path):
    with tempfile.NamedTemporaryFile() as copy:
        subprocess.run(["strip", "-o", copy.name, path], check=True)
        return size(copy.name)


def main():
    deb, dynamic = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 10
    work = tempfile.mkdtemp(prefix="laba-footprint-")
    try:
        root = os.path.join(work, "root")
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
        installed = int(subprocess.run(["dpkg-deb", "-f", deb, "Installed-Size"], capture_output=True, text=True,
                                       check=True).stdout)
        packaged = os.path.join(root, "usr/bin")
        config = os.path.join(work, "lijiang.yaml")
        lijiang(config)
        # laba from the same build answers the daemon's readiness and record questions.
        results = {"packaged (static Swift runtime, stripped)": measure(packaged, config, seconds),
                   "dynamic (`make release`)": measure(dynamic, config, seconds)}

        print("| | packaged | dynamic (`make release`) |")
        print("|---|---|---|")
        print(f"| `labad` size | {size(os.path.join(packaged, 'labad')):.1f} MiB (stripped) | "
              f"{size(os.path.join(dynamic, 'labad')):.1f} MiB ({stripped_size(os.path.join(dynamic, 'labad')):.1f} stripped) "
              f"+ the Swift runtime's .so |")
        print(f"| `laba` size | {size(os.path.join(packaged, 'laba')):.1f} MiB (stripped) | "
              f"{size(os.path.join(dynamic, 'laba')):.1f} MiB ({stripped_size(os.path.join(dynamic, 'laba')):.1f} stripped) |")
        print(f"| `.deb` / installed | {size(deb):.1f} MiB / {installed / MIB:.1f} MiB | — |")
        rows = [("RSS", lambda r: r["Rss"], 24), ("PSS", lambda r: r["Pss"], None),
                ("USS (private clean + dirty)", lambda r: r["Private_Clean"] + r["Private_Dirty"], None),
                ("private dirty", lambda r: r["Private_Dirty"], 8),
                ("shared clean (code, read-only data)", lambda r: r["Shared_Clean"], None)]
        for label, value, goal in rows:
            cells = []
            for rollup, _ in results.values():
                mib = value(rollup) / MIB
                cells.append(f"{mib:.1f} MiB" + ("" if goal is None else (" (met)" if mib <= goal else " (NOT met)")))
            goal_text = "" if goal is None else f", goal ≤ {goal} MiB"
            print(f"| idle `labad` {label}{goal_text} | {cells[0]} | {cells[1]} |")

        for name, (_, groups) in results.items():
            print(f"\nWhere {name} `labad`'s resident pages are (MiB):\n")
            print("| mapping | RSS | shared clean | private clean | private dirty |")
            print("|---|---|---|---|---|")
            for g, v in sorted(groups.items(), key=lambda kv: -kv[1]["Rss"]):
                if v["Rss"]:
                    print(f"| {g} | {v['Rss'] / MIB:.1f} | {v['Shared_Clean'] / MIB:.1f} | "
                          f"{v['Private_Clean'] / MIB:.1f} | {(v['Private_Dirty'] + v['Shared_Dirty']) / MIB:.1f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
