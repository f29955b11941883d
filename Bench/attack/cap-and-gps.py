#!/usr/bin/env python3
"""Issue 24, finding 5: hostile CAP alerts in the watched folder and hostile gpsd lines, against
the real labad and laba in BIN_DIR. Exits 0 only when the attack failed: every bad alert refused
(or, for a foreign geocode, reaching nothing) with its reason in words, no link followed, the
ISO-8859-1 alert played with its repeat, no wrong fix time or simulated fix completing a dwell,
an 8 MiB gpsd line dropped with one log line, and the daemon still answering.

    cap-and-gps.py BIN_DIR
"""
import calendar
import os
import shutil
import socket
import sqlite3
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from daemon import Daemon, tones  # noqa: E402

NULL_PCM = 'pcm.laba_attack { type plug slave { pcm { type file slave.pcm "null" file "/dev/null" format "raw" } format S16_LE } }\n'

failures = []


def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what)
    if not ok:
        failures.append(what)


def cap(identifier, event="地震", area="<geocode><valueName>GB/T 2260</valueName><value>530111</value></geocode>",
        prolog='<?xml version="1.0" encoding="UTF-8"?>', order=("status", "msgType")):
    top = {"status": "<status>Actual</status>", "msgType": "<msgType>Alert</msgType>"}
    return f"""{prolog}
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier><sender>attacker@example.net</sender><sent>2026-12-02T10:00:00+08:00</sent>
  {top[order[0]]}{top[order[1]]}<scope>Public</scope>
  <info>
    <language>zh-CN</language><category>Geo</category><event>{event}</event>
    <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>
    <area><areaDesc>target</areaDesc>{area}</area>
  </info>
</alert>
"""


class HostileGPSD:
    """A gpsd stand-in that sends whatever lines the attack writes."""

    def __init__(self):
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.port = self.server.getsockname()[1]
        self.client = None
        self.watching = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self.client, _ = self.server.accept()
        self.client.sendall(b'{"class":"VERSION","release":"3.22","rev":"3.22","proto_major":3,"proto_minor":14}\n')
        buffer = b""
        while b"?WATCH" not in buffer:
            buffer += self.client.recv(1024)
        self.watching.set()

    def send(self, data):
        self.client.sendall(data)

    def tpv(self, when, lon, status=1):
        """A 3D fix at `when` (a time.struct_time or seconds since 1970) in zone a (lon 100.05) or b (100.15)."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", when if isinstance(when, time.struct_time) else time.gmtime(when))
        line = ('{"class":"TPV","device":"/dev/ttyACM0","status":%d,"mode":3,"time":"%s.000Z","lat":26.85,"lon":%s}\n'
                % (status, stamp, lon))
        self.send(line.encode())


def wait(condition, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    check(False, "timed out: " + what)
    return None


def main(bin_dir):
    work = tempfile.mkdtemp(prefix="laba-attack-cap-gps-")
    tones(os.path.join(work, "audio"), seconds=0.05)
    open(os.path.join(work, "asound.conf"), "w").write(NULL_PCM)
    env = {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + os.path.join(work, "asound.conf")}
    watch = os.path.join(work, "alerts")
    outside = os.path.join(work, "outside")
    os.makedirs(watch)
    os.makedirs(outside)
    gpsd = HostileGPSD()
    config = os.path.join(work, "laba.yaml")
    open(config, "w").write(f"""timezone: UTC
audio_dir: {work}/audio
outputs:
  - {{id: van, device: laba_attack, zone: a, follow: gps}}
  - {{id: hall, device: laba_attack, zone: town}}
gps: {{gpsd: "127.0.0.1:{gpsd.port}", dwell: 30s}}
zones:
  - id: county
    languages: [mandarin]
  - id: a
    parent: county
    area: [[100.0, 26.8], [100.1, 26.8], [100.1, 26.9], [100.0, 26.9], [100.0, 26.8]]
  - id: b
    parent: county
    area: [[100.1, 26.8], [100.2, 26.8], [100.2, 26.9], [100.1, 26.9], [100.1, 26.8]]
  - id: town
    code: "530111000000"
    languages: [mandarin]
alerts:
  watch: {watch}
  events:
    - {{event: 地震, message: alarm, priority: emergency}}
    - {{event: Terremoto en Usulután, message: alarm, priority: emergency, repeat_every: 1s, repeat_count: 2}}
  languages: {{zh-CN: mandarin}}
