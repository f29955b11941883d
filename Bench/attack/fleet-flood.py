#!/usr/bin/env python3
"""Attack, issue 25 finding 4: a unit account fills the commander. Passes only when the attack fails.

    fleet-flood.py BIN_DIR

mosquitto runs with the ACL `laba fleet acl` prints for the commander's configuration, one account
per unit and the broker's own size limit lifted (message_size_limit 0), so that labad's own check is
what is tested. From the unit account baisha-1, six records of 50 MB each are published on its own
record topic (which the ACL allows). Then:

  - the commander's peak RSS (VmHWM) stays under 200 MB;
  - labad logs the drop, and stores none of them (its database stays small);
  - a normal record from the same unit after the flood is stored: the commander is well;
  - `laba history --fleet` answers;
  - the unit account cannot publish under another unit's topics (the ACL holds).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import fleet as f  # noqa: E402

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug")
RECORD_MB = int(os.environ.get("FLOOD_MB", "50"))
RECORDS = 6
failures = []


def check(ok, what):
    print(("ok - " if ok else "FAILED - ") + what, flush=True)
    if not ok:
        failures.append(what)


def record(rid, minute, padding=0):
    return ('{"id":"%s","source":"manual","message":"notice","output":"square","zone":"east","priority":"manual",'
            '"languages":{"planned":["naxi"],"played":["naxi"]},"planned_at":"2026-12-01T10:%02d:00Z","state":"done",'
            '"outcome":"completed","reason":"%s","unit":"baisha-1"}' % (rid, minute, "x" * padding))


def vm(pid, field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    return 0


class Port:
    def __init__(self):
        self.port = f.free_port()


def main():
    for tool in ("mosquitto_pub", "mosquitto_passwd"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed", flush=True)
            return 77
    work = tempfile.mkdtemp(prefix="laba-flood-")
    broker = commander = None
    try:
        port = Port()
        fleet = f.Fleet(BIN, work, port)
        passwords = os.path.join(work, "passwd")
        for i, user in enumerate(["office", "baisha-1"]):
            subprocess.run(["mosquitto_passwd", *(["-c"] if i == 0 else []), "-b", passwords, user, "pw-" + user], check=True)
        open(os.path.join(work, "office.password"), "w").write("pw-office\n")
        config = fleet.config("office", "county", commander=True)
        text = open(config).read().replace("  unit: office\n", "  unit: office\n  username: office\n"
                                           f"  password_file: {work}/office.password\n")
        open(config, "w").write(text)
        acl = subprocess.run([os.path.join(BIN, "laba"), "fleet", "acl", "--config", config], capture_output=True, text=True)
        check(acl.returncode == 0 and "pattern write laba/v1/bench/unit/%u/record" in acl.stdout,
              "laba fleet acl prints the ACL")
        open(os.path.join(work, "laba.acl"), "w").write(acl.stdout)
        # The broker's limit lifted: labad's own check is what is tested.
        broker = f.Broker(work, port=port.port, settings=f"password_file {passwords}\nacl_file {work}/laba.acl\n"
                                                      "message_size_limit 0\n")
        commander = f.Labad(BIN, config, os.path.join(work, "office"),
                            {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + fleet.asound})
        pid = commander.proc.pid

        def publish(topic, payload_file, user="baisha-1"):
            return subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port.port), "-i", user + "-pub", "-u", user,
                                   "-P", "pw-" + user, "-q", "1", "-V", "mqttv5", "-t", topic, "-f", payload_file],
                                  capture_output=True, text=True, timeout=120)

        big = os.path.join(work, "big.json")
        open(big, "w").write(record("flood", 0, RECORD_MB << 20))
        topic = "laba/v1/bench/unit/baisha-1/record"
        started = time.time()
        for i in range(RECORDS):
            sent = publish(topic, big)
            check(sent.returncode == 0, f"the broker took {RECORD_MB} MB record {i + 1} ({sent.stderr.strip()})")
        f.wait_for(lambda: any("fleet messages dropped" in line for line in commander.log), 60, "labad logs the drop")
        check(any("fleet messages dropped" in line for line in commander.log), "labad says it dropped them")

        small = os.path.join(work, "small.json")
        open(small, "w").write(record("after", 1))
        check(publish(topic, small).returncode == 0, "a normal record is published after the flood")
        stored = f.wait_for(lambda: commander.query("SELECT id FROM fleet_record WHERE unit = 'baisha-1'") == [("after",)], 60,
                            "the record after the flood stored")
        check(stored, "the commander stores the normal record, and none of the flood")
        peak = vm(pid, "VmHWM")
        print(f"commander peak RSS {peak} MB, now {vm(pid, 'VmRSS')} MB, flood took {time.time() - started:.1f} s", flush=True)
        check(peak < 200, f"the commander's peak RSS stays under 200 MB ({peak} MB)")
        size = sum(os.path.getsize(os.path.join(commander.work, "state", n)) for n in os.listdir(os.path.join(commander.work, "state"))
                   if n.startswith("laba.sqlite"))
        check(size < 20 << 20, f"the commander's database stays small ({size >> 20} MB)")

        history = subprocess.run([os.path.join(BIN, "laba"), "history", "--fleet"], env=commander.env, capture_output=True,
                                 text=True, timeout=60)
        check(history.returncode == 0 and "baisha-1" in history.stdout,
              f"laba history --fleet answers ({history.stderr.strip()})")

        forged = os.path.join(work, "forged.json")
        open(forged, "w").write(record("forged", 2).replace('"unit":"baisha-1"', '"unit":"xianghe-1"'))
        publish("laba/v1/bench/unit/xianghe-1/record", forged)
        time.sleep(0.5)  # nothing to observe: a refused publish leaves no trace but its absence
        check(commander.query("SELECT id FROM fleet_record WHERE unit = 'xianghe-1'") == [],
              "the unit account cannot publish as another unit")
        if failures:
            print("".join(commander.log[-30:]), flush=True)
            print(open(os.path.join(work, "broker", "mosquitto.log")).read()[-3000:], flush=True)
    finally:
        if commander:
            commander.stop()
        if broker:
            broker.kill()
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print("FAILED: " + failure, flush=True)
    return 1 if failures or f.failures else 0


if __name__ == "__main__":
    sys.exit(main())
