#!/usr/bin/env python3
"""The off-air check's cost for `make bench` (SPEC 18, issue 30), on the real labad and laba.

    monitor.py BIN SECONDS    one broadcast of SECONDS on a paced PulseAudio sink, once without a
                              monitor and once with `monitor:` on the sink's monitor; labad's CPU
                              time (utime + stime from /proc) for each, the difference scaled to
                              an hour of monitored broadcast, and what the monitor said.

Prints one JSON object.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon import Daemon, Pulse  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def one(bin_dir, work, pulse, seconds, monitored):
    audio = os.path.join(work, "audio")
    config = os.path.join(work, "laba.yaml")
    monitor = ", monitor: {input: laba_ear}" if monitored else ""
    open(config, "w").write(f"""timezone: UTC
audio_dir: {audio}
outputs:
  - {{id: square, device: laba_bench, zone: town{monitor}}}
zones:
  - id: town
    languages: [naxi]
""")
    daemon = Daemon(bin_dir, config, {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + os.path.join(work, "asound.conf")})
    try:
        before = cpu_seconds(daemon.proc.pid)
        daemon.laba("play", "notice", "--zone", "town", "--force")
        daemon.wait_records(lambda rs: rs and all(r["state"] == "done" for r in rs), timeout=seconds + 60)
        if monitored:
            deadline = time.time() + 10
            while time.time() < deadline and not any("broadcast checked at the horn" in line for line in daemon.log):
                time.sleep(0.05)
        used = cpu_seconds(daemon.proc.pid) - before
        said = next((line.strip() for line in daemon.log if "broadcast checked at the horn" in line), None)
        return used, said
    finally:
        daemon.stop()


def main(bin_dir, seconds):
    work = tempfile.mkdtemp(prefix="laba-monitor-")
    pulse = Pulse(work)
    try:
        os.makedirs(os.path.join(work, "audio", "notice"))
        # A program with structure: a tone that pauses every 2 s.
        subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", "-b", "16", os.path.join(work, "audio", "notice", "naxi.wav"),
                        "synth", str(seconds), "sine", "440", "vol", "0.5", "tremolo", "0.5", "100"], check=True)
        open(os.path.join(work, "asound.conf"), "w").write(
            f'pcm.laba_bench {{ type plug slave {{ pcm {{ type pulse server "unix:{pulse.socket}" device "bench" }} format S16_LE }} }}\n'
            f'pcm.laba_ear {{ type pulse server "unix:{pulse.socket}" device "bench.monitor" }}\n')
        plain, _ = one(bin_dir, work, pulse, seconds, False)
        monitored, said = one(bin_dir, work, pulse, seconds, True)
        print(json.dumps({"seconds": seconds, "cpu_plain_s": round(plain, 2), "cpu_monitored_s": round(monitored, 2),
                          "monitor_cpu_s_per_hour": round((monitored - plain) * 3600 / seconds, 1),
                          "heard": said}))
    finally:
        pulse.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
