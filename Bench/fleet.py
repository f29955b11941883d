#!/usr/bin/env python3
"""The fleet (SPEC 11) under load and faults, on a real mosquitto and the real labad and laba.

    fleet.py soak BIN                  make soak: the broker killed (-9) and restarted during a burst of
                                       200 commands; a unit whose network link goes down for 90 s
    fleet.py fanout BIN UNITS ROUNDS   an emergency to the root zone, to UNITS labad units (null PCMs):
                                       command accepted -> first frame on each unit
    fleet.py subscribers N             N simulated unit subscriptions (paho-mqtt) receiving one command:
                                       publish -> last delivery
    fleet.py idle BIN SECONDS          a unit connected to the broker, idle: wake-ups per minute and RSS
    fleet.py raw N                     mosquitto_pub -> mosquitto_sub on the same kind of broker, N times

The bench modes print one JSON object each. soak prints one line per part and exits 1 on the first
broken promise; the link-down part needs root and network namespaces, and says so when it skips.
"""
import base64
import json
import os
import re
import resource
import selectors
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon as bench  # noqa: E402

failures = []


def fail(text):
    failures.append(text)
    print("  FAILED: " + text, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mosquitto():
    for candidate in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto"):
        if os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit("mosquitto is not installed (apt-get install mosquitto)")


class Broker:
    """mosquitto with persistence in a folder of its own; `start` again after `kill` restarts it on
    the same port and persistence."""

    def __init__(self, work, addresses=("127.0.0.1",), port=None, settings=""):
        self.settings = settings
        self.dir = os.path.join(work, "broker")
        os.makedirs(self.dir, exist_ok=True)
        self.port = port or free_port()
        self.addresses = addresses
        self.proc = None
        self.start()

    def start(self):
        listeners = "\n".join(f"listener {self.port} {a}\nallow_anonymous true" for a in self.addresses)
        conf = os.path.join(self.dir, "mosquitto.conf")
        user = __import__("pwd").getpwuid(os.getuid()).pw_name
        open(conf, "w").write(f"""persistence true
persistence_location {self.dir}/
autosave_interval 60
max_queued_messages 100000
user {user}
per_listener_settings false
log_dest file {self.dir}/mosquitto.log
{self.settings}
{listeners}
""")
        self.proc = subprocess.Popen([mosquitto(), "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise SystemExit("mosquitto did not start: " + open(os.path.join(self.dir, "mosquitto.log")).read())

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait()


def tones(directory, seconds=0.05):
    for message, language, freq in [("notice", "naxi", 300), ("notice", "yi", 500), ("notice", "mandarin", 900)]:
        os.makedirs(os.path.join(directory, message), exist_ok=True)
        subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", os.path.join(directory, message, language + ".wav"),
                        "synth", str(seconds), "sine", str(freq), "vol", "0.5"], check=True)


NULL_PCM = 'pcm.laba_bench { type plug slave { pcm { type file slave.pcm "null" file "/dev/null" format "raw" } format S16_LE } }\n'


class Fleet:
    """The keys, the audio and the ALSA configuration units share, in one work folder."""

    def __init__(self, bin_dir, work, broker):
        self.bin = bin_dir
        self.work = work
        self.broker = broker
        self.keys = os.path.join(work, "keys")
        os.makedirs(self.keys, exist_ok=True)
        subprocess.run([os.path.join(bin_dir, "laba"), "fleet", "keygen", os.path.join(self.keys, "county")],
                       check=True, capture_output=True)
        self.audio = os.path.join(work, "audio")
        tones(self.audio)
        self.asound = os.path.join(work, "asound.conf")
        open(self.asound, "w").write(NULL_PCM)

    def config(self, unit, zone, commander=False, host="127.0.0.1", zones=()):
        extra = "".join(f"  - {{id: {z}, parent: city, languages: [naxi]}}\n" for z in zones)
        path = os.path.join(self.work, unit + ".yaml")
        open(path, "w").write(f"""timezone: UTC
audio_dir: {self.audio}
defaults: {{gap: 50ms, loudness_lufs: -16}}
outputs:
  - {{id: square, device: laba_bench, zone: {zone}}}
zones:
  - {{id: county, languages: [mandarin]}}
  - {{id: city, parent: county, languages: [mandarin]}}
  - {{id: east, parent: city, languages: [naxi]}}
  - {{id: west, parent: city, languages: [yi]}}
{extra}fleet:
  name: bench
  broker: "mqtt://{host}:{self.broker.port}"
  unit: {unit}
  trust:
    - {{key: {self.keys}/county.pub, zones: [county]}}
""" + (f"  sign_key: {self.keys}/county.key\n  command_zones: [county]\n" if commander else ""))
        return path

    def unit(self, unit, zone, commander=False, launcher=(), host="127.0.0.1", zones=()):
        return Labad(self.bin, self.config(unit, zone, commander, host, zones), os.path.join(self.work, unit),
                     {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + self.asound}, launcher)


class Labad:
    """A labad whose log is read on a thread; `launcher` runs it (ip netns exec NS)."""

    def __init__(self, bin_dir, config, work, env, launcher=()):
        os.makedirs(work, exist_ok=True)
        self.bin = bin_dir
        self.work = work
        self.db = os.path.join(work, "state", "laba.sqlite")
        self.env = dict(os.environ, LABA_SOCKET=os.path.join(work, "laba.sock"), LABA_STATE_DIR=os.path.join(work, "state"), **env)
        for key in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
            self.env.pop(key, None)
        self.log = []
        self.connected = threading.Event()
        self.proc = subprocess.Popen([*launcher, os.path.join(bin_dir, "labad"), "--config", config], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        if not self.connected.wait(60):
            self.stop()
            raise SystemExit(f"labad {config} did not connect to the broker:\n" + "".join(self.log))

    def _read(self):
        for line in self.proc.stderr:
            self.log.append(line)
            if "connected to the fleet's broker" in line:
                self.connected.set()

    def laba(self, *args):
        return subprocess.run([os.path.join(self.bin, "laba"), *args], env=self.env, capture_output=True, text=True)

    def query(self, sql, args=()):
        conn = sqlite3.connect(self.db, timeout=10)
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wait_for(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    fail(f"{what} within {timeout} s")
    return False


def online(commander, units):
    rows = commander.query("SELECT unit FROM fleet_unit WHERE state = 'online'")
    return set(units) <= {r[0] for r in rows}


COMMAND = re.compile(r"fleet command (\w+) published")


# ── make soak ────────────────────────────────────────────────────────────────────────────────────

def soak_broker_restart(bin_dir):
    """200 emergencies for the city from the commander, the broker killed (-9: it loses what it had
    not saved) after the 60th and restarted (persistence on) after the 80th: every command the
    commander accepted is played exactly once on each unit, and reported."""
    work = tempfile.mkdtemp(prefix="laba-fleet-soak-")
    broker = Broker(work)
    fleet = Fleet(bin_dir, work, broker)
    daemons = []
    try:
        commander = fleet.unit("office", "county", commander=True)
        daemons.append(commander)
        units = [fleet.unit("east-1", "east"), fleet.unit("west-1", "west")]
        daemons += units
        wait_for(lambda: online(commander, ["east-1", "west-1"]), 30, "the commander sees both units")
        accepted = []
        for i in range(200):
            if i == 60:
                broker.kill(signal.SIGKILL)
            if i == 80:
                broker.start()
            out = commander.laba("play", "notice", "--zone", "city", "--priority", "emergency")
            m = COMMAND.search(out.stdout)
            if out.returncode == 0 and m:
                accepted.append(m.group(1))
            else:
                fail(f"command {i} refused: {out.stderr.strip()}")
        print(f"  {len(accepted)} commands accepted, broker killed after 60 and restarted after 80", flush=True)

        def played(unit):
            rows = unit.query("SELECT json_extract(requested_by, '$.command'), outcome FROM broadcast "
                              "WHERE source = 'fleet' AND state = 'done'")
            return rows

        def done():
            return all(len(played(u)) >= len(accepted) for u in units) and \
                commander.query("SELECT COUNT(*) FROM fleet_record")[0][0] >= 2 * len(accepted)
        wait_for(done, 300, "every command played and reported by both units")
        for unit, name in zip(units, ["east-1", "west-1"]):
            rows = played(unit)
            counts = {}
            for command, _ in rows:
                counts[command] = counts.get(command, 0) + 1
            twice = [c for c, n in counts.items() if n > 1]
            missing = [c for c in accepted if c not in counts]
            failed = [r for r in rows if r[1] != "completed"]
            if twice:
                fail(f"{name} played {len(twice)} commands more than once")
            if missing:
                fail(f"{name} never played {len(missing)} accepted commands")
            if failed:
                fail(f"{name}: {len(failed)} broadcasts did not complete: {failed[:3]}")
            reported = commander.query("SELECT COUNT(*) FROM fleet_record WHERE unit = ?", (name,))[0][0]
            print(f"  {name}: {len(counts)} commands played, {len(twice)} twice, {len(missing)} missing; "
                  f"{reported} records on the commander", flush=True)
        wait_for(lambda: commander.query("SELECT COUNT(*) FROM fleet_command")[0][0] == 0, 60,
                 "every command answered by both units (the commander's outbox empty)")
    finally:
        for d in daemons:
            d.stop()
        broker.kill()
        shutil.rmtree(work, ignore_errors=True)


def run(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


def soak_link_down(bin_dir, seconds=90):
    """A unit in a network namespace whose link goes down for 90 s: it reconnects by itself and
    reports every record it made meanwhile."""
    if os.getuid() != 0:
        print("  SKIPPED: the link-down run needs root (ip netns, veth)", flush=True)
        return
    if not shutil.which("ip"):
        print("  SKIPPED: the link-down run needs iproute2 (ip)", flush=True)
        return
    ns = f"laba-soak-{os.getpid()}"
    host_if, unit_if = f"lsh{os.getpid() % 10000}", f"lsu{os.getpid() % 10000}"
    made = run("ip", "netns", "add", ns, check=False)
    if made.returncode != 0:
        print(f"  SKIPPED: network namespaces are not available here ({made.stderr.strip()})", flush=True)
        return
    work = tempfile.mkdtemp(prefix="laba-fleet-link-")
    daemons = []
    broker = None
    try:
        run("ip", "link", "add", host_if, "type", "veth", "peer", "name", unit_if)
        run("ip", "link", "set", unit_if, "netns", ns)
        run("ip", "addr", "add", "10.213.0.1/24", "dev", host_if)
        run("ip", "link", "set", host_if, "up")
        run("ip", "netns", "exec", ns, "ip", "addr", "add", "10.213.0.2/24", "dev", unit_if)
        run("ip", "netns", "exec", ns, "ip", "link", "set", unit_if, "up")
        run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        # A 20 s keepalive (the broker's max_keepalive, which MQTT 5 clients take): the lost link is
        # noticed by both ends well within the 90 s, so that the unit must reconnect by itself.
        broker = Broker(work, addresses=("127.0.0.1", "10.213.0.1"), settings="max_keepalive 20")
        fleet = Fleet(bin_dir, work, broker)
        commander = fleet.unit("office", "county", commander=True)
        daemons.append(commander)
        unit = fleet.unit("far-1", "east", launcher=("ip", "netns", "exec", ns), host="10.213.0.1")
        daemons.append(unit)
        wait_for(lambda: online(commander, ["far-1"]), 30, "the commander sees the unit")
        run("ip", "link", "set", host_if, "down")
        down = time.time()
        made = []
        # Broadcasts on the unit while it cannot reach the broker: each leaves a record to report.
        while time.time() - down < seconds:
            out = unit.laba("play", "notice", "--zone", "east")
            if out.returncode == 0:
                made.append(out.stdout.split()[0])
            time.sleep(15)
        run("ip", "link", "set", host_if, "up")
        up = time.time()
        print(f"  link down {up - down:.0f} s, {len(made)} broadcasts made meanwhile", flush=True)

        def reported():
            rows = commander.query("SELECT id FROM fleet_record WHERE unit = 'far-1'")
            return set(made) <= {r[0] for r in rows}
        if wait_for(reported, 240, "every record made while the link was down reported to the commander"):
            connects = sum("connected to the fleet" in line for line in unit.log)
            print(f"  all {len(made)} records reported {time.time() - up:.0f} s after the link came back; "
                  f"the unit connected {connects} times", flush=True)
            if connects < 2:
                fail("the unit never lost its connection: the link-down run tested nothing")
    finally:
        for d in daemons:
            d.stop()
        if broker:
            broker.kill()
        run("ip", "link", "del", host_if, check=False)
        run("ip", "netns", "del", ns, check=False)
        shutil.rmtree(work, ignore_errors=True)


def soak(bin_dir):
    print("Fleet 1: broker killed and restarted during 200 commands", flush=True)
    soak_broker_restart(bin_dir)
    print("Fleet 2: a unit's link down for 90 s", flush=True)
    soak_link_down(bin_dir, int(os.environ.get("LINK_DOWN_SECONDS", "90")))
    if failures:
        print(f"fleet soak: {len(failures)} broken promises")
        sys.exit(1)
    print("fleet soak: every promise kept")


# ── make bench ───────────────────────────────────────────────────────────────────────────────────

def envelope_issued_at(payload):
    command = json.loads(base64.b64decode(json.loads(payload)["payload"]))
    return bench.parse_time(command["issued_at"].replace("Z", "+00:00")), command["id"]


CLOCK_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    """User + system time of a process, every thread's (ended ones too), in clock ticks."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def private_tmpfs(path):
    """Mounts a tmpfs of its own on `path`, as a unit's own card would be: no other unit's fsync
    waits behind this one's. False when that cannot be done (not root)."""
    os.makedirs(path, exist_ok=True)
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", path],
                          capture_output=True).returncode == 0


FSYNC_CALLS = re.compile(r"\b(fsync|fdatasync|sync_file_range)\(")


def traced_pid(launcher_pid):
    """The labad that a launcher (strace) started: its child."""
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            children = open(f"/proc/{launcher_pid}/task/{launcher_pid}/children").read().split()
        except OSError:
            children = []
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise SystemExit("the traced labad did not start")


def fsync_calls(trace):
    """How many fsync-like calls strace has written to `trace` so far."""
    try:
        return sum(1 for line in open(trace) if FSYNC_CALLS.search(line))
    except OSError:
        return 0


def fanout(bin_dir, count, rounds):
    """An emergency to the root zone from the commander, to `count` units, measured honestly
    (issue 32): every unit's state dir on a tmpfs of its own (as separate cards), but one unit's on
    the real disk, so that its fsync's cost is shown. Per command: the commander's acceptance
    (`issued_at`) -> each unit's first frame; on each unit, its arrival (the broadcast's
    `planned_at`) -> its first frame (`started_at`), both on the unit's clock; each unit's CPU time
    for the command (from before it to every record at the commander: receive, verify, admit, claim,
    play 0.15 s, report); the disk unit's fsyncs per command (strace, counting those calls only)."""
    raise_files()
    work = tempfile.mkdtemp(prefix="laba-fanout-")
    broker = Broker(work)
    fleet = Fleet(bin_dir, work, broker)
    daemons, mounts, pids = [], [], []
    try:
        zones = [f"v{i % 10}" for i in range(count)]
        commander = fleet.unit("office", "county", commander=True, zones=sorted(set(zones)))
        daemons.append(commander)
        names = ["unit-disk"] + [f"unit-{i:03d}" for i in range(1, count)]
        tmpfs = True
        # The disk unit's fsyncs, counted by strace with a seccomp filter: only those calls stop it.
        trace = os.path.join(work, "unit-disk.strace")
        for i, (name, zone) in enumerate(zip(names, zones)):
            launcher = ()
            if i == 0:
                launcher = ("strace", "-f", "--seccomp-bpf", "-o", trace, "-e", "trace=fsync,fdatasync,sync_file_range")
            else:
                state = os.path.join(work, name, "state")
                if private_tmpfs(state):
                    mounts.append(state)
                else:
                    tmpfs = False
            daemons.append(fleet.unit(name, zone, zones=sorted(set(zones)), launcher=launcher))
        units = daemons[1:]
        pids[:] = [traced_pid(units[0].proc.pid)] + [u.proc.pid for u in units[1:]]
        wait_for(lambda: online(commander, names), 300, "the commander sees every unit")
        sub = subprocess.Popen(["mosquitto_sub", "-V", "mqttv5", "-p", str(broker.port), "-h", "127.0.0.1",
                                "-t", "laba/v1/bench/zone/county/command"], stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)

        def command_round():
            out = commander.laba("play", "notice", "--zone", "county", "--priority", "emergency")
            command = COMMAND.search(out.stdout).group(1)
            issued, cid = envelope_issued_at(sub.stdout.readline())
            assert cid == command
            wait_for(lambda: commander.query("SELECT COUNT(*) FROM fleet_record WHERE command = ?", (command,))[0][0] >= count,
                     120, "every unit's record")
            return command, issued

        latencies, arrival, cpu_ms, disk_latency, disk_arrival, fsyncs = [], [], [], [], [], []
        for _ in range(rounds):
            synced = fsync_calls(trace)
            before = {pid: cpu_ticks(pid) for pid in pids}
            command, issued = command_round()
            after = {pid: cpu_ticks(pid) for pid in pids}
            fsyncs.append(fsync_calls(trace) - synced)
            cpu_ms.extend((after[pid] - before[pid]) * CLOCK_TICK_MS for pid in before)
            for unit, record in commander.query("SELECT unit, record FROM fleet_record WHERE command = ?", (command,)):
                r = json.loads(record)
                if not r.get("started_at"):
                    continue
                started = bench.parse_time(r["started_at"])
                latencies.append((started - issued) * 1000)
                arrived = (started - bench.parse_time(r["planned_at"])) * 1000
                arrival.append(arrived)
                if unit == "unit-disk":
                    disk_latency.append((started - issued) * 1000)
                    disk_arrival.append(arrived)
        sub.terminate()
        print(json.dumps({"units": count, "rounds": rounds, "n": len(latencies),
                          "state": "a tmpfs per unit, unit-disk on the disk" if tmpfs else "every unit on the disk (not root)",
                          "p50_ms": bench.percentile(latencies, 50), "p99_ms": bench.percentile(latencies, 99),
                          "max_ms": max(latencies),
                          "arrival_p50_ms": bench.percentile(arrival, 50), "arrival_p99_ms": bench.percentile(arrival, 99),
                          "cpu_ms_per_unit_command": sum(cpu_ms) / len(cpu_ms),
                          "cpu_ms_p99": bench.percentile(cpu_ms, 99), "cpu_tick_ms": CLOCK_TICK_MS,
                          "disk_unit_ms": disk_latency, "disk_unit_arrival_ms": disk_arrival,
                          "disk_unit_fsyncs_per_command": fsyncs}))
    finally:
        # The traced unit's labad first: strace, stopped, would leave it running.
        for pid in pids[:1]:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        for d in daemons:
            d.stop()
        broker.kill()
        for m in mounts:
            subprocess.run(["umount", "-l", m], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def raise_files():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def subscribers(count):
    """`count` paho-mqtt clients subscribed as units (QoS 1, persistent sessions), one command
    published: the time to its last delivery. One process, one thread, paho's external loop."""
    import paho.mqtt.client as mqtt
    if raise_files() < count + 100:
        raise SystemExit(f"ulimit -n is below {count + 100}")
    work = tempfile.mkdtemp(prefix="laba-subs-")
    broker = Broker(work)
    clients, received = [], {}
    sel = selectors.DefaultSelector()
    try:
        topic = "laba/v1/bench/zone/county/command"
        subscribed = [0]

        def on_subscribe(client, userdata, mid, reason_codes, properties):
            subscribed[0] += 1

        def on_message(client, userdata, message):
            received[userdata] = time.time()

        for i in range(count):
            c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"sim-{i:04d}", protocol=mqtt.MQTTv5, userdata=i)
            c.on_subscribe = on_subscribe
            c.on_message = on_message
            c.on_connect = lambda client, *_: client.subscribe(topic, qos=1)
            c.connect("127.0.0.1", broker.port, keepalive=60)
            sel.register(c.socket(), selectors.EVENT_READ, c)
            clients.append(c)

        def pump(until, timeout=60):
            deadline = time.time() + timeout
            while not until() and time.time() < deadline:
                for c in clients:
                    if c.want_write():
                        c.loop_write()
                for key, _ in sel.select(0.05):
                    key.data.loop_read()
                for c in clients:
                    c.loop_misc()
            return until()
        if not pump(lambda: subscribed[0] >= count):
            raise SystemExit(f"only {subscribed[0]} of {count} subscribed")
        payload = b"x" * 400  # about a signed command's size
        t0 = time.time()
        subprocess.run(["mosquitto_pub", "-V", "mqttv5", "-q", "1", "-p", str(broker.port), "-h", "127.0.0.1",
                        "-t", topic, "-m", payload], check=True)
        pump(lambda: len(received) >= count)
        times = sorted(t - t0 for t in received.values())
        print(json.dumps({"subscribers": count, "delivered": len(times), "first_ms": times[0] * 1000,
                          "last_ms": times[-1] * 1000, "p50_ms": bench.percentile(times, 50) * 1000}))
    finally:
        for c in clients:
            try:
                c.disconnect()
            except Exception:
                pass
        broker.kill()
        shutil.rmtree(work, ignore_errors=True)


def idle(bin_dir, seconds):
    """One unit connected to the broker (keepalive 60 s), nothing to play: voluntary context switches
    per minute over `seconds`, its threads named; beside it, mosquitto_sub with the same keepalive."""
    work = tempfile.mkdtemp(prefix="laba-fleet-idle-")
    broker = Broker(work)
    fleet = Fleet(bin_dir, work, broker)
    unit = fleet.unit("idle-1", "east")
    sub = subprocess.Popen(["mosquitto_sub", "-V", "mqttv5", "-k", "60", "-p", str(broker.port), "-h", "127.0.0.1",
                            "-t", "laba/v1/bench/zone/east/command"], stdout=subprocess.DEVNULL)
    try:
        # Let the start-up work end (the loudness warm-up thread, the first status).
        deadline = time.time() + 60
        while any(name == "laba-loudness" for name, _ in bench.threads(unit.proc.pid).values()) and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(2)
        a, sa = bench.threads(unit.proc.pid), bench.threads(sub.pid)
        time.sleep(seconds)
        b, sb = bench.threads(unit.proc.pid), bench.threads(sub.pid)
        status = open(f"/proc/{unit.proc.pid}/status").read()
        per_thread = {}
        for tid, (name, n) in b.items():
            delta = n - a.get(tid, (name, 0))[1]
            if delta:
                per_thread[f"{name}({tid})"] = delta
        sub_total = sum(n - sa.get(tid, (name, 0))[1] for tid, (name, n) in sb.items())
        print(json.dumps({"seconds": seconds, "wakeups_per_minute": sum(per_thread.values()) * 60 / seconds,
                          "per_thread": per_thread, "rss_kib": int(re.search(r"VmRSS:\s+(\d+)", status).group(1)),
                          "mosquitto_sub_wakeups_per_minute": sub_total * 60 / seconds}))
    finally:
        sub.terminate()
        unit.stop()
        broker.kill()
        shutil.rmtree(work, ignore_errors=True)


def raw(count):
    """mosquitto_pub invoked -> mosquitto_sub received, on a broker like the others: the floor under
    any delivery through the broker."""
    work = tempfile.mkdtemp(prefix="laba-raw-")
    broker = Broker(work)
    try:
        sub = subprocess.Popen(["mosquitto_sub", "-V", "mqttv5", "-q", "1", "-p", str(broker.port), "-h", "127.0.0.1",
                                "-t", "raw/test"], stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)
        latencies = []
        for _ in range(count):
            t0 = time.time()
            pub = subprocess.Popen(["mosquitto_pub", "-V", "mqttv5", "-q", "1", "-p", str(broker.port), "-h", "127.0.0.1",
                                    "-t", "raw/test", "-m", "x"])
            sub.stdout.readline()
            latencies.append((time.time() - t0) * 1000)
            pub.wait()
        sub.terminate()
        print(json.dumps({"n": count, "p50_ms": bench.percentile(latencies, 50), "p99_ms": bench.percentile(latencies, 99),
                          "max_ms": max(latencies)}))
    finally:
        broker.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "soak":
        soak(sys.argv[2])
    elif mode == "fanout":
        fanout(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif mode == "subscribers":
        subscribers(int(sys.argv[2]))
    elif mode == "idle":
        idle(sys.argv[2], float(sys.argv[3]))
    elif mode == "raw":
        raw(int(sys.argv[2]))
    else:
        raise SystemExit(__doc__)
