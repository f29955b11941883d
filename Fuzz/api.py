#!/usr/bin/env python3
"""api.py BIN_DIR [SECONDS] [SEED]: throws malformed requests at a real labad's control socket —
random bytes, oversize headers, bad JSON, wrong types, huge numbers, path traversal in ids, bodies
cut short — and checks that every answer is a 4xx (never a 5xx), that the daemon stays up, and
that nothing was queued by a request it refused."""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

bin_dir = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60
seed = int(sys.argv[3]) if len(sys.argv) > 3 else random.randrange(1 << 30)
rng = random.Random(seed)
work = tempfile.mkdtemp(prefix="laba-apifuzz-")
sock_path = os.path.join(work, "laba.sock")
os.makedirs(os.path.join(work, "audio", "notice"))
subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", os.path.join(work, "audio", "notice", "naxi.wav"),
                "synth", "0.05", "sine", "300"], check=True)
open(os.path.join(work, "laba.yaml"), "w").write(f"""timezone: UTC
audio_dir: {work}/audio
outputs:
  - {{id: square, device: "null", zone: town}}
zones:
  - id: town
    languages: [naxi]
""")
env = dict(os.environ, LABA_SOCKET=sock_path, LABA_STATE_DIR=os.path.join(work, "state"))
for key in ("NOTIFY_SOCKET", "WATCHDOG_USEC"):
    env.pop(key, None)
