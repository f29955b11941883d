#!/usr/bin/env python3
"""SPEC 17, issue 25 finding 5: the live stream between a commander, Icecast and units is TLS
checked against the fleet's CA. A real mosquitto over TLS, a real Icecast 2 with an <ssl> listen
socket and a certificate from the fleet's CA, a county office (commander) whose microphone says a
700 Hz tone, and a unit: the office's talk is heard on the unit. Then the attacker's Icecast,
with a certificate from another CA (someone on the path answering for the stream's address):
the office refuses to send its talk there (its source password never goes out), and the unit
refuses a signed live command that points there, and one whose stream is plain http; each says
why in its log and in the ack, and nothing plays. Exits 0 only when every attack failed and the
talk over TLS was heard; 1 otherwise; 77 when a binary or a tool is missing.

    python3 Bench/attack/fleet-stream.py .build/debug
"""
import base64
import datetime
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PATIENCE = 60.0
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

try:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives import serialization
except ImportError:
    print("python3-cryptography is missing", file=sys.stderr)
    sys.exit(77)

failures = []


def fail(text):
    failures.append(text)
    print("  ATTACK SUCCEEDED: " + text, flush=True)


def wait_for(condition, what):
    deadline = time.time() + PATIENCE
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    print(f"  (waited {PATIENCE:.0f} s for {what})", flush=True)
    return False


