#!/usr/bin/env python3
"""SPEC 17, issue 25 findings 2 and 3: with a real mosquitto and real labad units, each trusting
the county key for the county and a township key for the city, the attacker (holding the township
key, or a captured county command) tries to move a county unit into the township, to have a
command obeyed for ten years or a year ahead, to sign as the county, to claim a command id before
the county uses it, and to use a revoked key. Exits 0 only when every attempt failed (and what the
county sends is still obeyed); 1 when one succeeded; 77 when a binary or a tool is missing.

    python3 Bench/attack/fleet-commands.py .build/debug
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
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PATIENCE = 60.0
DAY = 86_400

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


class Key:
    """A key made by `laba fleet keygen`, read from its files, signing as labad does."""

    def __init__(self, bin_dir, path):
        subprocess.run([os.path.join(bin_dir, "laba"), "fleet", "keygen", path], check=True, capture_output=True)
        self.pub = path + ".pub"
        seed = base64.b64decode(open(path + ".key").read().split()[1])
        self.secret = Ed25519PrivateKey.from_private_bytes(seed)
        raw = self.secret.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.id = hashlib.sha256(raw).hexdigest()[:16]

    def envelope(self, command, v=1):
        payload = json.dumps(command, sort_keys=True, separators=(",", ":")).encode()
        return json.dumps({"v": v, "key": self.id, "payload": base64.b64encode(payload).decode(),
                           "sig": base64.b64encode(self.secret.sign(payload)).decode()})


def stamp(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def command(id, kind, issuer="county-office", issued=None, life=600, **fields):
    issued = time.time() if issued is None else issued
    return {"id": id, "issuer": issuer, "issued_at": stamp(issued), "expires_at": stamp(issued + life), "kind": kind, **fields}


def play(id, zone, **kw):
    return command(id, "broadcast", message="notice", zones=[zone], **kw)


def wait_for(condition, what):
    deadline = time.time() + PATIENCE
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    print(f"  (waited {PATIENCE:.0f} s for {what})", flush=True)
    return False


def main(bin_dir):
    for tool in ("labad", "laba"):
        if not os.access(os.path.join(bin_dir, tool), os.X_OK):
            print(f"{tool} is not built in {bin_dir}", file=sys.stderr)
            return 77
    if not shutil.which("mosquitto_pub") or not shutil.which("sox"):
        print("mosquitto-clients and sox are needed", file=sys.stderr)
        return 77
    import fleet as bench
    work = tempfile.mkdtemp(prefix="laba-attack-commands-")
    units = []
    broker = None
    try:
        broker = bench.Broker(work)
        f = bench.Fleet(bin_dir, work, broker)
        county = Key(bin_dir, os.path.join(work, "keys", "lijiang"))
        township = Key(bin_dir, os.path.join(work, "keys", "gucheng"))
        old = Key(bin_dir, os.path.join(work, "keys", "old"))

        def config(unit, zone):
            path = os.path.join(work, unit + ".yaml")
            open(path, "w").write(f"""timezone: UTC
audio_dir: {f.audio}
defaults: {{gap: 50ms, loudness_lufs: -16}}
outputs:
  - {{id: square, device: laba_bench, zone: {zone}}}
zones:
  - {{id: county, languages: [mandarin]}}
  - {{id: city, parent: county, languages: [mandarin]}}
  - {{id: east, parent: city, languages: [naxi]}}
  - {{id: west, parent: city, languages: [yi]}}
  - {{id: hills, parent: county, languages: [mandarin]}}
fleet:
  name: bench
  broker: "mqtt://127.0.0.1:{broker.port}"
  unit: {unit}
  trust:
    - {{key: {county.pub}, zones: [county], issuer: county-office}}
    - {{key: {township.pub}, zones: [city], issuer: city-office}}
    - {{key: {old.pub}, zones: [county], revoked: true}}
