#!/usr/bin/env python3
"""The console's talk button on a commander, spoken by hand on the page's WebSocket (no browser:
ConsoleTalkTests drives the real button): a talk for zones of the fleet's units is sent to them.
Started by EndToEndTests/FleetLiveTests.swift:

    talk_fleet.py BASE_URL ZONE SECONDS

Signs in as chen (operator, password "password-chen"), opens a talk for ZONE, sends SECONDS of a
500 Hz tone (not the office microphone's 700) as 20 ms blocks of 48 kHz mono 16-bit PCM in real time, presses stop, and prints
every text event as a JSON line until the talk has ended. Exits 1 when the talk does not start.
"""
import json
import math
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawconsole import Console, read_frame, send_binary, send_text  # noqa: E402

base, zone, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
console = Console(base)
clerk = console.sign_in("chen")
status, s = console.upgrade(clerk, base)
if s is None:
    print(f"FAIL - the talk socket was refused ({status})")
    sys.exit(1)
send_text(s, json.dumps({"csrf": console.csrf(clerk), "zones": [zone]}))
opcode, data = read_frame(s)
print(data.decode(errors="replace"), flush=True)
if json.loads(data).get("state") != "started":
    sys.exit(1)
start = time.time()
for k in range(int(seconds * 50)):
    block = b"".join(struct.pack("<h", int(16000 * math.sin(2 * math.pi * 500 * (k * 960 + i) / 48000))) for i in range(960))
    send_binary(s, block)
    time.sleep(max(0.0, start + (k + 1) * 0.02 - time.time()))
send_text(s, json.dumps({"stop": True}))
s.settimeout(20)
while True:
    opcode, data = read_frame(s)
    if opcode == 8:
        break
    if opcode == 1:
        text = data.decode(errors="replace")
        print(text, flush=True)
        if json.loads(text).get("state") == "ended":
            break
s.close()
