#!/usr/bin/env python3
"""The county's desk at scale (issue 28, SPEC 16): a commander's store holding a year of records
from 466 units (about 30 broadcasts a unit a day: about 5 million records), generated straight
into SQLite by one INSERT ... SELECT, then the commander's answers timed beside a plain SQLite
query giving the same answer:

    desk.py BIN [DAYS] [UNITS] [PER_DAY]    defaults: 365 466 30

  overview   GET /v1/fleet: every unit and its last record          goal <= 300 ms
  coverage   GET /v1/coverage: one message over a month             goal <= 500 ms
  history    GET /v1/broadcasts?fleet=true: the newest page (100)   goal <= 300 ms

Each figure is the median of 5 (DESK_RUNS) warm requests over the control socket (after one cold one); the
commander's resident memory (VmRSS, and its peak VmHWM) is read after serving them. Prints one
JSON line. WORK=DIR keeps the generated state dir there (and reuses it when it holds a store)."""

import http.client
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fleet import Broker, Fleet, Labad, free_port  # noqa: E402

LANGUAGES = ["naxi", "yi", "bai", "lisu", "pumi", "mosuo"]
TOWNSHIPS = 66
COMPOUNDS = 366
MESSAGES = 20
START_US = 1_764_547_200_000_000  # 2025-12-01T00:00:00Z


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=120)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


def fetch(conn, path, label, headers={}):
    """One GET on `conn`, its body; anything but 200 ends the bench with what was answered."""
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{label}GET {path}: {response.status} {body[:300]!r}")
        return body
    finally:
        conn.close()


def get(sock, path):
    return fetch(UnixHTTP(sock), "/v1" + path, "")


class Console:
    """The commander's web console, signed in as a viewer: its pages as a clerk's browser asks for them."""

    def __init__(self, port):
        self.port = port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        body = "name=bench&password=bench-password-1"
        conn.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        cookie = response.getheader("Set-Cookie")
        conn.close()
        if not cookie:
            raise SystemExit(f"console login: {response.status}")
        self.cookie = cookie.split(";")[0]

    def get(self, path):
        return fetch(http.client.HTTPConnection("127.0.0.1", self.port, timeout=120), path, "console ",
                     {"Cookie": self.cookie})


def note(text):
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def timed(fn, runs=int(os.environ.get("DESK_RUNS", "5"))):
    t = time.perf_counter()
    fn()  # cold
    note(f"cold: {(time.perf_counter() - t) * 1000:.0f} ms")
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), out


def config(fleet, path, console_port):
    zones = ["  - {id: county, languages: [mandarin]}"]
    for t in range(TOWNSHIPS):
        zones.append(f"  - {{id: t-{t:02d}, parent: county, languages: [{LANGUAGES[t % len(LANGUAGES)]}, mandarin]}}")
    for c in range(COMPOUNDS):
        zones.append(f"  - {{id: c-{c:03d}, parent: t-{c % TOWNSHIPS:02d}}}")
    open(path, "w").write(f"""timezone: UTC
audio_dir: {fleet.audio}
outputs:
  - {{id: square, device: laba_bench, zone: county}}
zones:
{chr(10).join(zones)}
fleet:
  name: bench
  broker: "mqtt://127.0.0.1:{fleet.broker.port}"
  unit: office
  trust:
    - {{key: {fleet.keys}/county.pub, zones: [county]}}
  sign_key: {fleet.keys}/county.key
  command_zones: [county]
console: {{listen: "127.0.0.1:{console_port}"}}
""")


