#!/usr/bin/env python3
"""A mixed fleet for `make soak`: a unit of the last release under a commander of this build.

    mixed.py NEW_BIN OLD_BIN

NEW_BIN holds this build's labad and laba (the commander, and the CLI that keys and drives it);
OLD_BIN holds the labad of the last release (`make base-unit` builds it from BASE_COMMIT with
`git archive`, into .build-base). On a real mosquitto:

  1. The old unit starts, connects and is seen online by the new commander.
  2. A CAP alert given to the commander (`laba alerts --send`), whose area covers the old unit's
     zone, is forwarded as a signed `alert` command in envelope v 2 (SPEC 15); the old unit, which
     reads envelope v 1 only, acks it `refused` and plays nothing of it.
  3. A `broadcast` command from the new commander still plays on the old unit, and the unit's
     record reaches the commander (`laba history --fleet`).
  4. A `move` (`laba fleet move`, envelope v 2) is acked refused by the old unit, which stays in
     its zone; the commander's `laba fleet` lists the refusal under the old unit.
  5. A library recording (`laba library publish`, on library/KEY_ID/...) is not installed by the
     old unit, and `laba library publish` names it an older unit.
  6. A `stop` (envelope v 1) is still obeyed by the old unit (acked accepted).

Prints one line per step; exits 1 on the first broken promise. The acks are read off the broker
(mosquitto_sub): an old unit names no command in the ack of an envelope it cannot read (its
payload is not one it knows), so the refusal is matched by its unit, its time and the envelope's
version, not by the command's id.
"""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402

FLEET = "mixed"
TIMEOUT = 90  # a loaded two-core machine: generous bounds, never a sleep in their place


def cap(identifier):
    sent = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>soak@example.cn</sender>
  <sent>{sent}</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>zh-CN</language>
    <category>Geo</category>
    <event>地震</event>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    <expires>2099-12-31T00:00:00+08:00</expires>
    <area>
      <areaDesc>east</areaDesc>
      <polygon>26.85,100.05 26.85,100.15 26.95,100.15 26.95,100.05 26.85,100.05</polygon>
    </area>
  </info>