def stamp(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Key:
    """The county's key, made by `laba fleet keygen`, signing as labad does."""

    def __init__(self, bin_dir, path):
        subprocess.run([os.path.join(bin_dir, "laba"), "fleet", "keygen", path], check=True, capture_output=True)
        self.pub, self.key = path + ".pub", path + ".key"
        seed = base64.b64decode(open(self.key).read().split()[1])
        self.secret = Ed25519PrivateKey.from_private_bytes(seed)
        raw = self.secret.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.id = hashlib.sha256(raw).hexdigest()[:16]

    def envelope(self, command):
        payload = json.dumps(command, sort_keys=True, separators=(",", ":")).encode()
        return json.dumps({"v": 1, "key": self.id, "payload": base64.b64encode(payload).decode(),
                           "sig": base64.b64encode(self.secret.sign(payload)).decode()})


def make_ca(directory):
    """A CA of its own (Scripts/fleet-test-ca.sh) with a server certificate for localhost and
    127.0.0.1; returns the CA file and the PEM (certificate and key) Icecast reads."""
    subprocess.run([os.path.join(REPO, "Scripts", "fleet-test-ca.sh"), directory, "localhost,127.0.0.1"],
                   check=True, capture_output=True)
    pem = os.path.join(directory, "icecast.pem")
    with open(pem, "w") as out:
        out.write(open(os.path.join(directory, "broker.crt")).read() + open(os.path.join(directory, "broker.key")).read())
    return os.path.join(directory, "ca.crt"), pem


class Icecast:
    """Debian's icecast2 with one <ssl> listen socket, its certificate from `pem`."""

    def __init__(self, work, name, pem, password):
        import fleet as bench
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o755)
        shutil.copy(pem, os.path.join(self.dir, "server.pem"))
        os.chmod(os.path.join(self.dir, "server.pem"), 0o644)
        self.port = bench.free_port()
        owner = "<changeowner><user>nobody</user><group>nogroup</group></changeowner>" if os.getuid() == 0 else ""
        conf = os.path.join(self.dir, "icecast.xml")
        open(conf, "w").write(f"""<icecast>
  <limits><clients>20</clients><sources>4</sources><source-timeout>10</source-timeout>
    <burst-on-connect>0</burst-on-connect><burst-size>0</burst-size></limits>
  <authentication><source-password>{password}</source-password>
    <admin-user>admin</admin-user><admin-password>{os.urandom(8).hex()}</admin-password></authentication>
  <hostname>localhost</hostname>
  <listen-socket><port>{self.port}</port><bind-address>127.0.0.1</bind-address><ssl>1</ssl></listen-socket>
  <fileserve>0</fileserve>
  <mount type="default"><hidden>1</hidden></mount>
  <paths><basedir>{self.dir}</basedir><logdir>{self.dir}</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot>
    <ssl-certificate>{self.dir}/server.pem</ssl-certificate></paths>
  <logging><accesslog>-</accesslog><errorlog>-</errorlog><loglevel>3</loglevel></logging>
  <security><chroot>0</chroot>{owner}</security>
</icecast>
""")
        self.log = os.path.join(self.dir, "icecast.log")
        self.proc = subprocess.Popen(["icecast2", "-c", conf], stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    raise SystemExit(f"icecast2 did not start:\n{open(self.log).read()}")
                time.sleep(0.02)

    def text(self):
        return open(self.log).read()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def frequency(raw):
    """Upward zero crossings per second of the loud part of S16_LE mono 48 kHz audio."""
    import array
    samples = array.array("h")
    samples.frombytes(raw[: len(raw) // 2 * 2])
    loud = [s for s in samples if abs(s) > 300]
    if len(loud) < 4800:
        return 0.0, len(loud) / 48000
    crossings = sum(1 for a, b in zip(loud, loud[1:]) if a < 0 <= b)
    return crossings / (len(loud) / 48000), len(loud) / 48000


def main(bin_dir):
    for tool in ("labad", "laba"):
        if not os.access(os.path.join(bin_dir, tool), os.X_OK):
            print(f"{tool} is not built in {bin_dir}", file=sys.stderr)
            return 77
    for tool in ("mosquitto_pub", "sox", "icecast2", "pulseaudio", "openssl"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            print(f"{tool} is needed", file=sys.stderr)
            return 77
    import fleet as bench
    import daemon as audio
    work = tempfile.mkdtemp(prefix="laba-attack-stream-")
    os.chmod(work, 0o755)
    daemons, servers = [], []
    broker = pulse = None
    try:
        fleet_ca, fleet_pem = make_ca(os.path.join(work, "fleet"))
        _, other_pem = make_ca(os.path.join(work, "other"))
        county = Key(bin_dir, os.path.join(work, "county"))
        password = os.urandom(12).hex()
        open(os.path.join(work, "source.pw"), "w").write(password + "\n")
        icecast = Icecast(work, "icecast", fleet_pem, password)
        servers.append(icecast)
        rogue = Icecast(work, "rogue", other_pem, password)
        servers.append(rogue)

        # The broker over TLS with the fleet's certificate (mosquitto's listener options after its listener line).
        certs, port = os.path.join(work, "fleet"), bench.free_port()
        broker = bench.Broker(work, addresses=(), port=port, settings=(
            f"listener {port} 127.0.0.1\nallow_anonymous true\n"
            f"cafile {certs}/ca.crt\ncertfile {certs}/broker.crt\nkeyfile {certs}/broker.key\n"))

        audio_dir = os.path.join(work, "audio")
        bench.tones(audio_dir)
        pulse = audio.Pulse(work)
        mic = os.path.join(work, "mic.raw")
        subprocess.run(["sox", "-n", "-r", "48000", "-c", "1", "-b", "16", "-e", "signed", mic, "synth", "30", "sine", "700",
                        "vol", "0.5"], check=True)

        def asound(name, out):
            path = os.path.join(work, name + ".asound")
            open(path, "w").write(
                f'pcm.laba_bench {{ type plug slave {{ pcm {{ type file slave.pcm "null" file "{out}" format "raw" }} '
                f'format S16_LE rate 48000 channels 1 }} }}\n'
                f'pcm.laba_mic {{ type plug slave {{ pcm {{ type file slave.pcm {{ type pulse server "unix:{pulse.socket}" }} '
                f'file "/dev/null" infile "{mic}" format "raw" }} format S16_LE rate 48000 channels 1 }} }}\n')
            return {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + path, "LANG": "C.UTF-8"}

        def config(unit, zone, commander="", stream_port=None):
            path = os.path.join(work, unit + ".yaml")
            stream = (f"  stream: {{server: \"https://localhost:{stream_port}\", password_file: source.pw, "
                      f"listen: \"https://127.0.0.1:{stream_port}\"}}\n") if stream_port else ""
            signing = f"  sign_key: {county.key}\n  command_zones: [county]\n" if commander else ""
            open(path, "w").write(f"""timezone: UTC
audio_dir: {audio_dir}
defaults: {{gap: 50ms, loudness_lufs: -16}}
outputs:
  - {{id: square, device: laba_bench, zone: {zone}}}
zones:
  - {{id: county, languages: [mandarin]}}
  - {{id: city, parent: county, languages: [mandarin]}}
  - {{id: east, parent: city, languages: [naxi]}}
fleet:
  name: bench
  broker: "mqtts://localhost:{broker.port}"
  tls: {{ca: {fleet_ca}}}
  unit: {unit}
  trust:
    - {{key: {county.pub}, zones: [county], issuer: {commander or "office"}}}
{signing}{stream}live: {{input: laba_mic, max: {"4s" if commander else "30s"}}}
""")
            return path

        east_out = os.path.join(work, "east.raw")
        east = bench.Labad(bin_dir, config("east-1", "east"), os.path.join(work, "east-1"), asound("east", east_out))
        daemons.append(east)
        office = bench.Labad(bin_dir, config("office", "county", commander="office", stream_port=icecast.port),
                             os.path.join(work, "office"), asound("office", os.path.join(work, "office.raw")))
        daemons.append(office)
        if not wait_for(lambda: bench.online(office, ["east-1"]), "the office to see east-1"):
            fail("the office never saw east-1 online")
            return 1

        # 1. The office's talk over TLS is heard on the unit, whole.
        started = time.time()
        talk = office.laba("live", "--zone", "city")
        ended = time.time()
        if talk.returncode != 0 or "live on the fleet's units" not in talk.stdout:
            fail(f"the office's talk over TLS did not go out: {talk.stdout}{talk.stderr}")
        # (The reason may follow the outcome by a moment: the player can finish the record first.)
        wait_for(lambda: east.query("SELECT outcome FROM broadcast WHERE source = 'live' AND reason IS NOT NULL") == [("completed",)],
                 "east-1 to finish the talk")
        lag = time.time() - ended
        rows = east.query("SELECT outcome, reason FROM broadcast WHERE source = 'live'")
        hz, seconds = frequency(open(east_out, "rb").read()) if os.path.exists(east_out) else (0.0, 0.0)
        print(f"  talk over TLS: east-1 recorded {rows}; heard {seconds:.1f} s at {hz:.0f} Hz "
              f"({time.time() - started:.1f} s from laba live to the record, {lag:.2f} s after the office's talk ended)", flush=True)
        if rows != [("completed", "the commander ended the talk")]:
            fail(f"east-1 did not play the office's talk over TLS to its end: {rows}")
        # The unit ends with the commander's last page, not at the 5 s read timeout (Icecast over TLS
        # keeps the connection open after the source leaves).
        if lag > 4.0:
            fail(f"east-1's talk ended {lag:.1f} s after the office's")
        if abs(hz - 700) > 15 or seconds < 2.0:
            fail(f"east-1's horn did not say the office's 700 Hz for 2 s: {seconds:.1f} s at {hz:.0f} Hz")

        # 2. A commander pointed at the rogue server (another CA's certificate) refuses to send.
        rogue_office = bench.Labad(bin_dir, config("office-b", "county", commander="office", stream_port=rogue.port),
                                   os.path.join(work, "office-b"), asound("office-b", os.path.join(work, "office-b.raw")))
        daemons.append(rogue_office)
        refused = rogue_office.laba("live", "--zone", "city")
        print(f"  office towards the rogue Icecast: exit {refused.returncode}: {refused.stderr.strip()}", flush=True)
        if refused.returncode == 0 or "is not trusted" not in refused.stderr:
            fail(f"a commander sent its talk to a server of another CA: {refused.stdout}{refused.stderr}")
        if "laba-live-" in rogue.text():
            fail("the rogue Icecast saw the source's request (and its password)")
        if not any("the stream server is not trusted" in line for line in rogue_office.log):
            fail("the commander's log does not say the stream server is not trusted")

        # 3. A signed live command pointing a unit at the rogue server, and one at a plain stream.
        token = os.urandom(16).hex()
        now = time.time()
        for id, url in (("rogue", f"https://127.0.0.1:{rogue.port}/laba-live-{token}.opus"),
                        ("plain", f"http://127.0.0.1:{rogue.port}/laba-live-{token}.opus")):
            command = {"id": id, "issuer": "office", "issued_at": stamp(now), "expires_at": stamp(now + 60), "kind": "live",
                       "stream": url, "zones": ["east"]}
            subprocess.run(["mosquitto_pub", "-h", "localhost", "-p", str(broker.port), "--cafile", fleet_ca, "-q", "1",
                            "-t", "laba/v1/bench/zone/east/command", "-m", county.envelope(command)], check=True, timeout=PATIENCE)

        def refusals():
            shown = east.laba("fleet", "--json")
            if shown.returncode != 0:
                return {}
            return {r.get("command"): (r["code"], r.get("message", "")) for r in json.loads(shown.stdout)["fleet"]["refusals"]}

        wait_for(lambda: {"rogue", "plain"} <= set(refusals()), "east-1's refusals")
        seen = refusals()
        print(f"  east-1 refusals: {seen}", flush=True)
        if seen.get("rogue", ("",))[0] != "stream_untrusted":
            fail(f"east-1 answered the rogue stream with {seen.get('rogue')}, not stream_untrusted")
        if seen.get("plain", ("",))[0] != "stream_insecure":
            fail(f"east-1 answered a plain stream with {seen.get('plain')}, not stream_insecure")
        if not any("a fleet talk's stream server is not trusted" in line for line in east.log):
            fail("east-1's log does not say the stream server is not trusted")
        if len(east.query("SELECT id FROM broadcast WHERE source = 'live'")) != 1:
            fail("east-1 played something of the rogue or the plain stream")
    finally:
        for d in daemons:
            d.stop()
        for s in servers:
            s.kill()
        if broker:
            broker.kill()
        if pulse:
            pulse.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".build/debug"))
