#!/usr/bin/env python3
"""SPEC 17, issue 25 finding 1: a township key takes over the county's recordings. On a real
mosquitto with real labad units trusting the county key for the county and a township key for the
city only, the township office (its key, and its command_zones claiming the county) publishes
`notice` for everyone with `laba library publish`; then a recording crafted with that key at
version 9223372036854775807, on the key's topic and on the old layout's; then the county publishes
its own. The attack fails when: every unit refuses the township's claim on the county and the
township's commander is told so; no crafted recording is kept outside the city; the county's
recording is kept by every unit, never refused as `duplicate`, and plays in the city (over the
township's own newer recording for the city) and outside it. Exits 0 then, 1 when the attack
succeeded, 77 when a tool is missing.

    python3 Bench/attack/fleet-library.py .build/debug
"""
import base64
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
try:
    import fleet  # noqa: E402  (Bench/fleet.py: the broker and labad from Python)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
except ImportError as error:
    print(f"skipped: {error}")
    sys.exit(77)

for tool in ("sox", "mosquitto_pub"):
    if not shutil.which(tool):
        print(f"skipped: {tool} is not installed")
        sys.exit(77)


def config(work, keys, port, unit, zone, sign=None, command_zone=None):
    path = os.path.join(work, unit + ".yaml")
    commander = f"  sign_key: {keys}/{sign}.key\n  command_zones: [{command_zone}]\n" if sign else ""
    open(path, "w").write(f"""timezone: UTC
audio_dir: {work}/audio
defaults: {{gap: 50ms, loudness_lufs: -16}}
outputs:
  - {{id: square, device: laba_attack, zone: {zone}}}
zones:
  - {{id: county, languages: [mandarin]}}
  - {{id: city, parent: county}}
  - {{id: east, parent: city}}
  - {{id: hills, parent: county}}
messages:
  - {{id: notice, title: Notice}}
fleet:
  name: attack
  broker: "mqtt://127.0.0.1:{port}"
  unit: {unit}
  trust:
    - {{key: {keys}/county.pub, zones: [county]}}
    - {{key: {keys}/township.pub, zones: [city]}}
""" + commander)
    return path


def start(bin_dir, work, keys, port, unit, zone, **commander):
    folder = os.path.join(work, unit)
    os.makedirs(folder, exist_ok=True)
    asound = os.path.join(folder, "asound.conf")
    open(asound, "w").write('pcm.laba_attack { type plug slave { pcm { type file slave.pcm "null" '
                            f'file "{folder}/out.wav" format "wav" }} format S16_LE }} }}\n')
    return fleet.Labad(bin_dir, config(work, keys, port, unit, zone, **commander), folder,
                       {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + asound})


def tone(path, hz):
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", path, "synth", "0.3", "sine", str(hz), "vol", "0.5"],
                   check=True)
    return path


def secret(path):
    raw = base64.b64decode(open(path).read().split()[1])
    key = Ed25519PrivateKey.from_private_bytes(raw)
    public = key.public_key().public_bytes_raw()
    return key, hashlib.sha256(public).hexdigest()[:16]