""")
            return path

        env = {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + f.asound}
        hills = bench.Labad(bin_dir, config("hills-1", "hills"), os.path.join(work, "hills-1"), env)
        units.append(hills)
        east = bench.Labad(bin_dir, config("east-1", "east"), os.path.join(work, "east-1"), env)
        units.append(east)
        # A board without a battery clock before NTP: five years back, before any build of this code.
        offset = os.path.join(work, "west-offset")
        open(offset, "w").write(f"{-5 * 365 * DAY}\n")
        west = bench.Labad(bin_dir, config("west-1", "west"), os.path.join(work, "west-1"),
                           dict(env, LABA_TEST_CLOCK_OFFSET_FILE=offset))
        units.append(west)

        def publish(topic, envelope):
            subprocess.run(["mosquitto_pub", "-p", str(broker.port), "-q", "1", "-t", f"laba/v1/bench/{topic}", "-m", envelope],
                           check=True, timeout=PATIENCE)

        def refusals(unit):
            shown = unit.laba("fleet", "--json")
            if shown.returncode != 0:
                return {}
            return {r.get("command"): r["code"] for r in json.loads(shown.stdout)["fleet"]["refusals"]}

        def zone(unit):
            shown = unit.laba("status", "--json")
            return json.loads(shown.stdout)["outputs"][0]["zone"] if shown.returncode == 0 else None

        def played(unit):
            return {row[0] for row in unit.query("SELECT requested_by FROM broadcast")}

        now = time.time()
        # Finding 2: the township key moves the county's unit into the township, by zone and by name.
        publish("zone/county/command", township.envelope(command("grab-all", "move", issuer="city-office", zone="city"), v=2))
        publish("unit/hills-1/command",
                township.envelope(command("grab-one", "move", issuer="city-office", unit="hills-1", zone="city"), v=2))
        # An old unit's move (v1), by the county itself, naming no unit: refused as unreadable.
        publish("zone/county/command", county.envelope(command("old-move", "move", zone="east")))
        # Finding 3: a command valid for ten years, one issued a year ahead (the synced unit and the unsynced one).
        publish("unit/hills-1/command", county.envelope(play("decade", "hills", life=3650 * DAY)))
        publish("unit/hills-1/command", county.envelope(play("ahead", "hills", issued=now + 365 * DAY)))
        publish("unit/west-1/command", county.envelope(play("ahead-west", "west", issued=now + 365 * DAY)))
        # The township key signs as the county; a revoked key.
        publish("unit/east-1/command", township.envelope(play("as-county", "east", issuer="county-office")))
        publish("unit/east-1/command", old.envelope(play("revoked", "east")))
        # The township key claims the id the county is about to use; the county's command must still play.
        publish("unit/east-1/command", township.envelope(play("claimed", "east", issuer="city-office")))
        publish("unit/east-1/command", county.envelope(play("claimed", "east")))

        expected = {hills: {"grab-all": "malformed", "grab-one": "out_of_scope", "decade": "too_long", "ahead": "issued_ahead"},
                    east: {"as-county": "wrong_issuer", "revoked": "revoked"}}
        for unit, codes in expected.items():
            wait_for(lambda: set(codes) <= set(refusals(unit)), f"{unit.work}'s refusals")
            seen = refusals(unit)
            for id, code in codes.items():
                if seen.get(id) != code:
                    fail(f"{os.path.basename(unit.work)}: command {id} answered {seen.get(id, 'accepted or nothing')}, not {code}")
        if zone(hills) != "hills":
            fail(f"hills-1 was moved to {zone(hills)} by the township key")
        if "old-move" not in refusals(hills):
            fail("a v1 move naming no unit was not refused")
        # The county's 'claimed' plays beside the township's: two broadcasts of command 'claimed'.
        wait_for(lambda: sum(1 for r in played(east) if "claimed" in (r or "")) >= 2, "both 'claimed' commands on east-1")
        claimed = sum(1 for r in played(east) if "claimed" in (r or ""))
        if claimed != 2:
            fail(f"east-1 played {claimed} broadcast(s) of command 'claimed': the township's claim blocked the county's")
        if any("as-county" in (r or "") or "revoked" in (r or "") for r in played(east)):
            fail("east-1 played a command signed as the county by the township key, or by a revoked key")
        if played(hills):
            fail(f"hills-1 played {sorted(played(hills))}: a ten-year or a year-ahead command")
        # The unsynced unit obeys the year-ahead command (its clock cannot tell) and says its clock is not set.
        wait_for(lambda: any("ahead-west" in (r or "") for r in played(west)), "west-1 obeying the year-ahead command")
        if not any("ahead-west" in (r or "") for r in played(west)):
            fail("west-1, whose clock was never set, did not obey the year-ahead command")
        status = json.loads(west.laba("status", "--json").stdout).get("fleet", {})
        if status.get("clock_synced") is not False:
            fail(f"west-1's status does not say its clock is not set: {status.get('clock_synced')}")
        print(f"  hills-1 refusals {refusals(hills)}; east-1 {refusals(east)}; 'claimed' played {claimed} times", flush=True)
    finally:
        for unit in units:
            unit.stop()
        if broker:
            broker.kill()
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".build/debug"))