daemon = subprocess.Popen([os.path.join(bin_dir, "labad"), "--config", os.path.join(work, "laba.yaml"), "--log-level", "error"],
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
deadline = time.time() + 20
while not os.path.exists(sock_path):
    if time.time() > deadline or daemon.poll() is not None:
        sys.exit("labad did not start: " + daemon.stderr.read().decode())
    time.sleep(0.02)


def exchange(raw, timeout=5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    try:
        s.sendall(raw)
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (BrokenPipeError, ConnectionResetError):
        data = b""
    finally:
        s.close()
    return data


def request(method, path, body=b"", headers=None):
    head = f"{method} {path} HTTP/1.1\r\nHost: laba\r\nConnection: close\r\n"
    for k, v in (headers or {}).items():
        head += f"{k}: {v}\r\n"
    if body is not None and "Transfer-Encoding" not in (headers or {}):
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode("latin-1", "replace") + b"\r\n" + (body or b"")


def status_of(reply):
    if not reply.startswith(b"HTTP/1.1 "):
        return None
    return int(reply[9:12])


huge = ["1e400", "99999999999999999999999", "-1", "0", "NaN", "null", "true", "[]", "{}", '"x"' * 3, "1.5"]
words = ["town", "square", "notice", "../../etc/passwd", "%2e%2e%2f", "\u0000", "村" * 50, "", "a" * 5000]


def random_json():
    fields = {}
    for key in rng.sample(["message", "zones", "languages", "priority", "repeat", "loop", "force", "within", "clear", "zone"],
                          rng.randint(0, 6)):
        kind = rng.randrange(5)
        if kind == 0:
            fields[key] = rng.choice(words)
        elif kind == 1:
            fields[key] = [rng.choice(words) for _ in range(rng.randint(0, 4))]
        elif kind == 2:
            fields[key] = rng.choice([0, -1, 10 ** 30, 1.5, True, None])
        elif kind == 3:
            fields[key] = {"nested": rng.choice(words)}
        else:
            fields[key] = "x" * rng.randint(0, 100)
    text = json.dumps(fields)
    if rng.random() < 0.2:
        text = text.replace(rng.choice(["0", "1", "true"]), rng.choice(huge), 1)
    if rng.random() < 0.2:
        text = text[: rng.randint(0, len(text))]
    return text.encode()


paths = ["/v1/broadcasts", "/v1/broadcasts/audio", "/v1/stop", "/v1/reload", "/v1/outputs/square/zone", "/v1/status",
         "/v1/schedule", "/v1/report", "/v1/outputs", "/v1/broadcasts/../../etc/passwd", "/v1/broadcasts/%00",
         "/v1/broadcasts/" + "a" * 3000, "/v2/status", "/", "*", "/v1/broadcasts?limit=99999999999999999999",
         "/v1/report?by=" + "x" * 100, "/v1/schedule?count=-5&from=garbage",
         "/v1/broadcasts?since=@13977163966666666666666", "/v1/report?since=@-1e300&until=9999-99-99", "/v1/broadcasts/audio?zones=town&repeat=1e9",
         "/v1/live", "/v1/alerts", "/v1/schedule/entries", "/v1/schedule/entries/x%00?dry_run=1", "/v1/schedule/log?since=garbage"]


def case():
    kind = rng.randrange(8)
    if kind == 0:
        return "random bytes", bytes(rng.randrange(256) for _ in range(rng.randint(1, 4096)))
    if kind == 1:
        return "oversize header", request("GET", "/v1/status", headers={"X-Big": "h" * rng.choice([9000, 70000, 200000])})
    if kind == 2:
        return "many headers", request("GET", "/v1/status", headers={f"X-{i}": "v" for i in range(rng.choice([100, 2000]))})
    if kind == 3:
        method = rng.choice(["POST", "PUT", "DELETE", "GET", "PATCH", "BREW"])
        return "json", request(method, rng.choice(paths), random_json(), {"Content-Type": "application/json"})
    if kind == 4:
        body = random_json()
        return "short body", request("POST", "/v1/broadcasts", None, {"Content-Length": str(len(body) + 100)}) + body
    if kind == 5:
        return "audio garbage", request("POST", "/v1/broadcasts/audio?zones=town",
                                        bytes(rng.randrange(256) for _ in range(rng.randint(0, 20000))))
    if kind == 6:
        line = rng.choice(["GET", "POST", "X" * 5000]) + " " + rng.choice(paths + ["/" + "b" * 70000]) + " " + \
            rng.choice(["HTTP/1.1", "HTTP/9.9", "", "HTTP/1.1 extra"])
        return "bad request line", line.encode() + b"\r\n\r\n"
    return "chunked nonsense", request("POST", "/v1/broadcasts", None, {"Transfer-Encoding": "chunked"}) + \
        rng.choice([b"zz\r\n", b"ffffffffffffffff\r\n", b"5\r\nab", b"0\r\n\r\n"])


counts, failures, start = {}, [], time.time()
try:
    while time.time() - start < seconds:
        name, raw = case()
        try:
            reply = exchange(raw)
        except socket.timeout:
            reply = b""
        code = status_of(reply)
        counts[code] = counts.get(code, 0) + 1
        if code is not None and code >= 500:
            failures.append(f"{name}: {reply[:300]!r}")
        if daemon.poll() is not None:
            failures.append(f"labad exited ({daemon.returncode}) after {name}: {raw[:200]!r}")
            break
    alive = status_of(exchange(request("GET", "/v1/status")))
    if alive != 200:
        failures.append(f"GET /v1/status answered {alive} at the end")
    history = exchange(request("GET", "/v1/broadcasts?limit=10000"))
    queued = json.loads(history.split(b"\r\n\r\n", 1)[1] or b"{}").get("broadcasts", [])
finally:
    daemon.send_signal(signal.SIGTERM)
    try:
        daemon.wait(5)
    except subprocess.TimeoutExpired:
        daemon.kill()
    shutil.rmtree(work, ignore_errors=True)

total = sum(counts.values())
summary = ", ".join(f"{k if k is not None else 'closed'}: {v}" for k, v in sorted(counts.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))
print(f"API fuzz (seed {seed}): {total} requests in {seconds:.0f} s — {summary}; {len(queued)} broadcasts accepted by valid requests")
if failures:
    print("FAILURES:\n" + "\n".join(failures[:20]))
    sys.exit(1)
