#!/usr/bin/env python3
"""Daemon figures for `make bench`, on the real labad and laba binaries.

    daemon.py idle BIN SECONDS        idle wake-ups per minute (per thread) and RSS on Config/lijiang.yaml
    daemon.py idle-console BIN SECONDS  the same with the web console enabled and no browser connected
    daemon.py idle-metrics BIN SECONDS  the same with /metrics served (loopback) and nothing scraping
    daemon.py trigger BIN N           laba play invoked -> first frame written, over N triggers
    daemon.py preempt BIN N           emergency accepted -> first emergency frame, on a paced PCM
    daemon.py scheduled BIN N         planned instant -> first frame, over N occurrences on a paced PCM,
                                      confirmed from outside by listening to the sound server
    daemon.py live BIN N              live talk, mouth -> horn: N clicks played into a PulseAudio sink
                                      whose monitor is labad's capture, heard on the output's sink
    daemon.py fleet-live BIN N        the same through the fleet: the commander's labad captures and
                                      sends to Icecast (Ogg Opus), a unit's labad plays it; mosquitto
                                      and icecast2 on the loopback

Each prints one JSON object. The first-frame times come from the daemon's records (millisecond
precision: `started_at` is when the first frames of a broadcast went to the device).
"""
import datetime
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def percentile(values, p):
    values = sorted(values)
    if not values:
        return None
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def parse_time(text):
    return datetime.datetime.fromisoformat(text).timestamp()


