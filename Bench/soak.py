#!/usr/bin/env python3
"""soak.py BIN_DIR: the long fault runs of `make soak`, on the real labad and laba.

  1. kill -9 at random moments during playback and queue changes, ROUNDS (100) rounds, on a
     PulseAudio null sink (playback takes real time): after each restart the database passes
     PRAGMA integrity_check and holds every broadcast accepted so far; at the end every accepted
     broadcast has exactly one outcome and no scheduled occurrence was played twice.
  2. 200 SIGHUPs in a row while broadcasts play: the daemon stays up, every broadcast completes.
  3. 20 wall-clock jumps (the test clock, forward and back, up to a day): no burst (at most one
     catch-up per jump), no occurrence twice.
  4. 5 × 1,000 concurrent triggers on a draining output: the queue stays bounded (503 beyond 100
     waiting), every accepted broadcast ends with one outcome.
  5. The state dir on a 1 MiB tmpfs (or, where mounting is not allowed, a file-size limit), filled
     by uploads and broadcasts: refusals say why (503 storage_full), no accepted broadcast is lost.
Prints one line per part; exits 1 on the first broken promise.
"""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon as bench  # noqa: E402

bin_dir = sys.argv[1]
rounds = int(os.environ.get("ROUNDS", "100"))
rng = random.Random(int(os.environ.get("SEED", str(random.randrange(1 << 30)))))
failures = []


def fail(text):
    failures.append(text)
    print("  FAILED: " + text, flush=True)


def records(db):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT id, source, entry, output, planned_at, state, outcome FROM broadcast").fetchall()
    finally:
        conn.close()


def integrity(db):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


