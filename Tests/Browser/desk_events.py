#!/usr/bin/env python3
"""The overview's live view on a commander while many units change at once (issue 28): started by
EndToEndTests/DeskTests.swift.

    desk_events.py BASE_URL READY_FILE UNITS

Signs in as chen ("password-chen"), opens /events, and once the first `units` event has come writes
READY_FILE (the Swift side then publishes UNITS statuses online, then the same units offline). Reads
until every one of the UNITS units has been seen offline in a `units` event (or 60 s), and prints one
JSON line: the `units` events after the first, the times between them, and the rows they carried.
"""
import http.client
import json
import re
import sys
import time
import urllib.parse

BASE, READY, UNITS = sys.argv[1], sys.argv[2], int(sys.argv[3])
HOST = urllib.parse.urlparse(BASE)


def sign_in():
    conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=20)
    for attempt in range(200):
        try:
            conn.request("POST", "/login", body=urllib.parse.urlencode({"name": "chen", "password": "password-chen"}),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            break
        except ConnectionRefusedError:  # the console is not listening yet
            conn.close()
            time.sleep(0.1)
    r = conn.getresponse()
    r.read()
    cookie = r.getheader("Set-Cookie", "").split(";")[0]
    conn.close()
    return cookie


def events(cookie):
    """Yields (time, name, data) for each server-sent event."""
    conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=60)
    conn.request("GET", "/events", headers={"Cookie": cookie})
    r = conn.getresponse()
    name, data = None, []
    while True:
        line = r.fp.readline()
        if not line:
            return
        line = line.decode("utf-8").rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "":
            if name:
                yield time.monotonic(), name, "\n".join(data)
            name, data = None, []


def main():
    cookie = sign_in()
    ready = False
    times, rows, offline = [], 0, set()
    deadline = time.monotonic() + 60
    for at, name, data in events(cookie):
        if name != "units":
            continue
        if not ready:
            open(READY, "w").close()
            ready = True
            continue
        times.append(at)
        for unit, state in re.findall(r'<tr id="unit-(load-\d+)" data-state="(\w+)"', data):
            rows += 1
            if state == "offline":
                offline.add(unit)
        if len(offline) >= UNITS or time.monotonic() > deadline:
            break
    gaps = [round(b - a, 3) for a, b in zip(times, times[1:])]
    print(json.dumps({"events": len(times), "gaps": gaps, "rows": rows, "offline": len(offline)}), flush=True)


main()