class Daemon:
    """A labad on a temporary state dir and socket, its log read on a thread."""

    def __init__(self, bin_dir, config, env=None):
        self.dir = tempfile.mkdtemp(prefix="laba-bench-")
        self.socket = os.path.join(self.dir, "laba.sock")
        self.bin = bin_dir
        self.env = dict(os.environ)
        for key in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
            self.env.pop(key, None)
        self.env.update({"LABA_SOCKET": self.socket, "LABA_STATE_DIR": os.path.join(self.dir, "state")})
        self.env.update(env or {})
        self.log = []
        self.ready = threading.Event()
        self.proc = subprocess.Popen([os.path.join(bin_dir, "labad"), "--config", config],
                                     env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(30):
            self.stop()
            raise SystemExit("labad did not become ready:\n" + "".join(self.log))

    def _read(self):
        for line in self.proc.stderr:
            self.log.append(line)
            if "ready" in line:
                self.ready.set()

    def laba(self, *args, check=True):
        out = subprocess.run([os.path.join(self.bin, "laba"), *args], env=self.env, capture_output=True, text=True)
        if check and out.returncode != 0:
            raise SystemExit(f"laba {' '.join(args)}: {out.stderr}")
        return out.stdout

    def broadcasts(self):
        return json.loads(self.laba("history", "--format", "json", "--limit", "10000"))["broadcasts"]

    def wait_records(self, condition, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            records = self.broadcasts()
            if condition(records):
                return records
            time.sleep(0.05)
        raise SystemExit("timed out waiting for the records")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def lijiang(path, devices="null"):
    text = open(os.path.join(REPO, "Config/lijiang.yaml"), encoding="utf-8").read()
    text = text.replace("audio_dir: ../Audio", "audio_dir: " + os.path.join(REPO, "Audio"))
    text = text.replace("area: areas/", "area: " + os.path.join(REPO, "Config/areas") + "/")
    text = text.replace("watch: alerts/", "watch: " + os.path.join(REPO, "Config/alerts"))
    # The idle figure is for a unit without a GPS receiver: with no gpsd to reach, a following
    # output would retry it (backoff up to a minute), and with one, wake for each report.
    text = text.replace("    follow: gps\n", "")
    text = re.sub(r'device: ("[^"]*"|\S+)', f'device: "{devices}"', text)
    open(path, "w", encoding="utf-8").write(text)


def threads(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
            status = open(f"/proc/{pid}/task/{tid}/status").read()
        except OSError:
            continue
        switches = int(re.search(r"voluntary_ctxt_switches:\s+(\d+)", status).group(1))
        out[tid] = (name, switches)
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def idle(bin_dir, seconds, console=False, metrics=False):
    work = tempfile.mkdtemp(prefix="laba-idle-")
    config = os.path.join(work, "lijiang.yaml")
    lijiang(config)
    if console:
        with open(config, "a", encoding="utf-8") as f:
            f.write(f'\nconsole:\n  listen: "127.0.0.1:{free_port()}"\n')
    if metrics:
        with open(config, "a", encoding="utf-8") as f:
            f.write(f'\nmetrics:\n  listen: "127.0.0.1:{free_port()}"\n')
    daemon = Daemon(bin_dir, config)
    try:
        # Let the start-up work end: the loudness warm-up thread measures every recording once, then
        # reports to the engine and exits.
        deadline = time.time() + 120
        while any(name == "laba-loudness" for name, _ in threads(daemon.proc.pid).values()) and time.time() < deadline:
            time.sleep(0.2)
        before_records = len(daemon.broadcasts())
        # Let the server see that request's connection close before counting.
        time.sleep(1)
        a = threads(daemon.proc.pid)
        time.sleep(seconds)
        b = threads(daemon.proc.pid)
        status = open(f"/proc/{daemon.proc.pid}/status").read()
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
        events = len(daemon.broadcasts()) - before_records
        per_thread = {}
        for tid, (name, n) in b.items():
            delta = n - a.get(tid, (name, 0))[1]
            if delta:
                per_thread[f"{name}({tid})"] = delta
        total = sum(per_thread.values())
        print(json.dumps({"seconds": seconds, "wakeups_per_minute": total * 60 / seconds, "per_thread": per_thread,
                          "threads": len(b), "rss_kib": rss, "peak_rss_kib": hwm, "broadcasts_in_window": events}))
    finally:
        daemon.stop()
        shutil.rmtree(work, ignore_errors=True)


def tones(directory, seconds=0.3):
    for message, language, freq in [("notice", "naxi", 300), ("notice", "mandarin", 900), ("alarm", "mandarin", 1200)]:
        os.makedirs(os.path.join(directory, message), exist_ok=True)
        subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", os.path.join(directory, message, language + ".wav"),
                        "synth", str(seconds), "sine", str(freq), "vol", "0.5"], check=True)


def small_config(path, audio, device, schedule="2099-01-01"):
    open(path, "w").write(f"""timezone: UTC
audio_dir: {audio}
defaults:
  gap: 100ms
  loudness_lufs: -16
outputs:
  - {{id: square, device: {device}, zone: town}}
zones:
  - id: town
    languages: [naxi, mandarin]
    schedule:
      - {{message: notice, at: "{schedule}", max_delay: 30s}}
""")


def trigger(bin_dir, count):
    work = tempfile.mkdtemp(prefix="laba-trigger-")
    tones(os.path.join(work, "audio"), seconds=0.05)
    config = os.path.join(work, "laba.yaml")
    small_config(config, os.path.join(work, "audio"), "laba_bench")
    open(os.path.join(work, "asound.conf"), "w").write(
        'pcm.laba_bench { type plug slave { pcm { type file slave.pcm "null" file "/dev/null" format "raw" } format S16_LE } }\n')
    daemon = Daemon(bin_dir, config, {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + os.path.join(work, "asound.conf")})
    try:
        invoked = {}
        for _ in range(count):
            t0 = time.time()
            out = daemon.laba("play", "notice", "--zone", "town", "--force")
            invoked[out.split()[0]] = t0
            # One at a time: the next waits for this one's record to be done.
            daemon.wait_records(lambda rs: all(r["state"] == "done" for r in rs))
        records = {r["id"]: r for r in daemon.broadcasts()}
        latencies = [(parse_time(records[i]["started_at"]) - t) * 1000 for i, t in invoked.items()]
        accepted = [(parse_time(records[i]["planned_at"]) - t) * 1000 for i, t in invoked.items()]
        print(json.dumps({"n": len(latencies), "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
                          "max_ms": max(latencies), "accepted_p50_ms": percentile(accepted, 50)}))
    finally:
        daemon.stop()
        shutil.rmtree(work, ignore_errors=True)


class Pulse:
    """A PulseAudio server with a null sink, on a socket of its own."""

    def __init__(self, directory, extra_sinks=()):
        self.socket = os.path.join(directory, "pulse.sock")
        env = dict(os.environ, HOME=directory, XDG_RUNTIME_DIR=directory)
        sinks = []
        for name in extra_sinks:
            sinks += ["-L", f"module-null-sink sink_name={name} rate=48000"]
        self.proc = subprocess.Popen(["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit",
                                      "-L", "module-null-sink sink_name=bench rate=48000", *sinks,
                                      "-L", f"module-native-protocol-unix socket={self.socket} auth-anonymous=1"]
                                     + (["--system=false"] if os.getuid() != 0 else []),
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not os.path.exists(self.socket):
            if time.time() > deadline or self.proc.poll() is not None:
                raise SystemExit("PulseAudio did not start")
            time.sleep(0.02)
        self.env = {"PULSE_SERVER": "unix:" + self.socket}

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def paced_conf(path, pulse):
    open(path, "w").write(
        f'pcm.laba_bench {{ type plug slave {{ pcm {{ type pulse server "unix:{pulse.socket}" }} format S16_LE }} }}\n')


def preempt(bin_dir, count):
    work = tempfile.mkdtemp(prefix="laba-preempt-")
    tones(os.path.join(work, "audio"), seconds=0.4)
    config = os.path.join(work, "laba.yaml")
    small_config(config, os.path.join(work, "audio"), "laba_bench")
    pulse = Pulse(work)
    paced_conf(os.path.join(work, "asound.conf"), pulse)
    daemon = Daemon(bin_dir, config, {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + os.path.join(work, "asound.conf"),
                                      **pulse.env})
    try:
        latencies = []
        daemon.laba("play", "notice", "--zone", "town", "--loop", "--force")
        for _ in range(count):
            # The looping manual broadcast plays; an emergency cuts in.
            daemon.wait_records(lambda rs: any(r["state"] == "playing" and r["source"] == "manual" for r in rs))
            time.sleep(0.3)
            out = daemon.laba("play", "alarm", "--zone", "town", "--priority", "emergency")
            eid = out.split()[0]
            rs = daemon.wait_records(lambda rs: any(r["id"] == eid and r["state"] == "done" for r in rs))
            r = next(r for r in rs if r["id"] == eid)
            latencies.append((parse_time(r["started_at"]) - parse_time(r["planned_at"])) * 1000)
            if os.environ.get("LABA_BENCH_VERBOSE"):
                print(f"{latencies[-1]:.0f} ms", file=sys.stderr)
        daemon.laba("stop", "--zone", "town", "--clear")
        print(json.dumps({"n": len(latencies), "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
                          "max_ms": max(latencies)}))
    finally:
        daemon.stop()
        pulse.stop()
        shutil.rmtree(work, ignore_errors=True)


def scheduled(bin_dir, count):
    """Occurrences every 2 s (a program and the sound server's drain take about 1.3 s); each start error from the records, and from the sound itself: parec
    records the null sink's monitor and the onset of each tone is timed on the wall clock."""
    work = tempfile.mkdtemp(prefix="laba-sched-")
    tones(os.path.join(work, "audio"), seconds=0.2)
    config = os.path.join(work, "laba.yaml")
    small_config(config, os.path.join(work, "audio"), "laba_bench", schedule="*:*:0/2")
    pulse = Pulse(work)
    paced_conf(os.path.join(work, "asound.conf"), pulse)
    env = dict(os.environ, **pulse.env)
    # The monitor's samples, timestamped as they arrive (10 ms fragments).
    rec = subprocess.Popen(["parec", "-d", "bench.monitor", "--format=s16le", "--rate=48000", "--channels=1",
                            "--latency-msec=5", "--process-time-msec=5"], env=env, stdout=subprocess.PIPE)
    onsets = []

    def listen():
        previous_loud = 0.0
        while True:
            chunk = rec.stdout.read1(4096) if hasattr(rec.stdout, "read1") else rec.stdout.read(960)
            now = time.time()
            if not chunk:
                return
            samples = memoryview(chunk).cast("h") if len(chunk) % 2 == 0 else memoryview(chunk[:-1]).cast("h")
            n = len(samples)
            for i in range(n):
                if abs(samples[i]) > 300:
                    at = now - (n - i) / 48000
                    if at - previous_loud > 0.5:
                        onsets.append(at)
                    previous_loud = at
                    # The rest of this chunk belongs to the same tone.
                    previous_loud = now
                    break

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    daemon = Daemon(bin_dir, config, {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + os.path.join(work, "asound.conf"),
                                      **pulse.env})
    try:
        rs = daemon.wait_records(lambda rs: sum(1 for r in rs if r["source"] == "schedule" and r["state"] == "done") >= count + 1,
                                 timeout=count * 2 + 30)
        done = sorted((r for r in rs if r["source"] == "schedule" and r["state"] == "done"), key=lambda r: r["planned_at"])[1:count + 1]
        errors = [(parse_time(r["started_at"]) - parse_time(r["planned_at"])) * 1000 for r in done if r["started_at"]]
        outside = []
        for r in done:
            planned = parse_time(r["planned_at"])
            near = [o for o in onsets if -0.3 < o - planned < 0.5]
            if near:
                outside.append((near[0] - planned) * 1000)
        outcomes = {}
        for r in done:
            outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
        print(json.dumps({"n": len(errors), "p50_ms": percentile(errors, 50), "p99_ms": percentile(errors, 99),
                          "max_ms": max(errors), "outcomes": outcomes,
                          "heard_n": len(outside), "heard_p50_ms": percentile(outside, 50),
                          "heard_p99_ms": percentile(outside, 99)}))
    finally:
        daemon.stop()
        rec.terminate()
        pulse.stop()
        shutil.rmtree(work, ignore_errors=True)


class Onsets:
    """The wall-clock onsets of sounds on a PulseAudio source, read by parec in 5 ms fragments."""

    def __init__(self, source, env, threshold=300, gap=0.3):
        self.onsets = []
        self.proc = subprocess.Popen(["parec", "-d", source, "--format=s16le", "--rate=48000", "--channels=1",
                                      "--latency-msec=5", "--process-time-msec=5"], env=env, stdout=subprocess.PIPE)
        self.threshold, self.gap = threshold, gap
        threading.Thread(target=self._listen, daemon=True).start()

    def _listen(self):
        previous_loud = 0.0
        while True:
            chunk = self.proc.stdout.read1(4096)
            now = time.time()
            if not chunk:
                return
            samples = memoryview(chunk[:len(chunk) - len(chunk) % 2]).cast("h")
            n = len(samples)
            for i in range(n):
                if abs(samples[i]) > self.threshold:
                    at = now - (n - i) / 48000
                    if at - previous_loud > self.gap:
                        self.onsets.append(at)
                    previous_loud = now
                    break

    def stop(self):
        self.proc.terminate()


def mouth_and_horn(work, pulse):
    """The live rig on `pulse`: labad's `laba_mic` is the `mouth` sink's monitor, `laba_bench` plays
    into the `bench` sink; a listener on each. Returns (the sound server's environment, mouth, horn)."""
    open(os.path.join(work, "asound.conf"), "w").write(
        f'pcm.laba_bench {{ type plug slave {{ pcm {{ type pulse server "unix:{pulse.socket}" device "bench" }} format S16_LE }} }}\n'
        f'pcm.laba_mic {{ type plug slave {{ pcm {{ type pulse server "unix:{pulse.socket}" device "mouth.monitor" }} '
        f'format S16_LE rate 48000 channels 1 }} }}\n')
    env = dict(os.environ, **pulse.env)
    return env, Onsets("mouth.monitor", env), Onsets("bench.monitor", env)


def say_clicks(player, count):
    """`count` clicks (30 ms of 1 kHz) 0.8 s apart into `player` (a pacat on the mouth sink)."""
    import math
    click = b"".join(int(12000 * math.sin(2 * math.pi * 1000 * i / 48000)).to_bytes(2, "little", signed=True)
                     for i in range(1440))
    silence = bytes(2 * (38400 - 1440))
    for _ in range(count):
        player.stdin.write(click + silence)
        player.stdin.flush()
    player.stdin.close()


def click_latencies(mouth, horn):
    """Milliseconds from each click's onset at the mouth to the next onset at the horn; clicks are
    0.8 s apart, so one heard 0.7 s later or more counts as not heard."""
    latencies = []
    for m in mouth.onsets:
        near = [h for h in horn.onsets if 0 <= h - m < 0.7]
        if near:
            latencies.append((near[0] - m) * 1000)
    return latencies


def live(bin_dir, count):
    """Mouth -> horn: clicks (30 ms of 1 kHz every 0.8 s) are played into the `mouth` sink, whose
    monitor is labad's live input; each click's onset on `mouth.monitor` and on the output's sink
    (`bench.monitor`) is timed by two parec listeners alike. The talk (an emergency) cuts a looping
    manual broadcast; after Ctrl-C on `laba live`, the first sound on the output is that broadcast
    resuming: the time from Ctrl-C to it is the resume figure."""
    work = tempfile.mkdtemp(prefix="laba-live-")
    tones(os.path.join(work, "audio"))
    config = os.path.join(work, "laba.yaml")
    small_config(config, os.path.join(work, "audio"), "laba_bench")
    open(config, "a").write("live: {input: laba_mic, silence: 5min}\n")
    pulse = Pulse(work, extra_sinks=["mouth"])
    env, mouth, horn = mouth_and_horn(work, pulse)
    daemon = Daemon(bin_dir, config, {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + os.path.join(work, "asound.conf"),
                                      **pulse.env})
    daemon.laba("play", "notice", "--zone", "town", "--loop", "--force")
    daemon.wait_records(lambda rs: any(r["source"] == "manual" and r["started_at"] for r in rs))
    talk = subprocess.Popen([os.path.join(bin_dir, "laba"), "live", "--zone", "town", "--priority", "emergency"], env=daemon.env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    player = subprocess.Popen(["pacat", "-d", "mouth", "--format=s16le", "--rate=48000", "--channels=1", "--latency-msec=5"],
                              env=env, stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        daemon.wait_records(lambda rs: any(r["source"] == "live" and r["started_at"] for r in rs))
        time.sleep(1)  # the capture's own start (the sound server's) is not what is measured
        say_clicks(player, count)
        time.sleep(count * 0.8 + 1.5)
        interrupted = time.time()
        talk.send_signal(signal.SIGINT)
        summary = talk.communicate(timeout=20)[0]
        time.sleep(2)
        resumed = [h for h in horn.onsets if h > interrupted]
        latencies = click_latencies(mouth, horn)
        print(json.dumps({"clicks": count, "heard": len(latencies), "p50_ms": percentile(latencies, 50),
                          "p99_ms": percentile(latencies, 99), "max_ms": max(latencies) if latencies else None,
                          "resume_ms": (resumed[0] - interrupted) * 1000 if resumed else None,
                          "laba_live": summary.strip().splitlines()[-2:]}, ensure_ascii=False))
    finally:
        player.kill()
        talk.kill()
        daemon.stop()
        mouth.stop()
        horn.stop()
        pulse.stop()
        shutil.rmtree(work, ignore_errors=True)


def fleet_live(bin_dir, count):
    """Mouth -> horn through the fleet: as `live`, but the microphone is on the commander (`office`,
    whose own output serves another zone) and the horn on a unit (`van`); the talk goes through a
    real Icecast 2 (Ogg Opus by libopusenc and libshout, read by libopusfile) over TLS checked
    against a CA of the bench's own (fleet.stream.ca), after a signed command through a real
    mosquitto."""
    work = tempfile.mkdtemp(prefix="laba-fleet-live-")
    os.chmod(work, 0o755)
    tones(os.path.join(work, "audio"))
    subprocess.run([os.path.join(bin_dir, "laba"), "fleet", "keygen", os.path.join(work, "county")], check=True,
                   capture_output=True)
    broker_port, icecast_port = free_port(), free_port()
    open(os.path.join(work, "mosquitto.conf"), "w").write(
        f"listener {broker_port} 127.0.0.1\nallow_anonymous true\nuser {os.environ.get('USER', 'root')}\n")
    broker = subprocess.Popen(["mosquitto", "-c", os.path.join(work, "mosquitto.conf")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    owner = "<changeowner><user>nobody</user><group>nogroup</group></changeowner>" if os.getuid() == 0 else ""
    certs = os.path.join(work, "certs")
    subprocess.run([os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Scripts", "fleet-test-ca.sh"),
                    certs, "localhost,127.0.0.1"], check=True, capture_output=True)
    os.chmod(certs, 0o755)
    pem = os.path.join(work, "icecast.pem")
    open(pem, "w").write(open(os.path.join(certs, "broker.crt")).read() + open(os.path.join(certs, "broker.key")).read())
    os.chmod(pem, 0o644)
    open(os.path.join(work, "icecast.xml"), "w").write(f"""<icecast>
  <limits><sources>4</sources><burst-on-connect>0</burst-on-connect><burst-size>0</burst-size></limits>
  <authentication><source-password>bench-source</source-password><admin-password>bench-admin</admin-password></authentication>
  <listen-socket><port>{icecast_port}</port><bind-address>127.0.0.1</bind-address><ssl>1</ssl></listen-socket>
  <mount type="default"><hidden>1</hidden></mount>
  <paths><basedir>{work}</basedir><logdir>{work}</logdir><webroot>/usr/share/icecast2/web</webroot>
    <adminroot>/usr/share/icecast2/admin</adminroot><ssl-certificate>{pem}</ssl-certificate></paths>
  <logging><accesslog>-</accesslog><errorlog>-</errorlog><loglevel>2</loglevel></logging>
  <security><chroot>0</chroot>{owner}</security>
</icecast>
""")
    icecast = subprocess.Popen(["icecast2", "-c", os.path.join(work, "icecast.xml")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    open(os.path.join(work, "icecast-source"), "w").write("bench-source\n")
    for port in (broker_port, icecast_port):
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit(f"port {port}: mosquitto or icecast2 did not start")
                time.sleep(0.05)

    def config(name, unit, output_zone, device, extra):
        path = os.path.join(work, name + ".yaml")
        open(path, "w").write(f"""timezone: UTC
audio_dir: {os.path.join(work, "audio")}
defaults: {{gap: 100ms, loudness_lufs: -16}}
outputs:
  - {{id: square, device: "{device}", zone: {output_zone}}}
zones:
  - {{id: county, languages: [naxi, mandarin]}}
  - {{id: town, parent: county}}
  - {{id: office, parent: county}}
fleet:
  name: bench
  broker: "mqtt://127.0.0.1:{broker_port}"
  unit: {unit}
  trust:
    - {{key: {work}/county.pub, zones: [county]}}
{extra}""")
        return path

    office_config = config("office", "office", "office", "null",
                           f"  sign_key: {work}/county.key\n  command_zones: [county]\n"
                           f"  stream: {{server: \"https://localhost:{icecast_port}\", listen: \"https://127.0.0.1:{icecast_port}\", "
                           f"password_file: {work}/icecast-source, ca: {certs}/ca.crt}}\n"
                           "live: {input: laba_mic, silence: 5min}\n")
    van_config = config("van", "van", "town", "laba_bench", f"  stream: {{ca: {certs}/ca.crt}}\n")
    pulse = Pulse(work, extra_sinks=["mouth"])
    env, mouth, horn = mouth_and_horn(work, pulse)
    alsa = {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + os.path.join(work, "asound.conf"), **pulse.env}
    van = Daemon(bin_dir, van_config, alsa)
    office = Daemon(bin_dir, office_config, alsa)
    talk = player = None
    try:
        deadline = time.time() + 30
        while not any(u.get("unit") == "van" and u.get("state") == "online"
                      for u in json.loads(office.laba("fleet", "--json")).get("units", [])):
            if time.time() > deadline:
                raise SystemExit("the commander did not see the unit online")
            time.sleep(0.1)
        asked = time.time()
        talk = subprocess.Popen([os.path.join(bin_dir, "laba"), "live", "--zone", "town"], env=office.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        records = van.wait_records(lambda rs: any(r["source"] == "live" and r["started_at"] for r in rs))
        on_air = min(parse_time(r["started_at"]) for r in records if r["source"] == "live") - asked
        player = subprocess.Popen(["pacat", "-d", "mouth", "--format=s16le", "--rate=48000", "--channels=1", "--latency-msec=5"],
                                  env=env, stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
        time.sleep(2)  # the capture's own start (the sound server's) is not what is measured
        say_clicks(player, count)
        time.sleep(count * 0.8 + 2)
        talk.send_signal(signal.SIGINT)
        summary = talk.communicate(timeout=20)[0]
        latencies = click_latencies(mouth, horn)
        ended = van.wait_records(lambda rs: any(r["source"] == "live" and r["state"] == "done" for r in rs), timeout=20)
        print(json.dumps({"clicks": count, "heard": len(latencies), "p50_ms": percentile(latencies, 50),
                          "p99_ms": percentile(latencies, 99), "max_ms": max(latencies) if latencies else None,
                          "laba_live_to_unit_on_air_ms": on_air * 1000,
                          "unit_reason": next(r.get("reason") for r in ended if r["source"] == "live"),
                          "laba_live": summary.strip().splitlines()[-2:]}, ensure_ascii=False))
    finally:
        for p in (player, talk):
            if p:
                p.kill()
        office.stop()
        van.stop()
        mouth.stop()
        horn.stop()
        pulse.stop()
        icecast.kill()
        broker.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    mode, bin_dir, n = sys.argv[1], sys.argv[2], sys.argv[3]
    {"idle": lambda: idle(bin_dir, float(n)), "idle-console": lambda: idle(bin_dir, float(n), console=True),
     "idle-metrics": lambda: idle(bin_dir, float(n), metrics=True),
     "trigger": lambda: trigger(bin_dir, int(n)),
     "preempt": lambda: preempt(bin_dir, int(n)), "scheduled": lambda: scheduled(bin_dir, int(n)),
     "live": lambda: live(bin_dir, int(n)), "fleet-live": lambda: fleet_live(bin_dir, int(n))}[mode]()
