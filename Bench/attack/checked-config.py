#!/usr/bin/env python3
"""Issue 24, finding 6: a configuration that passes `laba check` must start.

    python3 Bench/attack/checked-config.py BIN_DIR

For each configuration of the finding (a fleet.password_file, fleet.sign_key,
fleet.stream.password_file or fleet.tls file that is not there), the attack wins if `laba check`
accepts it, or if it does not name the file at FILE:LINE:COL; and, with the file in place, if the
configuration `laba check` accepts does not let `labad` start (ready within 60 s; no broker is
needed to start). Run as root with a user `nobody`, a secret key only root may read must be
refused for labad's user too. Exits 0 only when every attack failed.
"""

import os
import pwd
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def config(folder, fleet, broker="mqtt://127.0.0.1:1883"):
    path = os.path.join(folder, "laba.yaml")
    with open(path, "w") as f:
        f.write(
            "audio_dir: audio\n"
            "outputs: [{id: square, device: laba_square, zone: town}]\n"
            "zones: [{id: town, languages: [mandarin]}]\n"
            "fleet:\n"
            "  name: attack\n"
            f'  broker: "{broker}"\n'
            "  unit: town-1\n" + fleet)
    return path


# (the file's key, the fleet lines, broker, the file named, how to make it)
CASES = [
    ("fleet.password_file", "  username: town-1\n  password_file: fleet.password\n", None, "fleet.password", "text"),
    ("fleet.sign_key", "  sign_key: keys/county.key\n  command_zones: [town]\n", None, "keys/county.key", "key"),
    ("fleet.stream.password_file",
     "  stream: {server: \"http://127.0.0.1:8000\", password_file: icecast.source}\n"
     "  sign_key: keys/county.key\n  command_zones: [town]\n", None, "icecast.source", "text+key"),
    ("fleet.tls.ca", "  tls: {ca: certs/ca.crt}\n", "mqtts://127.0.0.1:8883", "certs/ca.crt", "ca"),
]


def run(binary, args, env, timeout=60):
    return subprocess.run([binary] + args, env=env, capture_output=True, text=True, timeout=timeout)


def starts(bin_dir, folder, path, env):
    """Whether labad on `path` says it is ready within 60 s; stopped afterwards."""
    process = subprocess.Popen([os.path.join(bin_dir, "labad"), "--config", path, "--state-dir", folder + "/state",
                                "--socket", folder + "/laba.sock"], env=env, stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL)
    log = b""
    deadline = time.monotonic() + 60
    ready = False
    while time.monotonic() < deadline:
        left = deadline - time.monotonic()
        readable, _, _ = select.select([process.stderr], [], [], left)
        if not readable:
            break
        chunk = os.read(process.stderr.fileno(), 4096)
        if not chunk:
            break
        log += chunk
        if b" ready" in log:
            ready = True
            break
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if not ready:
        print(f"  labad did not start (exit {process.returncode}):\n{log.decode(errors='replace')[-2000:]}")
    return ready


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 64
    bin_dir = os.path.abspath(sys.argv[1])
    laba = os.path.join(bin_dir, "laba")
    env = dict(os.environ, LANG="C.UTF-8",
               ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:" + os.path.join(REPO, "Config/alsa-capture.conf"))
    for name in ("LC_ALL", "LC_MESSAGES", "NOTIFY_SOCKET", "WATCHDOG_USEC"):
        env.pop(name, None)
    won = []
    for key, fleet, broker, named, make in CASES:
        folder = tempfile.mkdtemp(prefix="laba-attack-config-")
        try:
            os.makedirs(os.path.join(folder, "audio"))
            os.makedirs(os.path.join(folder, "keys"))
            os.makedirs(os.path.join(folder, "certs"))
            env["LABA_CAPTURE_DIR"] = folder
            path = config(folder, fleet, broker or "mqtt://127.0.0.1:1883")
            if make == "text+key":
                run(laba, ["fleet", "keygen", os.path.join(folder, "keys/county")], env)
            check = run(laba, ["check", "--config", path], env)
            where = re.escape(path) + r":\d+:\d+: error: " + re.escape(key) + ": " + re.escape(os.path.join(folder, named))
            if check.returncode != 1 or not re.search(where, check.stdout):
                won.append(f"{key}: laba check accepted a missing {named} (exit {check.returncode})\n{check.stdout}")
                continue
            # The file in place: accepted, and labad starts on it.
            target = os.path.join(folder, named)
            if make.startswith("text"):
                with open(target, "w") as f:
                    f.write("secret\n")
            elif make == "key":
                run(laba, ["fleet", "keygen", os.path.join(folder, "keys/county")], env)
            elif make == "ca":
                subprocess.run([os.path.join(REPO, "Scripts/fleet-test-ca.sh"), os.path.join(folder, "certs"), "localhost"],
                               check=True, capture_output=True)
            check = run(laba, ["check", "--config", path], env)
            if check.returncode != 0:
                won.append(f"{key}: the fixed configuration is refused\n{check.stdout}")
                continue
            if not starts(bin_dir, folder, path, env):
                won.append(f"{key}: laba check accepted the configuration and labad did not start")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    # Run as root, the key must be readable by labad's user, not just by root.
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("nobody")
            folder = tempfile.mkdtemp(prefix="laba-attack-config-")
            os.chmod(folder, 0o755)
            try:
                os.makedirs(os.path.join(folder, "audio"))
                os.makedirs(os.path.join(folder, "keys"), mode=0o755)
                path = config(folder, "  sign_key: keys/county.key\n  command_zones: [town]\n")
                run(laba, ["fleet", "keygen", os.path.join(folder, "keys/county")], env)
                check = run(laba, ["check", "--config", path, "--daemon-user", "nobody"], env)
                if check.returncode != 1 or "labad's user nobody cannot read" not in check.stdout:
                    won.append(f"a secret key only root can read passed laba check for user nobody\n{check.stdout}")
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        except KeyError:
            pass

    for line in won:
        print("attack won: " + line)
    print(f"checked-config: {len(CASES)} configurations refused by laba check, each starting once fixed"
          if not won else f"checked-config: {len(won)} attacks won")
    return 1 if won else 0


if __name__ == "__main__":
    sys.exit(main())
