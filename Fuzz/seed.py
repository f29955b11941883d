#!/usr/bin/env python3
"""seed.py DIR: the fuzzers' starting corpora, from the shipped configurations and the tests.

DIR/config gets Config/*.yaml and every YAML document written in the Swift tests; DIR/calendar
gets every string literal of the calendar tests (expressions, time spans, times)."""
import os
import re
import sys

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = sys.argv[1]
os.makedirs(os.path.join(out, "config"), exist_ok=True)
os.makedirs(os.path.join(out, "calendar"), exist_ok=True)


def put(kind, index, text):
    with open(os.path.join(out, kind, f"seed-{index:04d}"), "w", encoding="utf-8") as f:
        f.write(text)


n = 0
for name in sorted(os.listdir(os.path.join(repo, "Config"))):
    if name.endswith(".yaml"):
        put("config", n, open(os.path.join(repo, "Config", name), encoding="utf-8").read())
        n += 1
# Multi-line string literals of the tests that look like configurations.
for root, _, files in os.walk(os.path.join(repo, "Tests")):
    for name in files:
        if not name.endswith(".swift"):
            continue
        source = open(os.path.join(root, name), encoding="utf-8").read()
        for block in re.findall(r'"""\n(.*?)"""', source, re.S):
            if "zones:" in block or "outputs:" in block:
                lines = block.split("\n")
                indent = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
                put("config", n, "\n".join(l[indent:] for l in lines))
                n += 1
m = 0
for name in ["CalendarParsingTests.swift", "CalendarPropertyTests.swift", "DaylightSavingTests.swift", "ConfigValuesTests.swift"]:
    path = os.path.join(repo, "Tests", "LabaCoreTests", name)
    if not os.path.exists(path):
        continue
    for literal in set(re.findall(r'"((?:[^"\\\n]|\\.)*)"', open(path, encoding="utf-8").read())):
        if literal and len(literal) < 200:
            put("calendar", m, literal.replace("\\\\", "\\"))
            m += 1
print(f"{n} configurations, {m} calendar strings in {out}")