class Labad:
    def __init__(self, work, config, env, launcher=()):
        self.env = dict(os.environ, LABA_SOCKET=os.path.join(work, "laba.sock"), LABA_STATE_DIR=os.path.join(work, "state"), **env)
        for key in ("NOTIFY_SOCKET", "WATCHDOG_USEC"):
            self.env.pop(key, None)
        self.config, self.launcher, self.work = config, list(launcher), work
        self.proc = None

    def start(self):
        self.log = open(os.path.join(self.work, "labad.log"), "a")
        self.proc = subprocess.Popen(self.launcher + [os.path.join(bin_dir, "labad"), "--config", self.config],
                                     env=self.env, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 20
        while True:
            out = subprocess.run([os.path.join(bin_dir, "laba"), "status"], env=self.env, capture_output=True)
            if out.returncode == 0:
                return
            if time.time() > deadline or self.proc.poll() is not None:
                raise SystemExit("labad did not start; see " + os.path.join(self.work, "labad.log"))
            time.sleep(0.05)

    def laba(self, *args):
        return subprocess.run([os.path.join(bin_dir, "laba"), *args], env=self.env, capture_output=True, text=True)

    def ids(self, out):
        return [line.split()[0] for line in out.stdout.splitlines() if line.strip()]

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                fail("labad did not stop within 10 s of SIGTERM")

    def wait_done(self, db, expected, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            rs = records(db)
            if len(rs) >= expected and all(r[5] == "done" for r in rs):
                return rs
            time.sleep(0.2)
        return records(db)


def setup(name, schedule="2099-01-01", tone=0.3, device="laba_bench", extra=""):
    work = tempfile.mkdtemp(prefix=f"laba-soak-{name}-")
    bench.tones(os.path.join(work, "audio"), seconds=tone)
    config = os.path.join(work, "laba.yaml")
    bench.small_config(config, os.path.join(work, "audio"), device, schedule=schedule)
    if extra:
        open(config, "a").write(extra)
    return work, config


def null_conf(work):
    """laba_null: a PCM that consumes at once, through the same plug and file layers as the tests."""
    open(os.path.join(work, "asound.conf"), "w").write(
        'pcm.laba_null { type plug slave { pcm { type file slave.pcm "null" file "/dev/null" format "raw" } format S16_LE } }\n')


def kill_rounds():
    work, config = setup("kill", schedule="*:*:0/3")
    pulse = bench.Pulse(work)
    bench.paced_conf(os.path.join(work, "asound.conf"), pulse)
    labad = Labad(work, config, {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + os.path.join(work, "asound.conf"), **pulse.env})
    db = os.path.join(work, "state", "laba.sqlite")
    accepted = set()
    try:
        for n in range(rounds):
            labad.start()
            if n and integrity(db) != "ok":
                fail(f"round {n}: integrity_check failed")
            missing = accepted - {r[0] for r in records(db)}
            if missing:
                fail(f"round {n}: accepted broadcasts lost: {sorted(missing)[:5]}")
            for _ in range(rng.randint(0, 3)):
                action = rng.random()
                if action < 0.6:
                    out = labad.laba("play", "notice", "--zone", "town", "--force",
                                     *(["--priority", "emergency"] if rng.random() < 0.2 else []))
                    if out.returncode == 0:
                        accepted.update(labad.ids(out))
                elif action < 0.8:
                    labad.laba("stop", "--zone", "town")
                else:
                    labad.laba("reload")
            time.sleep(rng.uniform(0, 1.5))
            labad.kill9()
        labad.start()
        # No new occurrences from now on, so that everything can end: what was accepted or planned
        # before still plays out (or misses its deadline) and gets its outcome.
        bench.small_config(config, os.path.join(work, "audio"), "laba_bench")
        if labad.laba("reload").returncode != 0:
            fail("the final reload was refused")
        rs = labad.wait_done(db, len(accepted))
        labad.stop()
        ids = {r[0] for r in rs}
        if not accepted <= ids:
            fail(f"lost after {rounds} rounds: {sorted(accepted - ids)[:5]}")
        undone = [r for r in rs if r[5] != "done" or r[6] is None]
        if undone:
            fail(f"{len(undone)} broadcasts without an outcome")
        keys = [(r[2], r[3], r[4]) for r in rs if r[1] == "schedule"]
        if len(keys) != len(set(keys)):
            fail("a scheduled occurrence has two broadcasts")
        if integrity(db) != "ok":
            fail("integrity_check failed at the end")
        outcomes = {}
        for r in rs:
            outcomes[r[6]] = outcomes.get(r[6], 0) + 1
        print(f"kill -9: {rounds} rounds, {len(accepted)} manual broadcasts accepted, {len(rs)} records, outcomes {outcomes}",
              flush=True)
    finally:
        labad.stop()
        pulse.stop()


def hangups():
    work, config = setup("hup", tone=0.2)
    pulse = bench.Pulse(work)
    bench.paced_conf(os.path.join(work, "asound.conf"), pulse)
    labad = Labad(work, config, {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + os.path.join(work, "asound.conf"), **pulse.env})
    db = os.path.join(work, "state", "laba.sqlite")
    try:
        labad.start()
        ids = []
        for n in range(200):
            if n % 20 == 0:
                ids += labad.ids(labad.laba("play", "notice", "--zone", "town", "--force"))
            labad.proc.send_signal(signal.SIGHUP)
            time.sleep(0.005)
        rs = labad.wait_done(db, len(ids))
        alive = labad.proc.poll() is None and labad.laba("status").returncode == 0
        labad.stop()
        bad = [r for r in rs if r[6] != "completed"]
        if not alive:
            fail("labad died under SIGHUPs")
        if {r[0] for r in rs} != set(ids) or bad:
            fail(f"SIGHUPs: {len(bad)} broadcasts not completed, {len(set(ids) - {r[0] for r in rs})} lost")
        print(f"SIGHUP: 200 in a row while {len(ids)} broadcasts played: alive, {len(rs) - len(bad)} completed", flush=True)
    finally:
        labad.stop()
        pulse.stop()


def clock_jumps():
    minute = (time.gmtime().tm_min + 5) % 10  # the configuration's time zone is UTC
    work, config = setup("clock", schedule=f"*:{minute}/10", tone=0.05, device="laba_null",
                         extra=f"  - id: hall\n    parent: town\n    schedule:\n      - {{message: alarm, at: \"*:{minute}/10\", catch_up: 2h}}\n")
    null_conf(work)
    text = open(config).read().replace("  - {id: square, device: laba_null, zone: town}",
                                       "  - {id: square, device: laba_null, zone: town}\n  - {id: hall, device: laba_null, zone: hall}")
    open(config, "w").write(text)
    offset_file = os.path.join(work, "offset")
    open(offset_file, "w").write("0\n")
    labad = Labad(work, config, {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + os.path.join(work, "asound.conf"),
                                 "LABA_TEST_CLOCK_OFFSET_FILE": offset_file})
    db = os.path.join(work, "state", "laba.sqlite")
    try:
        labad.start()
        offset, forward = 0, 0
        for _ in range(20):
            jump = rng.choice([-1, 1]) * rng.choice([600, 3600, 5 * 3600, 86400])
            offset += jump
            forward += jump > 0
            open(offset_file, "w").write(f"{offset}\n")
            labad.proc.send_signal(signal.SIGUSR2)
            time.sleep(0.3)
        rs = labad.wait_done(db, 0)
        labad.stop()
        completed = [r for r in rs if r[6] == "completed"]
        keys = [(r[2], r[3], r[4]) for r in rs if r[1] == "schedule"]
        if len(keys) != len(set(keys)):
            fail("clock jumps: an occurrence has two broadcasts")
        # The hall's entry and (inherited) the town's: at most one catch-up each per forward jump.
        if len(completed) > 2 * forward:
            fail(f"clock jumps: {len(completed)} broadcasts played after {forward} forward jumps (a burst)")
        print(f"clock: 20 jumps ({forward} forward), {len(rs)} records, {len(completed)} played "
              f"(at most {2 * forward} allowed), no occurrence twice", flush=True)
    finally:
        labad.stop()


def concurrent_triggers():
    work, config = setup("burst", tone=0.02, device="laba_null")
    null_conf(work)
    labad = Labad(work, config, {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + os.path.join(work, "asound.conf")})
    db = os.path.join(work, "state", "laba.sqlite")
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "burst.py")
    try:
        labad.start()
        accepted, rejected, statuses = [], 0, set()
        for _ in range(5):
            out = json.loads(subprocess.run([sys.executable, script, labad.env["LABA_SOCKET"], "1000"],
                                            capture_output=True, text=True, check=True).stdout)
            accepted += out["accepted"]
            rejected += out["rejected"]
            statuses |= set(out["statuses"])
        rs = labad.wait_done(db, len(accepted))
        labad.stop()
        if not statuses <= {202, 503}:
            fail(f"concurrent triggers: statuses {sorted(statuses)}")
        if {r[0] for r in rs} != set(accepted) or any(r[6] is None for r in rs):
            fail("concurrent triggers: an accepted broadcast is missing or has no outcome")
        print(f"triggers: 5 × 1,000 at once: {len(accepted)} accepted, {rejected} refused with 503, every accepted one ended",
              flush=True)
    finally:
        labad.stop()


def full_disk():
    work, config = setup("full", tone=0.02, device="laba_null")
    null_conf(work)
    state = os.path.join(work, "state")
    os.makedirs(state)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", state], capture_output=True).returncode == 0
    launcher = () if mounted else ("prlimit", "--fsize=1048576", "--")
    labad = Labad(work, config, {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + os.path.join(work, "asound.conf")}, launcher)
    db = os.path.join(state, "laba.sqlite")
    upload = os.path.join(work, "fresh.wav")
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", upload, "synth", "3", "sine", "440"], check=True)
    try:
        labad.start()
        accepted, refusals = [], []
        for n in range(3000):
            out = labad.laba("play", *(["--file", upload] if n % 10 == 0 else ["notice"]), "--zone", "town", "--force")
            if out.returncode == 0:
                accepted += labad.ids(out)
            else:
                refusals.append(out.stderr.strip())
                if len(refusals) > 20:
                    break
        alive = labad.laba("status").returncode == 0
        listed = {b["id"] for b in json.loads(labad.laba("history", "--format", "json", "--limit", "10000").stdout or "{}")
                  .get("broadcasts", [])}
        lost = set(accepted) - listed
        # Space again (the uploads kept so far removed): broadcasts are accepted again, no restart.
        for name in os.listdir(os.path.join(state, "uploads")) if os.path.isdir(os.path.join(state, "uploads")) else []:
            os.unlink(os.path.join(state, "uploads", name))
        recovered = labad.laba("play", "notice", "--zone", "town", "--force").returncode == 0
        labad.stop()
        told = [r for r in refusals if "state dir" in r or "cannot store" in r]
        if not refusals:
            fail("full disk: 3,000 requests and no refusal; the limit was not reached")
        elif len(told) != len(refusals):
            fail(f"full disk: a refusal without the reason: {refusals[0]}")
        if not alive:
            fail("full disk: labad did not answer once the state dir was full")
        if lost:
            fail(f"full disk: {len(lost)} accepted broadcasts missing from the record")
        if mounted and not recovered:
            fail("full disk: with space again, a broadcast was still refused")
        print(f"full state dir ({'1 MiB tmpfs' if mounted else 'RLIMIT_FSIZE 1 MiB'}): {len(accepted)} accepted and all in the "
              f"record, then refused with the reason ({refusals[0][:90] if refusals else '-'}); daemon up"
              + ("; accepted again once space was freed" if mounted and recovered else ""), flush=True)
    finally:
        labad.stop()
        if mounted:
            subprocess.run(["umount", state], capture_output=True)


for part in (kill_rounds, hangups, clock_jumps, concurrent_triggers, full_disk):
    part()
if failures:
    print(f"soak: {len(failures)} failure(s)")
    sys.exit(1)
print("soak: every promise held")
