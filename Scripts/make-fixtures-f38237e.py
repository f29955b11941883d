#!/usr/bin/env python3
"""Makes the state dirs of the last release (commit f38237e) that the migration tests open.

    Scripts/make-fixtures-f38237e.py OLD_BIN [OUT]

OLD_BIN holds f38237e's labad and laba (`make base-unit` builds both into .build-base/debug); OUT
is Tests/Fixtures/f38237e by default. On a real mosquitto, an old commander (`office`, county's
key) and an old unit (`unit-1`, in east):

  1. the commander publishes a library recording (notice, naxi) and the unit installs it;
  2. the commander plays `notice` in east: the unit obeys the signed command (its id is then a
     seen id), plays it and reports it; the commander keeps the unit's record.

Then both stop, and OUT gets, for each, its SQLite file (checkpointed and vacuumed) and the
unit's library; beside them keys/county.pub and fixture.json (the command's envelope as the
broker carried it, its id and key id, the library recording's name), which the tests read. Run
it once per release; the files are committed.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Bench"))
import fleet  # noqa: E402
import mixed  # noqa: E402

FLEET = "fixture"
TIMEOUT = 120


def config(work, keys, audio, broker, unit, zone, commander):
    path = os.path.join(work, unit + ".yaml")
    with open(path, "w") as f:
        f.write(f"""timezone: UTC
audio_dir: {audio}
defaults: {{gap: 50ms, loudness_lufs: -16}}
outputs:
  - {{id: square, device: laba_bench, zone: {zone}}}
zones:
  - {{id: county, languages: [mandarin]}}
  - {{id: city, parent: county, languages: [mandarin]}}
  - {{id: east, parent: city, languages: [naxi]}}
fleet:
  name: {FLEET}
  broker: "mqtt://127.0.0.1:{broker.port}"
  unit: {unit}
  trust:
    - {{key: {keys}/county.pub, zones: [county]}}
""" + (f"  sign_key: {keys}/county.key\n  command_zones: [county]\n" if commander else ""))
    return path


def keep_database(daemon, out):
    """The daemon's SQLite file, its WAL folded in and its free pages dropped."""
    os.makedirs(out, exist_ok=True)
    target = os.path.join(out, "laba.sqlite")
    conn = sqlite3.connect(daemon.db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute(f"VACUUM INTO '{target}'")
    finally:
        conn.close()
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()


def main(old_bin, out):
    for name in ("labad", "laba"):
        if not os.access(os.path.join(old_bin, name), os.X_OK):
            raise SystemExit(f"make-fixtures: {old_bin}/{name} is missing; `make base-unit` builds it")
    work = tempfile.mkdtemp(prefix="laba-fixtures-")
    broker = fleet.Broker(work)
    daemons, wire = [], None
    try:
        keys = os.path.join(work, "keys")
        os.makedirs(keys)
        subprocess.run([os.path.join(old_bin, "laba"), "fleet", "keygen", os.path.join(keys, "county")], check=True,
                       capture_output=True)
        audio = os.path.join(work, "audio")
        fleet.tones(audio)
        recording = os.path.join(work, "bulletin.wav")
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", recording, "synth", "0.2", "sine", "660", "vol", "0.5"],
                       check=True)
        asound = os.path.join(work, "asound.conf")
        with open(asound, "w") as f:
            f.write(fleet.NULL_PCM)
        env = {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + asound}
        mixed.FLEET = FLEET
        wire = mixed.Wire(broker)

        unit = fleet.Labad(old_bin, config(work, keys, audio, broker, "unit-1", "east", False), os.path.join(work, "unit-1"), env)
        daemons.append(unit)
        office = fleet.Labad(old_bin, config(work, keys, audio, broker, "office", "county", True), os.path.join(work, "office"), env)
        daemons.append(office)
        if not fleet.wait_for(lambda: fleet.online(office, ["unit-1"]), TIMEOUT, "the commander sees unit-1 online"):
            raise SystemExit(1)

        published = office.laba("library", "publish", "notice", recording, "--lang", "naxi")
        if published.returncode != 0:
            raise SystemExit(f"laba library publish: {published.stdout} {published.stderr}")
        kept = os.path.join(unit.work, "state", "library", "notice")
        if not fleet.wait_for(lambda: os.path.exists(os.path.join(kept, "naxi.wav")) and os.path.exists(os.path.join(kept, ".naxi.json")),
                              TIMEOUT, "unit-1 installs the library recording"):
            raise SystemExit(1)

        played = office.laba("play", "notice", "--zone", "east")
        if played.returncode != 0:
            raise SystemExit(f"laba play: {played.stdout} {played.stderr}")

        def seen():
            return [r[0] for r in unit.query("SELECT command FROM fleet_seen")]
        if not fleet.wait_for(lambda: seen(), TIMEOUT, "unit-1 obeys the command"):
            raise SystemExit(1)
        command = seen()[0]
        if not fleet.wait_for(lambda: office.query("SELECT COUNT(*) FROM fleet_record WHERE unit = 'unit-1' AND command = ?",
                                                   (command,))[0][0] > 0, TIMEOUT, "the commander keeps unit-1's record"):
            raise SystemExit(1)
        if not fleet.wait_for(lambda: unit.query("SELECT COUNT(*) FROM fleet_outbox")[0][0] == 0, TIMEOUT,
                              "unit-1's outbox is delivered"):
            raise SystemExit(1)
        envelopes = [text for topic, text in wire.seen(lambda t, p: t.endswith("/command") and command in _payload(p))]
        if not envelopes:
            raise SystemExit(f"command {command} was not seen on the broker")
        for d in daemons:
            d.stop()

        if os.path.exists(out):
            shutil.rmtree(out)
        keep_database(unit, os.path.join(out, "unit"))
        shutil.copytree(os.path.join(unit.work, "state", "library"), os.path.join(out, "unit", "library"))
        keep_database(office, os.path.join(out, "commander"))
        os.makedirs(os.path.join(out, "keys"))
        shutil.copy(os.path.join(keys, "county.pub"), os.path.join(out, "keys", "county.pub"))
        key_id = subprocess.run(["sha256sum"], input=__import__("base64").b64decode(open(os.path.join(keys, "county.pub")).read().split()[1]),
                                capture_output=True, check=True).stdout.decode()[:16]
        with open(os.path.join(out, "fixture.json"), "w") as f:
            json.dump({"commit": "f38237e", "fleet": FLEET, "unit": "unit-1", "commander": "office", "zone": "east",
                       "key": key_id, "command": command, "envelope": envelopes[0],
                       "library": {"message": "notice", "language": "naxi"}}, f, indent=2, sort_keys=True)
            f.write("\n")
        print(f"fixtures of f38237e in {out}: command {command}, key {key_id}")
    finally:
        for d in daemons:
            d.stop()
        if wire:
            wire.stop()
        broker.kill()
        shutil.rmtree(work, ignore_errors=True)
    if fleet.failures:
        sys.exit(1)


def _payload(text):
    try:
        return __import__("base64").b64decode(json.loads(text)["payload"]).decode()
    except (ValueError, KeyError, TypeError):
        return ""


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    main(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else os.path.join(root, "Tests", "Fixtures", "f38237e"))