def crafted(key, key_id, audio, version, zones, issued_at, envelope=2):
    """A library message as a commander of this release signs it, with the version and zones chosen."""
    info = {"message": "notice", "language": "neutral", "format": "wav", "sha256": hashlib.sha256(audio).hexdigest(),
            "size": len(audio), "version": version, "issuer": "township-office",
            "issued_at": issued_at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{issued_at.microsecond // 1000:03d}Z"}
    if zones is not None:
        info.update({"zones": zones, "title": "Notice"})
    payload = json.dumps(info, sort_keys=True).encode()
    return json.dumps({"v": envelope, "key": key_id, "payload": base64.b64encode(payload).decode(),
                       "sig": base64.b64encode(key.sign(payload)).decode(), "audio": base64.b64encode(audio).decode()}).encode()


def publish(port, topic, message, work):
    path = os.path.join(work, "message.json")
    open(path, "wb").write(message)
    subprocess.run(["mosquitto_pub", "-p", str(port), "-q", "1", "-r", "-t", topic, "-f", path], check=True)


def status(commander, unit):
    rows = commander.query("SELECT status FROM fleet_unit WHERE unit = ?", (unit,))
    return json.loads(rows[0][0]) if rows else {}


def held(commander, unit):
    return {(h["key"], h["message"], h["language"]): h["version"] for h in status(commander, unit).get("library") or []}


def played(unit):
    return unit.query("SELECT COUNT(*) FROM broadcast WHERE message = 'notice' AND state = 'done'")[0][0]


def main(bin_dir):
    work = tempfile.mkdtemp(prefix="laba-attack-library-")
    broker = fleet.Broker(work)
    keys = os.path.join(work, "keys")
    os.makedirs(os.path.join(work, "audio"))
    os.makedirs(keys)
    daemons = []
    try:
        for name in ("county", "township"):
            subprocess.run([os.path.join(bin_dir, "laba"), "fleet", "keygen", os.path.join(keys, name)], check=True, capture_output=True)
        township_key, township_id = secret(os.path.join(keys, "township.key"))
        _, county_id = secret(os.path.join(keys, "county.key"))
        office = start(bin_dir, work, keys, broker.port, "office", "county", sign="county", command_zone="county")
        town = start(bin_dir, work, keys, broker.port, "town", "city", sign="township", command_zone="county")
        east = start(bin_dir, work, keys, broker.port, "east-1", "east")
        hills = start(bin_dir, work, keys, broker.port, "hills-1", "hills")
        daemons += [office, town, east, hills]
        units = ["east-1", "hills-1"]
        fleet.wait_for(lambda: fleet.online(office, units + ["town"]) and fleet.online(town, units + ["office"]), 60,
                       "both commanders see every unit")

        # 1. The township office publishes for the whole county.
        out = town.laba("library", "publish", "notice", tone(os.path.join(work, "town.wav"), 500), "--wait", "60")
        print("  township publishes for the county: exit", out.returncode, out.stdout.strip().replace("\n", " | "), flush=True)
        if out.returncode == 0:
            fleet.fail("the township's publish for the county was reported a success")
        for unit in units:
            if f"refused by {unit}: out_of_scope" not in out.stdout:
                fleet.fail(f"the township's commander was not told that {unit} refused it: {out.stdout!r}")
            if (township_id, "notice", "neutral") in held(office, unit):
                fleet.fail(f"{unit} kept the township's recording for the county")
        listed = town.laba("fleet").stdout
        if f"{township_id}/notice/neutral" not in listed:
            fleet.fail("laba fleet on the township's office does not list its units' refusals")

        # 2. Crafted with the township's key: version Int64.max on its topic, and on the old layout.
        now = datetime.datetime.now(datetime.timezone.utc)
        audio = open(os.path.join(work, "town.wav"), "rb").read()
        publish(broker.port, f"laba/v1/attack/library/{township_id}/notice/neutral",
                crafted(township_key, township_id, audio, 2**63 - 1, ["county"], now), work)
        publish(broker.port, "laba/v1/attack/library/notice/neutral",
                crafted(township_key, township_id, audio, 2**63 - 1, None, now, envelope=1), work)

        def refused_crafted():
            refusals = status(office, "hills-1").get("library_refusals") or []
            return any(r["key"] == township_id and r.get("version") == 2**63 - 1 for r in refusals)
        fleet.wait_for(refused_crafted, 60, "hills-1 refuses the crafted Int64.max recording")

        # 3. The county publishes its own: kept everywhere, never `duplicate`.
        out = office.laba("library", "publish", "notice", tone(os.path.join(work, "county.wav"), 700), "--wait", "60")
        print("  county publishes:", out.returncode, out.stdout.strip().replace("\n", " | "), flush=True)
        if out.returncode != 0 or "kept by east-1, hills-1, town" not in out.stdout:
            fleet.fail(f"the county's recording was not kept by every unit: {out.stdout!r} {out.stderr!r}")
        for unit in units:
            if (county_id, "notice", "neutral") not in held(office, unit):
                fleet.fail(f"{unit} does not keep the county's recording")
            if any(k[0] == township_id for k in held(office, unit)):
                fleet.fail(f"{unit} kept a recording of the township's key for the county")

        # 4. The township's own recording for the city, newer: east-1 keeps it, the county's still plays.
        later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)
        version = int(later.timestamp() * 1000)
        later = datetime.datetime.fromtimestamp(version / 1000, datetime.timezone.utc)
        publish(broker.port, f"laba/v1/attack/library/{township_id}/notice/neutral",
                crafted(township_key, township_id, audio, version, ["city"], later), work)
        fleet.wait_for(lambda: held(office, "east-1").get((township_id, "notice", "neutral")) == version, 60,
                       "east-1 keeps the township's recording for the city")
        for zone, unit, daemon in (("east", "east-1", east), ("hills", "hills-1", hills)):
            out = office.laba("play", "notice", "--zone", zone)
            if out.returncode != 0:
                fleet.fail(f"the county's play for {zone} was refused: {out.stderr.strip()}")
                continue
            fleet.wait_for(lambda: played(daemon) >= 1, 60, f"{unit} plays notice")
            heard = []

            def listen():
                # The file plugin writes the capture's header as the output closes.
                heard[:] = subprocess.run(["python3", os.path.join(os.path.dirname(HERE), "..", "Tests", "Browser", "tones.py"),
                                           os.path.join(work, unit, "out.wav")], capture_output=True, text=True).stdout.split()
                return bool(heard)
            fleet.wait_for(listen, 30, f"{unit}'s capture holds a tone")
            print(f"  {unit} played {heard} Hz (the county's is 700, the township's 500)", flush=True)
            if heard != ["700"]:
                fleet.fail(f"{unit} did not play the county's recording: {heard}")
    finally:
        for d in daemons:
            d.stop()
        broker.kill()
        shutil.rmtree(work, ignore_errors=True)
    return 1 if fleet.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".build/debug"))