def generate(db, days, units, per_day):
    """A year of units' records, straight into labad's own tables (made by its migrations), day by
    day in big transactions, in the order of their planned times: the coverage rows
    (fleet_record_fact, fleet_segment) are filled by labad's own triggers from each record's JSON,
    as when a unit's record arrives; the count triggers and secondary indexes are dropped for the
    load and made again after, as labad's migrations made them."""
    conn = sqlite3.connect(db)
    # Transactions of gigabytes: no journal (a failed load is made again), WAL again after.
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    conn.execute("PRAGMA temp_store = MEMORY")
    tables = ("fleet_record", "fleet_record_fact", "fleet_segment")
    marks = ", ".join("?" * len(tables))
    indexes = conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks}) "
                           "AND sql IS NOT NULL", tables).fetchall()
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'fleet_record' "
                            "AND name NOT LIKE 'fleet_record_facts_%'").fetchall()
    filled = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'fleet_record_facts_inserted'")
    assert filled.fetchone()[0] == 1, "labad's store has no fleet_record_facts_inserted trigger (v12-fleet-segments)"
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    langs = "CASE (u % 66) % 6 " + " ".join(f"WHEN {i} THEN '{l}'" for i, l in enumerate(LANGUAGES)) + " END"
    ts = "strftime('%Y-%m-%dT%H:%M:%fZ', ({}) / 1e6, 'unixepoch')"
    # Unit u: compounds c-000..c-365 first, then the mobile teams in their townships; slot k of day
    # d plays message (d*per_day + k) % 20 from command c<d><k>; one unit in 40 is of an older
    # version (no segments); one record in 50 cut its language at half.
    # Days [?, ?), each day's slots, each slot's units: the order of planned times.
    sql = f"""
    WITH RECURSIVE
      us(u) AS (SELECT 0 UNION ALL SELECT u + 1 FROM us WHERE u + 1 < {units}),
      ds(d) AS (SELECT ? UNION ALL SELECT d + 1 FROM ds WHERE d + 1 < ?),
      ks(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM ks WHERE k + 1 < {per_day}),
      x AS (
        SELECT u, d, k,
               printf('unit-%03d', u) AS unit,
               printf('b%03d%02d', d, k) AS id,
               printf('c%03d%02d', d, k) AS command,
               CASE WHEN u < {COMPOUNDS} THEN printf('c-%03d', u) ELSE printf('t-%02d', u % {TOWNSHIPS}) END AS zone,
               printf('msg-%02d', (d * {per_day} + k) % {MESSAGES}) AS message,
               {START_US} + d * 86400000000 + 21600000000 + k * 1800000000 + u * 1000 AS planned,
               {langs} AS lang,
               (u * 7 + d + k) % 50 = 0 AS cut,
               u % 40 = 0 AS older
        FROM ds CROSS JOIN ks CROSS JOIN us)
    INSERT INTO fleet_record (unit, id, command, zone, message, output, outcome, planned_at, record, received_at)
    SELECT unit, id, command, zone, message, 'square', 'completed', planned,
           CAST(json_object(
             'id', id, 'source', 'fleet', 'drill', json('false'), 'entry', NULL, 'message', message, 'output', 'square',
             'zone', zone, 'priority', 'manual',
             'languages', json_object('planned', json_array(lang, 'mandarin'),
                                      'played', CASE WHEN cut THEN json_array('mandarin') ELSE json_array(lang, 'mandarin') END),
             'planned_at', {ts.format('planned')}, 'started_at', {ts.format('planned + 1000000')},
             'ended_at', {ts.format('planned + 64000000')}, 'state', 'done', 'outcome', 'completed', 'reason', NULL,
             'requested_by', NULL, 'frames', 3072000, 'xruns', 0, 'unit', unit, 'command', command, 'position', NULL,
             'segments', CASE WHEN older THEN NULL ELSE json_array(
               json_object('index', 0, 'label', 'chime', 'pass', 0, 'planned_frames', 96000, 'played_frames', 96000,
                           'started_at', {ts.format('planned + 1000000')}, 'zone', zone, 'ended', json('true')),
               json_object('index', 1, 'label', lang, 'pass', 0, 'planned_frames', 1440000,
                           'played_frames', CASE WHEN cut THEN 720000 ELSE 1440000 END,
                           'started_at', {ts.format('planned + 3000000')}, 'zone', zone, 'ended', json('true')),
               json_object('index', 2, 'label', 'mandarin', 'pass', 0, 'planned_frames', 1440000, 'played_frames', 1440000,
                           'started_at', {ts.format('planned + 34000000')}, 'zone', zone, 'ended', json('true'))) END
           ) AS BLOB),
           planned + 70000000
    FROM x
    """
    t = time.time()
    step = 10
    for first in range(0, days, step):
        with conn:
            conn.execute(sql, (first, min(days, first + step)))
        note(f"days {first}..{min(days, first + step) - 1} loaded, {time.time() - t:.0f} s")
    with conn:
        # Each slot's command, aimed at the county (what coverage reads after the command expired).
        conn.execute("""INSERT INTO fleet_aim (command, message, zones, at)
                        SELECT command, message, '["county"]', planned_at FROM fleet_record WHERE unit = 'unit-000'""")
        status = """json_object('unit', printf('unit-%03d', u), 'state', 'online', 'since', '2026-11-30T00:00:00.000Z',
                      'outputs', json_array(json_object('id', 'square', 'zone',
                        CASE WHEN u < 366 THEN printf('c-%03d', u) ELSE printf('t-%02d', u % 66) END, 'state', 'idle', 'queue', 0)),
                      'version', 'bench')"""
        conn.execute(f"""WITH RECURSIVE us(u) AS (SELECT 0 UNION ALL SELECT u + 1 FROM us WHERE u + 1 < {units})
                         INSERT OR REPLACE INTO fleet_unit (unit, status, state, since, updated_at)
                         SELECT printf('unit-%03d', u), CAST({status} AS BLOB), 'online', {START_US}, {START_US} FROM us""")
        conn.execute("DELETE FROM fleet_record_count")
        conn.execute("INSERT INTO fleet_record_count (unit, count) SELECT unit, COUNT(*) FROM fleet_record GROUP BY unit")
    loaded = time.time() - t
    t = time.time()
    with conn:
        for _, create in indexes + triggers:
            conn.execute(create)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    return loaded, time.time() - t


