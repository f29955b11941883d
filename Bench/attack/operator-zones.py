#!/usr/bin/env python3
"""SPEC 17, issue 24 finding 4: an operator limited to one zone tries, through the console's own
HTTP forms (signed in, with the session's CSRF token), to broadcast, stop, move and schedule
outside it, and to change the library every zone shares. Exits 0 only when every attempt was
refused and nothing played outside its zone; 1 when the attack succeeded; 77 when a binary is
missing.

    python3 Bench/attack/operator-zones.py .build/debug
"""
import http.client
import json
import math
import os
import re
import select
import shutil
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import wave

PATIENCE = 60.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_tone(path, seconds=0.3, frequency=660, rate=16000):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency * i / rate)))
                               for i in range(int(seconds * rate))))


class Daemon:
    def __init__(self, bin_dir, directory, port):
        self.bin = bin_dir
        self.dir = directory
        self.port = port
        self.config = os.path.join(directory, "laba.yaml")
        self.env = dict(os.environ, LABA_STATE_DIR=os.path.join(directory, "state"), LABA_SOCKET=os.path.join(directory, "laba.sock"),
                        LABA_CONFIG=self.config, LANG="C")
        for key in ("NOTIFY_SOCKET", "WATCHDOG_USEC"):
            self.env.pop(key, None)
        self.process = None
        self.log = b""

    def laba(self, *args, stdin=None):
        return subprocess.run([os.path.join(self.bin, "laba"), *args], env=self.env, input=stdin, capture_output=True, text=True,
                              timeout=PATIENCE)

    def start(self):
        self.process = subprocess.Popen([os.path.join(self.bin, "labad"), "--config", self.config], env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait_for_log(self, text):
        """Reads labad's log until `text` appears (its start-up says when each part listens)."""
        deadline = time.monotonic() + PATIENCE
        fd = self.process.stderr.fileno()
        while text.encode() not in self.log:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return False
            chunk = os.read(fd, 4096)
            if not chunk:
                return False
            self.log += chunk
        return True

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(PATIENCE)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def records(self):
        """Every broadcast in the record: (id, output, zone, requested_by, state)."""
        db = sqlite3.connect(f"file:{os.path.join(self.dir, 'state', 'laba.sqlite')}?mode=ro", uri=True, timeout=10)
        try:
            return db.execute("SELECT id, output, zone, requested_by, state FROM broadcast").fetchall()
        finally:
            db.close()


class Console:
    def __init__(self, port):
        self.port = port
        self.cookie = ""
        self.token = ""

    def request(self, method, path, fields=None, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=PATIENCE)
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        if fields is not None:
            body = urllib.parse.urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        conn.close()
        return response.status, response.getheader("Location") or "", text

    def sign_in(self, name, password):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=PATIENCE)
        conn.request("POST", "/login", body=urllib.parse.urlencode({"name": name, "password": password}),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        conn.close()
        self.cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
        status, _, page = self.request("GET", "/broadcast")
        match = re.search(r'<meta name="csrf" content="([^"]+)"', page)
        self.token = match.group(1) if match else ""
        return status == 200 and bool(self.token)

    def post(self, path, fields):
        return self.request("POST", path, fields=dict(fields, csrf=self.token))


def main():
    bin_dir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug")
    if not all(os.access(os.path.join(bin_dir, b), os.X_OK) for b in ("labad", "laba")):
        print(f"operator-zones: no labad and laba in {bin_dir}", file=sys.stderr)
        return 77
    directory = tempfile.mkdtemp(prefix="laba-attack-zones-")
    port = free_port()
    daemon = Daemon(bin_dir, directory, port)
    failures = []

    def check(ok, what):
        print(("  held: " if ok else "  BROKEN: ") + what)
        if not ok:
            failures.append(what)

    try:
        write_tone(os.path.join(directory, "audio", "notice", "mandarin.wav"))
        with open(daemon.config, "w") as f:
            f.write(f"""timezone: UTC
audio_dir: audio
outputs:
  - {{id: square, device: "null", zone: town}}
  - {{id: van, device: "null", zone: hills}}
zones:
  - id: town
    languages: [mandarin]
  - id: hills
    languages: [mandarin]
operators: {{schedule: true}}
console: {{listen: "127.0.0.1:{port}", language: en}}
""")
        os.makedirs(os.path.join(directory, "state"))
        added = daemon.laba("user", "add", "li", "--role", "operator", "--zones", "town", "--password-stdin", stdin="password-li\n")
        if added.returncode != 0:
            print(f"operator-zones: laba user add --zones failed: {added.stderr}", file=sys.stderr)
            return 1
        daemon.start()
        if not (daemon.wait_for_log(f"console listening on http://127.0.0.1:{port}") and daemon.wait_for_log("ready")):
            print("operator-zones: labad did not start", file=sys.stderr)
            return 1
        # The control socket starts beside the console, in either order: its first answer says it is up.
        deadline = time.monotonic() + PATIENCE
        while daemon.laba("status").returncode != 0 and time.monotonic() < deadline:
            time.sleep(0.05)

        # Root's loop in the hills: what the operator will try to silence.
        played = daemon.laba("play", "notice", "--zone", "hills", "--loop", "--json")
        if played.returncode != 0:
            print(f"operator-zones: root's broadcast failed: {played.stderr}", file=sys.stderr)
            return 1
        hills = json.loads(played.stdout.splitlines()[0])["id"]

        console = Console(port)
        if not console.sign_in("li", "password-li"):
            print("operator-zones: the operator could not sign in", file=sys.stderr)
            return 1
        before = {r[0] for r in daemon.records()}

        status, _, page = console.request("GET", "/broadcast")
        check('value="hills"' not in page and 'value="town"' in page, "the broadcast page offers the town only")
        status, _, _ = console.post("/broadcast", {"message": "notice", "zone": "hills"})
        check(status == 403, f"a broadcast in the hills is refused ({status})")
        status, _, _ = console.post("/broadcast", {"message": "notice", "zone": ["town", "hills"]})
        check(status == 403, f"a broadcast in the town and the hills is refused ({status})")
        status, _, _ = console.post("/broadcast", {"message": "notice", "zone": "hills", "priority": "emergency", "confirmed": "emergency"})
        check(status == 403, f"an emergency in the hills is refused ({status})")
        status, _, _ = console.post("/stop", {"zone": "hills", "clear": "on"})
        check(status == 403, f"a stop in the hills is refused ({status})")
        status, _, _ = console.post(f"/broadcasts/{hills}/cancel", {})
        check(status == 403, f"stopping root's broadcast in the hills by its id is refused ({status})")
        status, _, _ = console.post("/zones/move", {"output": "van", "zone": "town"})
        check(status == 403, f"moving the hills' van into the town is refused ({status})")
        status, _, _ = console.post("/zones/move", {"output": "square", "zone": "hills"})
        check(status == 403, f"moving the town's square into the hills is refused ({status})")
        status, location, _ = console.post("/schedule/save", {"message": "notice", "zone": "hills", "preset": "daily", "time": "07:30"})
        check(status != 303, f"a schedule entry in the hills is refused ({status})")
        status, _, _ = console.request("PUT", "/recordings/notice/mandarin", body=open(os.path.join(directory, "audio", "notice", "mandarin.wav"), "rb").read(),
                                       headers={"Content-Type": "audio/wav", "X-CSRF-Token": console.token})
        check(status == 403, f"replacing a recording every zone shares is refused ({status})")

        # The account works: "all" is all of its zones, the town.
        status, location, _ = console.post("/broadcast", {"message": "notice", "all": "on"})
        check(status == 303 and "sent=1" in location, f"a broadcast to all of its zones is taken, in the town only ({status} {location})")

        records = daemon.records()
        mine = [r for r in records if r[0] not in before]
        check(all(r[1] == "square" and r[2] == "town" for r in mine) and len(mine) == 1,
              f"nothing new played outside the town ({[(r[1], r[2]) for r in mine]})")
        loop = [r for r in records if r[0] == hills]
        check(bool(loop) and loop[0][4] != "done", f"root's broadcast in the hills plays on ({loop})")
        zones = json.loads(daemon.laba("zone", "--json").stdout or "{}")
        where = {o["id"]: o["zone"] for o in zones.get("outputs", [])}
        check(where == {"square": "town", "van": "hills"}, f"the outputs stay where they were ({where})")
        schedule = os.path.join(directory, "state", "schedule.yaml")
        check(not os.path.exists(schedule) or "hills" not in open(schedule).read(), "the operators' schedule has nothing in the hills")
        daemon.laba("stop", "--all", "--clear")
    finally:
        daemon.stop()
        shutil.rmtree(directory, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
