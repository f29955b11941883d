#!/usr/bin/env python3
"""Places figures for `make bench`, on the real labad and laba binaries (SPEC 13).

    places.py alerts BIN N     a CAP file moved into alerts.watch -> the first frame of its broadcast, N files
    places.py gps BIN N        the fix that completes the dwell, sent by a gpsd stand-in -> the zone switch, N switches

Each prints one JSON object. First frames are the records' `started_at`; switches are the
`zone_move` records' `at` (both stamped by the daemon's clock, the machine's here).
"""
import json
import os
import socket
import sqlite3
import sys
import tempfile
import threading
import time
import shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon import Daemon, percentile, parse_time, tones  # noqa: E402

NULL_PCM = 'pcm.laba_bench { type plug slave { pcm { type file slave.pcm "null" file "/dev/null" format "raw" } format S16_LE } }\n'

CAP = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{id}</identifier><sender>bench@example.cn</sender><sent>2026-12-02T10:00:00+08:00</sent>
  <status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
  <info>
    <language>zh-CN</language><category>Geo</category><event>地震</event>
    <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>
    <area><areaDesc>town</areaDesc><polygon>26.85,100.05 26.85,100.15 26.95,100.15 26.95,100.05 26.85,100.05</polygon></area>
  </info>
</alert>
"""

ZONES = """zones:
  - id: county
    languages: [mandarin]
  - id: a
    parent: county
    area: [[100.0, 26.8], [100.1, 26.8], [100.1, 26.9], [100.0, 26.9], [100.0, 26.8]]
  - id: b
    parent: county
    area: [[100.1, 26.8], [100.2, 26.8], [100.2, 26.9], [100.1, 26.9], [100.1, 26.8]]
"""


def setup(prefix):
    work = tempfile.mkdtemp(prefix=prefix)
    tones(os.path.join(work, "audio"), seconds=0.05)
    open(os.path.join(work, "asound.conf"), "w").write(NULL_PCM)
    return work, {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + os.path.join(work, "asound.conf")}


def alerts(bin_dir, count):
    work, env = setup("laba-alerts-")
    watch = os.path.join(work, "alerts")
    os.makedirs(watch)
    config = os.path.join(work, "laba.yaml")
    open(config, "w").write(f"""timezone: UTC
audio_dir: {work}/audio
outputs:
  - {{id: square, device: laba_bench, zone: a}}
{ZONES}alerts:
  watch: {watch}
  events:
    - {{event: 地震, message: alarm, priority: emergency}}
  languages: {{zh-CN: mandarin}}
""")
    daemon = Daemon(bin_dir, config, env)
    try:
        dropped = {}
        for i in range(count):
            identifier = f"bench-{i}"
            staging = os.path.join(work, f"{identifier}.xml.part")
            open(staging, "w").write(CAP.format(id=identifier))
            t0 = time.time()
            os.rename(staging, os.path.join(watch, f"{identifier}.xml"))
            dropped[identifier] = t0
            # One at a time: the next file waits for this one's broadcast to be done.
            daemon.wait_records(lambda rs: any((r.get("requested_by") or {}).get("alert") == identifier and r["state"] == "done"
                                               for r in rs))
        latencies = []
        for r in daemon.broadcasts():
            identifier = (r.get("requested_by") or {}).get("alert")
            if identifier in dropped and r.get("started_at"):
                latencies.append((parse_time(r["started_at"]) - dropped[identifier]) * 1000)
        print(json.dumps({"n": len(latencies), "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
                          "max_ms": max(latencies)}))
    finally:
        daemon.stop()
        shutil.rmtree(work, ignore_errors=True)


class FakeGPSD:
    """Speaks enough of gpsd's JSON protocol: a VERSION line, then the TPV lines the bench sends."""

    def __init__(self):
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.port = self.server.getsockname()[1]
        self.client = None
        self.start = int(time.time())
        self.watching = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.client, _ = self.server.accept()
        self.client.sendall(b'{"class":"VERSION","release":"3.22","rev":"3.22","proto_major":3,"proto_minor":14}\n')
        buffer = b""
        while b"?WATCH" not in buffer:
            buffer += self.client.recv(1024)
        self.watching.set()

    def tpv(self, seconds, lat, lon):
        # Fix times from now: labad counts none dated before its build (a stamped build's commit).
        t = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.start + seconds)) + ".000Z"
        line = json.dumps({"class": "TPV", "device": "/dev/ttyACM0", "mode": 3, "time": t, "lat": lat, "lon": lon})
        self.client.sendall(line.encode() + b"\n")


def gps(bin_dir, count):
    work, env = setup("laba-gps-")
    fake = FakeGPSD()
    config = os.path.join(work, "laba.yaml")
    open(config, "w").write(f"""timezone: UTC
audio_dir: {work}/audio
outputs:
  - {{id: van, device: laba_bench, zone: a, follow: gps}}
gps: {{gpsd: "127.0.0.1:{fake.port}", dwell: 30s}}
{ZONES}""")
    daemon = Daemon(bin_dir, config, env)
    database = os.path.join(daemon.dir, "state", "laba.sqlite")
    try:
        if not fake.watching.wait(30):
            raise SystemExit("labad did not connect to the gpsd stand-in")
        sent = []
        seconds = 0
        here = "a"
        for i in range(count):
            there = "b" if here == "a" else "a"
            lon = 100.15 if there == "b" else 100.05
            # Into the other zone, then the fix 30 s later (by fix time) that completes the dwell.
            fake.tpv(seconds, 26.85, lon)
            time.sleep(0.02)
            t0 = time.time()
            fake.tpv(seconds + 30, 26.85, lon)
            sent.append(t0)
            seconds += 60
            deadline = time.time() + 10
            while time.time() < deadline:
                with sqlite3.connect(database) as db:
                    n = db.execute("SELECT COUNT(*) FROM zone_move").fetchone()[0]
                if n > i:
                    break
                time.sleep(0.01)
            else:
                raise SystemExit(f"switch {i} did not come")
            here = there
        with sqlite3.connect(database) as db:
            moves = [row[0] for row in db.execute("SELECT at FROM zone_move ORDER BY at")]
        latencies = [(at / 1e6 - t0) * 1000 for at, t0 in zip(moves, sent)]
        print(json.dumps({"n": len(latencies), "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
                          "max_ms": max(latencies)}))
    finally:
        daemon.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    command, bin_dir, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    {"alerts": alerts, "gps": gps}[command](bin_dir, n)