def main():
    bin_dir = sys.argv[1]
    days = int(sys.argv[2]) if len(sys.argv) > 2 else 365
    units = int(sys.argv[3]) if len(sys.argv) > 3 else 466
    per_day = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    keep = os.environ.get("WORK")
    work = keep or tempfile.mkdtemp(prefix="laba-desk-")
    os.makedirs(work, exist_ok=True)
    broker = Broker(work)
    result = {}
    office = None
    try:
        shutil.rmtree(os.path.join(work, "keys"), ignore_errors=True)  # a kept WORK: new keys, the same store
        fleet = Fleet(bin_dir, work, broker)
        path = os.path.join(work, "office.yaml")
        console_port = free_port()
        config(fleet, path, console_port)
        state = os.path.join(work, "office")
        db = os.path.join(state, "state", "laba.sqlite")
        env = {"ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:" + fleet.asound}
        fresh = not os.path.exists(db)
        if fresh:
            office = Labad(bin_dir, path, state, env)  # its migrations make the store
            office.stop()
            loaded, indexed = generate(db, days, units, per_day)
            result.update(generate_s=round(loaded, 1), index_s=round(indexed, 1))
        if os.environ.get("DESK_GENERATE_ONLY"):
            print(json.dumps(result))
            return
        conn = sqlite3.connect(db)
        result["records"] = conn.execute("SELECT SUM(count) FROM fleet_record_count").fetchone()[0]
        result["store_mib"] = round(os.path.getsize(db) / 1048576)
        office = Labad(bin_dir, path, state, env)
        sock = office.env["LABA_SOCKET"]
        last_day = START_US + (days - 1) * 86_400_000_000
        month = (time.strftime("%Y-%m-%d", time.gmtime((last_day - 30 * 86_400_000_000) / 1e6)),
                 time.strftime("%Y-%m-%d", time.gmtime(last_day / 1e6)))

        note("commander started; the overview")
        # The overview: every unit and its newest record.
        ms, body = timed(lambda: get(sock, "/fleet"))
        overview = json.loads(body)
        # The commander hears its own status too: it is a unit of its fleet.
        generated = [u for u in overview["units"] if u["unit"].startswith("unit-")]
        assert len(generated) == units, len(generated)

        def plain_overview():
            return conn.execute("""SELECT u.unit, u.status, r.record FROM fleet_unit u LEFT JOIN fleet_record r ON r.rowid = (
                                     SELECT rowid FROM fleet_record WHERE unit = u.unit ORDER BY planned_at DESC, id DESC LIMIT 1)
                                   WHERE u.unit LIKE 'unit-%'""").fetchall()
        sql_ms, rows = timed(plain_overview)
        assert len(rows) == units
        assert {u["unit"]: u["last_record"]["id"] for u in generated} == \
            {r[0]: json.loads(r[2])["id"] for r in rows}, "the overview's last records differ from SQLite's"
        result["overview"] = {"ms": round(ms, 1), "sqlite_ms": round(sql_ms, 1), "bytes": len(body)}

        note("coverage")
        # Coverage of one message over a month.
        message = "msg-03"
        ms, body = timed(lambda: get(sock, f"/coverage?message={message}&since={month[0]}&until={month[1]}"))
        coverage = json.loads(body)
        since = coverage["since"]
        until = coverage["until"]

        def us(rfc):
            return int(time.mktime(time.strptime(rfc[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone) * 1_000_000

        def plain_coverage():
            # Per zone and label: the best share of a pass (segments); the languages older units
            # said they played (no segments): played, extent unknown.
            bounds = (message, us(since), us(until))
            best = conn.execute("""
                SELECT zone, label, MAX(CASE WHEN planned_frames > 0 THEN 1.0 * played_frames / planned_frames
                                             WHEN ended AND played_frames > 0 THEN 1.0 ELSE 0.0 END)
                FROM fleet_segment WHERE message = ? AND planned_at >= ? AND planned_at < ? GROUP BY zone, label""",
                                bounds).fetchall()
            older = conn.execute("""
                SELECT DISTINCT zone, played FROM fleet_record_fact
                WHERE message = ? AND planned_at >= ? AND planned_at < ? AND NOT segmented AND played IS NOT NULL""",
                                 bounds).fetchall()
            return best + [(zone, label, 2.0) for zone, played in older for label in played.split("\x1f")]
        sql_ms, rows = timed(plain_coverage)
        plain = {}
        for zone, label, best in rows:
            state = "played_extent_unknown" if best == 2.0 else "played" if best >= 0.9 else "partial" if best > 0 else "missing"
            rank = ["missing", "partial", "played_extent_unknown", "played"]
            if rank.index(state) > rank.index(plain.get((zone, label), "missing")):
                plain[(zone, label)] = state
        served = {(z["zone"], e["label"]): e["state"] for z in coverage["zones"] for e in z["entries"]
                  if e["state"] != "not_planned_then"}
        mismatch = {k: (v, plain.get(k)) for k, v in served.items() if plain.get(k, "missing") != v}
        assert not mismatch, f"coverage differs from SQLite's: {list(mismatch.items())[:5]}"
        result["coverage"] = {"ms": round(ms, 1), "sqlite_ms": round(sql_ms, 1), "records": coverage["records"],
                              "zones": len(coverage["zones"]), "bytes": len(body)}

        note("history")
        # The newest page of the units' records.
        ms, body = timed(lambda: get(sock, "/broadcasts?fleet=true&limit=100"))
        page = json.loads(body)["broadcasts"]

        def plain_history():
            return conn.execute("SELECT unit, id FROM fleet_record ORDER BY planned_at DESC, unit DESC, id DESC LIMIT 100").fetchall()
        sql_ms, rows = timed(plain_history)
        assert [(b["unit"], b["id"]) for b in page if b.get("unit") != "office"][:100] == [tuple(r) for r in rows][:len(page)]
        result["history"] = {"ms": round(ms, 1), "sqlite_ms": round(sql_ms, 1), "rows": len(page), "bytes": len(body)}

        # One zone's records (a compound: one unit's) and one unit's, newest page each.
        for name, query, sql, args in [
                ("history_zone", "/broadcasts?fleet=true&zone=c-100&limit=100",
                 "SELECT unit, id FROM fleet_record WHERE zone = ? ORDER BY planned_at DESC, unit DESC, id DESC LIMIT 100", ("c-100",)),
                ("history_unit", "/broadcasts?unit=unit-100&limit=100",
                 "SELECT unit, id FROM fleet_record WHERE unit = ? ORDER BY planned_at DESC, unit DESC, id DESC LIMIT 100", ("unit-100",))]:
            note(name)
            ms, body = timed(lambda: get(sock, query))
            page = [(b["unit"], b["id"]) for b in json.loads(body)["broadcasts"]]
            sql_ms, rows = timed(lambda: conn.execute(sql, args).fetchall())
            assert page == [tuple(r) for r in rows], f"{name}: the page differs from SQLite's"
            result[name] = {"ms": round(ms, 1), "sqlite_ms": round(sql_ms, 1), "rows": len(page)}

        # The console's pages as a clerk opens them: the overview (every unit), the coverage page
        # of the same month, the record page (the fleet's newest) and one unit's.
        added = subprocess.run([os.path.join(bin_dir, "laba"), "user", "add", "bench", "--role", "viewer", "--password-stdin"],
                               env=office.env, input="bench-password-1\n", capture_output=True, text=True)
        if added.returncode != 0 and "exists" not in added.stderr:
            raise SystemExit(f"laba user add: {added.stderr}")
        console = Console(console_port)
        for name, path in [("console_overview", "/"),
                           ("console_coverage", f"/coverage?message={message}&since={month[0]}&until={month[1]}"),
                           ("console_record", "/record"), ("console_record_unit", "/record?unit=unit-100")]:
            note(name)
            ms, body = timed(lambda: console.get(path))
            result[name] = {"ms": round(ms, 1), "bytes": len(body)}
        assert b'id="coverage"' in console.get(f"/coverage?message={message}&since={month[0]}&until={month[1]}")

        status = open(f"/proc/{office.proc.pid}/status").read()
        mem = {line.split(":")[0]: int(line.split()[1]) for line in status.splitlines() if line.startswith(("VmRSS", "VmHWM"))}
        result["rss_mib"] = round(mem["VmRSS"] / 1024, 1)
        result["peak_rss_mib"] = round(mem["VmHWM"] / 1024, 1)
        office.stop()
        conn.close()
    finally:
        if office:
            office.stop()
        broker.kill()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    # Flat, for Bench/run.sh's table.
    flat = {}
    for key, value in result.items():
        if isinstance(value, dict):
            flat.update({f"{key}_{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    print(json.dumps(flat))


if __name__ == "__main__":
    main()
