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
    if name.startswith("lib_FoundationICU"):
        return "ICU (.so)"
    if re.match(r"lib(Foundation|_Foundation)", name):
        return "Foundation (.so)"
    if re.match(r"lib(swift|dispatch|BlocksRuntime)", name):
        return "Swift runtime (.so)"
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


def resident_pages(pid):
    """The executable's file pages resident in this process, as ELF virtual page numbers (pagemap)."""
    exe = os.path.realpath(f"/proc/{pid}/exe")
    loads = [(int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16)) for m in
             re.finditer(r"^\s*LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)",
                         subprocess.run(["readelf", "-lW", exe], capture_output=True, text=True).stdout, re.M)]
    pages = set()
    try:
        pagemap = open(f"/proc/{pid}/pagemap", "rb")
    except OSError:
        return pages
    with pagemap:
        for line in open(f"/proc/{pid}/maps"):
            fields = line.split()
            if len(fields) < 6 or os.path.realpath(fields[5]) != exe:
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            pagemap.seek(start // 4096 * 8)
            entries = pagemap.read((end - start) // 4096 * 8)
            for i in range(len(entries) // 8):
                if not int.from_bytes(entries[i * 8:i * 8 + 8], "little") >> 63:
                    continue
                offset = int(fields[2], 16) + i * 4096
                for p_offset, p_vaddr, p_filesz in loads:
                    if p_offset <= offset < p_offset + p_filesz or p_offset // 4096 == offset // 4096:
                        pages.add((p_vaddr + offset - p_offset) // 4096)
                        break
    return pages


def component(symbol):
    """Which library a symbol of the static executable belongs to."""
    swift = re.match(r"\$s(\d+)", symbol)
    module = symbol[swift.end():swift.end() + int(swift.group(1))] if swift else ""
    if re.search(r"icu_\d+|_7\d$|^icudt", symbol):
        return "ICU (code and data)"
    if module.startswith(("Foundation", "_Foundation")) or re.match(r"_*CF|__NS|_NS", symbol):
        return "Foundation, CoreFoundation"
    if symbol.startswith(("$ss", "$sS")) or module in ("_StringProcessing", "_RegexParser", "Dispatch", "Synchronization") \
            or re.match(r"_*swift|_*dispatch|_Block", symbol):
        return "Swift runtime, stdlib, Dispatch"
    if re.match(r"_?NIO|CNIO", module) or symbol.startswith(("CNIO", "c_nio")):
        return "SwiftNIO"
    if module.startswith(("Hummingbird", "HTTPTypes")):
        return "Hummingbird, HTTPTypes"
    for name in ("GRDB", "Yams", "ArgumentParser", "AsyncAlgorithms"):
        if module.startswith(name):
            return name
    if module.startswith("Laba") or module == "labad":
        return "Laba's own modules"
    return "other Swift packages" if module else "other (C, unnamed)"


def resident_by_component(pages, debug_file):
    """Resident bytes of the executable by library, from the symbols of its debug file."""
    out = {}
    nm = subprocess.run(["nm", "--defined-only", "-S", debug_file], capture_output=True, text=True).stdout
    for line in nm.splitlines():
        fields = line.split()
        if len(fields) != 4:
            continue
        address, size = int(fields[0], 16), int(fields[1], 16)
        if not size:
            continue
        resident = 0
        for page in range(address // 4096, (address + size - 1) // 4096 + 1):
            if page in pages:
                resident += min(address + size, (page + 1) * 4096) - max(address, page * 4096)
        if resident:
            key = component(fields[3])
            out[key] = out.get(key, 0) + resident
    return out


def measure(bin_dir, config, seconds):
    daemon = Daemon(bin_dir, config)
    try:
        deadline = time.time() + 120
        while any(name == "laba-loudness" for name, _ in threads(daemon.proc.pid).values()) and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(seconds)
        return smaps_rollup(daemon.proc.pid), smaps_by_group(daemon.proc.pid), resident_pages(daemon.proc.pid)
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
        # Pages of a file written moments ago are dirty in the page cache, and smaps would count the
        # binaries' code as private dirty until they are written back.
        os.sync()
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
            for rollup, _, _ in results.values():
                mib = value(rollup) / MIB
                cells.append(f"{mib:.1f} MiB" + ("" if goal is None else (" (met)" if mib <= goal else " (NOT met)")))
            goal_text = "" if goal is None else f", goal ≤ {goal} MiB"
            print(f"| idle `labad` {label}{goal_text} | {cells[0]} | {cells[1]} |")

        for name, (_, groups, _) in results.items():
            print(f"\nWhere {name} `labad`'s resident pages are (MiB):\n")
            print("| mapping | RSS | shared clean | private clean | private dirty |")
            print("|---|---|---|---|---|")
            for g, v in sorted(groups.items(), key=lambda kv: -kv[1]["Rss"]):
                if v["Rss"] >= 64:
                    print(f"| {g} | {v['Rss'] / MIB:.1f} | {v['Shared_Clean'] / MIB:.1f} | "
                          f"{v['Private_Clean'] / MIB:.1f} | {(v['Private_Dirty'] + v['Shared_Dirty']) / MIB:.1f} |")

        pages = results["packaged (static Swift runtime, stripped)"][2]
        debug = os.path.join(os.path.dirname(os.path.abspath(deb)), ".build", f"deb-{arch(deb)}", "labad.debug")
        if pages and os.path.exists(debug):
            print(f"\nThe packaged `labad`'s resident executable pages ({len(pages) * 4 / MIB:.1f} MiB) by the library "
                  "their symbols belong to (pagemap, symbols from its .debug file; the rest is unwind tables, "
                  "Swift metadata and relocation data without symbols):\n")
            print("| library | resident MiB |")
            print("|---|---|")
            for key, value in sorted(resident_by_component(pages, debug).items(), key=lambda kv: -kv[1]):
                print(f"| {key} | {value / MIB / 1024:.1f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def arch(deb):
    return subprocess.run(["dpkg-deb", "-f", deb, "Architecture"], capture_output=True, text=True, check=True).stdout.strip()


if __name__ == "__main__":
    main()