</alert>
"""


def config(work, keys, broker, unit, zone, commander):
    """county > city > east (the old unit's zone, with an area the alert covers)."""
    path = os.path.join(work, unit + ".yaml")
    with open(path, "w") as f:
        f.write(f"""timezone: UTC
audio_dir: {work}/audio
defaults: {{gap: 50ms, loudness_lufs: -16}}
outputs:
  - {{id: square, device: laba_bench, zone: {zone}}}
zones:
  - {{id: county, languages: [mandarin]}}
  - {{id: city, parent: county, languages: [mandarin]}}
  - {{id: east, parent: city, languages: [naxi], area: [[100.0, 26.8], [100.2, 26.8], [100.2, 27.0], [100.0, 27.0], [100.0, 26.8]]}}
alerts:
  events:
    - {{event: 地震, message: notice, priority: emergency}}
  languages: {{zh-CN: mandarin}}
fleet:
  name: {FLEET}
  broker: "mqtt://127.0.0.1:{broker.port}"
  unit: {unit}
  trust:
    - {{key: {keys}/county.pub, zones: [county]}}
""" + (f"  sign_key: {keys}/county.key\n  command_zones: [county]\n" if commander else ""))
    return path


class Wire:
    """mosquitto_sub on every command and ack of the fleet, read on a thread."""

    def __init__(self, broker):
        self.lines = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(["mosquitto_sub", "-V", "mqttv5", "-q", "1", "-v", "-p", str(broker.port), "-h", "127.0.0.1",
                                      "-t", f"laba/v1/{FLEET}/+/+/command", "-t", f"laba/v1/{FLEET}/unit/+/ack"],
                                     stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        # Subscribed once a probe published after it comes back.
        deadline = time.time() + TIMEOUT
        while time.time() < deadline and not self.seen(lambda topic, _: topic.endswith("/zone/probe/command")):
            subprocess.run(["mosquitto_pub", "-V", "mqttv5", "-q", "1", "-p", str(broker.port), "-h", "127.0.0.1",
                            "-t", f"laba/v1/{FLEET}/zone/probe/command", "-m", "probe"], check=True)
            time.sleep(0.2)

    def _read(self):
        for line in self.proc.stdout:
            topic, _, payload = line.rstrip("\n").partition(" ")
            with self.lock:
                self.lines.append((time.time(), topic, payload))

    def seen(self, match):
        with self.lock:
            return [(topic, payload) for _, topic, payload in self.lines if match(topic, payload)]

    def commands(self):
        """(topic, envelope, payload) of every command; payload None when it cannot be read."""
        out = []
        for topic, text in self.seen(lambda t, _: t.endswith("/command")):
            try:
                envelope = json.loads(text)
            except ValueError:
                continue
            try:
                payload = json.loads(base64.b64decode(envelope["payload"]))
            except (KeyError, ValueError, TypeError):
                payload = None
            out.append((topic, envelope, payload))
        return out

    def acks(self, unit):
        out = []
        for _, text in self.seen(lambda t, _: t == f"laba/v1/{FLEET}/unit/{unit}/ack"):
            try:
                out.append(json.loads(text))
            except ValueError:
                pass
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def units_online(commander, names):
    shown = commander.laba("fleet", "--json")
    try:
        units = json.loads(shown.stdout).get("units", [])
    except ValueError:
        return False
    return set(names) <= {u.get("unit") for u in units if u.get("state") == "online"}


def history(daemon, *args):
    shown = daemon.laba("history", "--format", "json", "--limit", "1000", *args)
    try:
        return json.loads(shown.stdout).get("broadcasts", [])
    except ValueError:
        return []


def mixed(new_bin, old_bin):
    for name, path in [("new labad", os.path.join(new_bin, "labad")), ("new laba", os.path.join(new_bin, "laba")),
                       ("old labad", os.path.join(old_bin, "labad"))]:
        if not os.access(path, os.X_OK):
            raise SystemExit(f"mixed.py: the {name} is missing ({path}); `make base-unit` builds the old one")
    work = tempfile.mkdtemp(prefix="laba-mixed-")
    broker = fleet.Broker(work)
    daemons, wire = [], None
    try:
        keys = os.path.join(work, "keys")
        os.makedirs(keys)
        subprocess.run([os.path.join(new_bin, "laba"), "fleet", "keygen", os.path.join(keys, "county")], check=True, capture_output=True)
        fleet.tones(os.path.join(work, "audio"))
        asound = os.path.join(work, "asound.conf")
        with open(asound, "w") as f:
            f.write(fleet.NULL_PCM)
        env = {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + asound}
        wire = Wire(broker)

        print("Mixed 1: a unit of the last release under a commander of this build", flush=True)
        old = fleet.Labad(old_bin, config(work, keys, broker, "old-1", "east", False), os.path.join(work, "old-1"), env)
        daemons.append(old)
        commander = fleet.Labad(new_bin, config(work, keys, broker, "office", "county", True), os.path.join(work, "office"), env)
        daemons.append(commander)
        version = subprocess.run([os.path.join(old_bin, "labad"), "--version"], capture_output=True, text=True).stdout.strip()
        if fleet.wait_for(lambda: units_online(commander, ["old-1"]), TIMEOUT, "the commander sees the old unit online"):
            print(f"  the old unit ({version or 'labad'}) is online under the new commander", flush=True)

        print("Mixed 2: a forwarded alert (envelope v 2) is acked refused by the old unit", flush=True)
        identifier = f"MIXED-{os.getpid()}"
        path = os.path.join(work, "quake.xml")
        with open(path, "w") as f:
            f.write(cap(identifier))
        acks_before = len(wire.acks("old-1"))
        sent = commander.laba("alerts", "--send", path)
        if sent.returncode != 0:
            fleet.fail(f"laba alerts --send on the commander: {sent.stderr.strip()}")

        def forwarded():
            return [(t, e, p) for t, e, p in wire.commands() if p is None or p.get("kind") == "alert"]
        if not fleet.wait_for(lambda: forwarded(), TIMEOUT, "the commander forwards the alert as a fleet command"):
            print("  the commander said: " + " | ".join(sent.stdout.strip().splitlines()), flush=True)
        else:
            topic, envelope, payload = forwarded()[0]
            command = payload.get("id") if payload else None
            print(f"  forwarded on {topic} in envelope v {envelope.get('v')} (command {command})", flush=True)
            if envelope.get("v") != 2:
                fleet.fail(f"the forwarded alert's envelope is v {envelope.get('v')}, not 2")

            def refused():
                return [a for a in wire.acks("old-1")[acks_before:]
                        if a.get("result") == "refused" and a.get("command") in (None, command)]
            if fleet.wait_for(lambda: refused(), TIMEOUT, "the old unit acks the v 2 alert refused"):
                ack = refused()[0]
                print(f"  the old unit refused it: {ack.get('code')}: {ack.get('message')}", flush=True)
            accepted = [a for a in wire.acks("old-1")[acks_before:] if a.get("result") == "accepted" and a.get("command") == command]
            if accepted:
                fleet.fail(f"the old unit accepted the v 2 alert: {accepted}")
        played = old.query("SELECT COUNT(*) FROM broadcast WHERE source = 'alert'")[0][0]
        if played:
            fleet.fail(f"the old unit played {played} broadcasts of the alert")
        if old.proc.poll() is not None:
            fleet.fail(f"the old unit exited ({old.proc.returncode})")

        print("Mixed 3: a broadcast from the new commander still plays on the old unit", flush=True)
        out = commander.laba("play", "notice", "--zone", "east")
        match = fleet.COMMAND.search(out.stdout)
        if out.returncode != 0 or not match:
            fleet.fail(f"laba play on the commander: {out.stdout.strip()} {out.stderr.strip()}")
        else:
            command = match.group(1)

            def completed():
                return old.query("SELECT COUNT(*) FROM broadcast WHERE source = 'fleet' AND outcome = 'completed' "
                                 "AND json_extract(requested_by, '$.command') = ?", (command,))[0][0]
            if fleet.wait_for(completed, TIMEOUT, f"the old unit plays broadcast command {command}"):
                print(f"  the old unit played command {command}", flush=True)
            if fleet.wait_for(lambda: any(b.get("unit") == "old-1" and b.get("command") == command and b.get("outcome") == "completed"
                                          for b in history(commander, "--fleet")), TIMEOUT,
                              "the old unit's record reaches the new commander"):
                print("  its record is in the commander's history --fleet", flush=True)

        print("Mixed 4: a move (envelope v 2) is refused by the old unit, and the commander says so", flush=True)
        moved = commander.laba("fleet", "move", "old-1", "city", "--json")
        try:
            command = json.loads(moved.stdout.splitlines()[0])["command"]
        except (ValueError, KeyError, IndexError):
            command = None
            fleet.fail(f"laba fleet move on the commander: {moved.stdout.strip()} {moved.stderr.strip()}")
        if command:
            def move_refused():
                return [a for a in wire.acks("old-1") if a.get("command") == command and a.get("result") == "refused"]
            if fleet.wait_for(move_refused, TIMEOUT, "the old unit acks the v 2 move refused"):
                ack = move_refused()[0]
                print(f"  the old unit refused move {command}: {ack.get('code')}: {ack.get('message')}", flush=True)

            def listed():
                shown = commander.laba("fleet", "--json")
                try:
                    refusals = json.loads(shown.stdout).get("fleet", {}).get("refusals", [])
                except ValueError:
                    return []
                return [r for r in refusals if r.get("unit") == "old-1" and r.get("command") == command]
            if fleet.wait_for(listed, TIMEOUT, "the commander's laba fleet lists the old unit's refusal of the move"):
                line = [ln for ln in commander.laba("fleet").stdout.splitlines() if command in ln]
                print("  laba fleet: " + (line[0].strip() if line else json.dumps(listed()[0])), flush=True)
            zones = [o.get("zone") for u in json.loads(commander.laba("fleet", "--json").stdout or "{}").get("units", [])
                     if u.get("unit") == "old-1" for o in u.get("outputs") or []]
            if zones != ["east"]:
                fleet.fail(f"the old unit's outputs are in {zones}, not east, after a refused move")

        print("Mixed 5: a library recording (library/KEY_ID/...) is not taken by the old unit, named an older unit", flush=True)
        recording = os.path.join(work, "bulletin.wav")
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", recording, "synth", "0.2", "sine", "660", "vol", "0.5"],
                       check=True)
        published = commander.laba("library", "publish", "notice", recording, "--lang", "naxi", "--json", "--wait", "5")
        lines = published.stdout.splitlines()
        try:
            answers = json.loads(lines[1])
        except (ValueError, IndexError):
            answers = {}
            fleet.fail(f"laba library publish --json: {published.stdout.strip()} {published.stderr.strip()}")
        if answers:
            print(f"  laba library publish: kept {answers.get('kept')}, refused {answers.get('refused')}, "
                  f"older {answers.get('older')}", flush=True)
            if "old-1" not in answers.get("older", []):
                fleet.fail(f"laba library publish does not name old-1 an older unit: {answers}")
        text = commander.laba("library", "publish", "notice", recording, "--lang", "naxi", "--wait", "2")
        older = [ln for ln in text.stdout.splitlines() if "old-1" in ln]
        if older:
            print("  in words: " + older[0].strip(), flush=True)
        library = os.path.join(old.work, "state", "library")
        held = [os.path.join(d, f) for d, _, files in os.walk(library) for f in files] if os.path.isdir(library) else []
        if held:
            fleet.fail(f"the old unit installed a recording of the new layout: {held}")

        print("Mixed 6: a stop (envelope v 1) is still obeyed by the old unit", flush=True)
        # Nothing plays: the bench's null PCM is not paced, so a looping broadcast would spin the
        # old unit rather than play for a while (it then took no command within the timeout).
        stopped = commander.laba("stop", "--zone", "east")
        match = re.search(r"fleet command (\w+)", stopped.stdout)
        stop_id = match.group(1) if match else None
        if stopped.returncode != 0 or not stop_id:
            fleet.fail(f"laba stop on the commander: {stopped.stdout.strip()} {stopped.stderr.strip()}")
        else:
            envelopes = [e.get("v") for _, e, p in wire.commands() if p and p.get("id") == stop_id]
            print(f"  laba stop: {stopped.stdout.strip()} (envelope v {envelopes[0] if envelopes else '?'})", flush=True)

            def stop_acked():
                return [a for a in wire.acks("old-1") if a.get("command") == stop_id]
            if fleet.wait_for(stop_acked, TIMEOUT, "the old unit acks the stop"):
                ack = stop_acked()[0]
                print(f"  the old unit acked stop {stop_id}: {ack.get('result')}", flush=True)
                if ack.get("result") != "accepted":
                    fleet.fail(f"the old unit refused the v 1 stop: {ack}")
            if fleet.wait_for(lambda: any("fleet command obeyed: stop" in line and stop_id in line for line in old.log), TIMEOUT,
                              "the old unit logs the stop obeyed"):
                print("  its log: fleet command obeyed: stop", flush=True)
        if old.proc.poll() is not None:
            fleet.fail(f"the old unit exited ({old.proc.returncode})")
    finally:
        for d in daemons:
            d.stop()
        if wire:
            wire.stop()
        broker.kill()
        shutil.rmtree(work, ignore_errors=True)
    if fleet.failures:
        print(f"mixed fleet: {len(fleet.failures)} broken promises")
        sys.exit(1)
    print("mixed fleet: every promise kept")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    mixed(sys.argv[1], sys.argv[2])
