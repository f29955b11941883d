#!/usr/bin/env python3
"""Attack, issue 24 findings 2 and 3, against the real labad's console. Passes only when the
attacks fail.

    logins-and-logs.py BIN_DIR

  2. 300 wrong passwords for the township head's account, sent at once from one address, then the
     right one: beyond 32 connections the address is closed at the door, one password at a time is
     checked per account and address (the rest are told to wait, nothing counted), guesses one after another lock the account for that address at the twentieth, the
     right password from that address is then refused, and the head still signs in from another
     address (127.0.0.2).
  3. A login name carrying a newline and a journal priority (`x\\n<0>labad: EMERGENCY ...`): under
     journald (JOURNAL_STREAM set) each entry is one line starting `<N>`; the forged one must stay
     inside its own line, escaped.
"""
import http.client
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("zones_attack", os.path.join(HERE, "operator-zones.py"))
kit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(kit)

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug")
failures = []


def check(ok, what):
    print(("ok - " if ok else "FAILED - ") + what, flush=True)
    if not ok:
        failures.append(what)


def login(port, name, password, source="127.0.0.1"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120, source_address=(source, 0))
    conn.request("POST", "/login", body=urllib.parse.urlencode({"name": name, "password": password}),
                 headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"})
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, response.getheader("Set-Cookie") or "", body


def main():
    for tool in ("labad", "laba"):
        if not os.path.exists(os.path.join(BIN, tool)):
            print(f"skipped: no {tool} in {BIN}")
            return 77
    work = tempfile.mkdtemp(prefix="laba-attack-logins-")
    kit.write_tone(os.path.join(work, "audio", "notice", "mandarin.wav"))
    port = kit.free_port()
    open(os.path.join(work, "laba.yaml"), "w").write(f"""timezone: UTC
audio_dir: {work}/audio
outputs:
  - {{id: square, device: "null", zone: town}}
zones:
  - {{id: town, languages: [mandarin]}}
console: {{listen: "127.0.0.1:{port}", language: en}}
""")
    daemon = kit.Daemon(BIN, work, port)
    # labad writes for journald: every entry a line of its own starting with <N>.
    daemon.env["JOURNAL_STREAM"] = "8:12345"
    os.makedirs(os.path.join(work, "state"), exist_ok=True)
    added = daemon.laba("user", "add", "head", "--role", "operator", "--password-stdin", stdin="right-password\n")
    check(added.returncode == 0, f"account head added ({added.stderr.strip()})")
    daemon.start()
    try:
        if not daemon.wait_for_log("console listening"):
            print("labad did not start:\n" + daemon.log.decode("utf-8", "replace"))
            return 1

        # --- 2: 300 at once, then the right one -------------------------------------------------
        answers = []
        lock = threading.Lock()

        def guess(i):
            try:
                status, cookie, _ = login(port, "head", f"wrong-{i}")
            except (ConnectionError, http.client.RemoteDisconnected):
                # Beyond 32 connections from one address the console closes at once (SPEC 17).
                status, cookie = 0, ""
            with lock:
                answers.append((status, bool(cookie)))

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(300)]
        for t in threads:
            t.start()
        try:
            right_during = login(port, "head", "right-password")
        except (ConnectionError, http.client.RemoteDisconnected):
            right_during = (0, "", "")
        for t in threads:
            t.join()
        checked = sum(1 for status, _ in answers if status == 401)
        waited = sum(1 for status, _ in answers if status == 429)
        closed = sum(1 for status, _ in answers if status == 0)
        print(f"of 300 at once: {checked} checked (wrong), {waited} told to wait, {closed} closed at the door (32 per address); "
              f"the right one during them: {right_during[0]}")
        check(not any(cookie for _, cookie in answers), "no wrong password got a session")
        check(checked + waited + closed == 300, "each of the 300 was answered: checked, told to wait, or closed at the door")
        check(checked <= 20, f"the burst could not be checked all at once ({checked} checked)")
        # One after another, the guesses lock the account for this address at the twentieth.
        locked_at = None
        for i in range(40):
            status, cookie, body = login(port, "head", f"again-{i}")
            check(not cookie, f"guess {i} got no session")
            if status == 429 and "wait a moment" not in body:
                locked_at = i
                break
        check(locked_at is not None, f"sequential guesses lock the account (after {locked_at} more)")
        status, cookie, _ = login(port, "head", "right-password")
        check(status == 429 and not cookie, f"the right password from the guessing address is refused while locked ({status})")
        status, cookie, _ = login(port, "head", "right-password", source="127.0.0.2")
        check(status in (302, 303) and "laba_session=" in cookie, f"the head still signs in from another address ({status})")

        # --- 3: a forged journal line -----------------------------------------------------------
        forged = "x\n<0>labad: EMERGENCY broadcast failed on every output"
        login(port, forged, "nothing")
        daemon.stop()
        daemon.wait_for_log("labad stopped")
        lines = daemon.log.decode("utf-8", "replace").splitlines()
        check(all(re.match(r"^<\d>", line) for line in lines if line), "every journal line starts with its own priority")
        check(not any(line.startswith("<0>labad: EMERGENCY") for line in lines), "the forged entry is not an entry")
        check(any("EMERGENCY broadcast failed" in line and not line.startswith("<0>labad: EMERGENCY") for line in lines) or
              not any("EMERGENCY" in line for line in lines), "the login name stays inside its own line, escaped")
    finally:
        daemon.stop()
    if failures:
        print(f"{len(failures)} promise(s) broken; labad's state: {work}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