""")
    # Links in place before the start: one to a secret, one to an alert that would play.
    open(os.path.join(outside, "quake.xml"), "w").write(cap("LINKED-1"))
    os.symlink("/etc/passwd", os.path.join(watch, "passwd.xml"))
    os.symlink(os.path.join(outside, "quake.xml"), os.path.join(watch, "linked.xml"))

    daemon = Daemon(bin_dir, config, env)
    database = os.path.join(daemon.dir, "state", "laba.sqlite")

    def alerts():
        with sqlite3.connect(database) as db:
            db.row_factory = sqlite3.Row
            return {r["file"]: dict(r) for r in db.execute("SELECT * FROM alert WHERE file IS NOT NULL")}

    def log():
        return "".join(daemon.log)

    try:
        print("CAP alerts in the watched folder")
        hostile = {
            "doctype.xml": cap("DOCTYPE-1", event="&q;",
                               prolog='<?xml version="1.0"?>\n<!DOCTYPE alert [<!ENTITY q "地震">]>').encode(),
            "doctype-system.xml": cap("DOCTYPE-2&x;",
                                      prolog='<?xml version="1.0"?>\n<!DOCTYPE alert SYSTEM "http://example.invalid/a.dtd">').encode(),
            "laughs.xml": cap("LAUGHS-1", event="&e5;", prolog='<?xml version="1.0"?>\n<!DOCTYPE alert [<!ENTITY e0 "地震">'
                              + "".join(f'<!ENTITY e{i} "{("&e%d;" % (i - 1)) * 10}">' for i in range(1, 6)) + "]>").encode(),
            "order.xml": cap("ORDER-1", order=("msgType", "status")).encode(),
            "same.xml": cap("SAME-1", area="<geocode><valueName>SAME</valueName><value>530111</value></geocode>").encode(),
            "latin1.xml": cap("LATIN1-1", event="Terremoto en Usulután",
                              prolog='<?xml version="1.0" encoding="ISO-8859-1"?>').encode("iso-8859-1"),
        }
        for name, data in hostile.items():
            staging = os.path.join(work, name + ".part")
            open(staging, "wb").write(data)
            os.rename(staging, os.path.join(watch, name))
        # A link moved in while labad runs (inotify says "moved to", as for a file).
        os.symlink("/etc/shadow", os.path.join(work, "shadow.xml"))
        os.rename(os.path.join(work, "shadow.xml"), os.path.join(watch, "shadow.xml"))
        records = wait(lambda: (lambda a: a if set(hostile) <= set(a) else None)(alerts()), "every alert file recorded")
        records = records or {}
        for name in ("doctype.xml", "doctype-system.xml", "laughs.xml"):
            r = records.get(name, {})
            check("DOCTYPE" in (r.get("reason") or "") and r.get("broadcasts") == "[]",
                  f"{name} refused for its DOCTYPE: {r.get('reason')}")
        r = records.get("order.xml", {})
        check("<status> comes after <msgType>" in (r.get("reason") or "") and "order.xml" in (r.get("reason") or ""),
              f"order.xml refused, named with its file and element: {r.get('reason')}")
        check("libxml2" not in log(), "no refusal says 'libxml2 error N'")
        r = records.get("same.xml", {})
        check(r.get("broadcasts") == "[]" and "reaches no zone" in (r.get("reason") or "") and "SAME 530111" in (r.get("notes") or ""),
              f"a US SAME code does not reach the zone coded 530111: {r.get('reason')} {r.get('notes')}")
        r = records.get("latin1.xml", {})
        check(r.get("event") == "Terremoto en Usulután" and bytes(r.get("document") or b"") == hostile["latin1.xml"],
              f"the ISO-8859-1 alert is kept as the bytes received: {r.get('event')}")
        done = wait(lambda: (lambda r: r if r and r.get("repeats_left") == 0 else None)(alerts().get("latin1.xml")),
                    "the ISO-8859-1 alert's repeat")
        check(bool(done) and "a repeat did not play" not in (done.get("notes") or "") and done.get("broadcasts", "[]").count(",") == 1,
              f"its repeat read the same event and played: broadcasts {done and done.get('broadcasts')}, notes {done and done.get('notes')}")
        wait(lambda: log().count("symbolic link") >= 3, "three links logged")
        check(not {"passwd.xml", "linked.xml", "shadow.xml"} & set(alerts()), "no link in the folder was followed (at start or later)")
        check(log().count("symbolic link") == 3, "one log line per link")

        print("gpsd lines")
        if not gpsd.watching.wait(30):
            check(False, "labad connected to the gpsd stand-in")
            return
        t0 = int(time.time())
        gpsd.tpv(t0, 100.05)                                             # in a, the zone it serves
        gpsd.tpv(t0 + 1, 100.15)                                         # into b: the count starts
        gpsd.tpv(time.strptime("9999-12-31T23:59:59", "%Y-%m-%dT%H:%M:%S"), 100.15)   # far ahead
        gpsd.tpv(t0 + 2, 100.15)
        gpsd.tpv(calendar.timegm((2001, 1, 1, 0, 0, 0)), 100.15)         # before the build
        gpsd.tpv(t0 + 3, 100.15)
        gpsd.tpv(t0 + 3 + 2 * 86400, 100.15)                             # two days forward
        gpsd.tpv(t0 + 10, 100.15)                                        # back: the count starts here
        gpsd.tpv(t0 + 100, 100.15, status=8)                             # simulated
        started = time.time()
        gpsd.send(b'{"class":"TPV","junk":"' + b"x" * (8 << 20))         # 8 MiB without a newline
        gpsd.send(b'"}\n')
        gpsd.tpv(t0 + 20, 100.15)
        gpsd.tpv(t0 + 40, 100.15)                                        # 30 s of good fixes since t0 + 10
        moved = wait(lambda: "output moved" in log(), "the switch after a dwell of good fix times", timeout=60)
        lag = time.time() - started
        with sqlite3.connect(database) as db:
            moves = db.execute("SELECT to_zone, fix_at FROM zone_move").fetchall()
        check(moves == [("b", (t0 + 40) * 1_000_000)], f"one switch, by the fix 30 s after the last restart: {moves}")
        since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t0 + 10))
        check(bool(moved) and f"since={since}" in log(), f"the dwell counted from the fix after the wrong times ({since})")
        check(log().count("longer than 64 KiB") == 1, "the 8 MiB line dropped with one log line")
        print(f"  the fix after the 8 MiB line switched {lag:.2f} s after the line was sent (not asserted)")
        status = daemon.laba("status", check=False)
        check("van" in status and daemon.proc.poll() is None, "labad still answers")
    finally:
        daemon.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1])
    if failures:
        print(f"ATTACK SUCCEEDED: {len(failures)} check(s) failed")
        sys.exit(1)
    sys.exit(0)
