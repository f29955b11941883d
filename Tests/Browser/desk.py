#!/usr/bin/env python3
"""The county's desk in a real browser (headless Chromium driven by Selenium): a commander's console
with two real units through mosquitto (issue 28). Started by EndToEndTests/DeskTests.swift:

    desk.py BASE_URL SCREENSHOT_DIR PID_OF_UNIT_B

The commander commands county > town-a (甲镇, unit-a) and town-b (乙镇, unit-b), both with areas;
chen is an operator ("password-chen"). The script: sees both units online on the overview, broadcasts
notice to 甲镇 from the broadcast page and sees unit-a's record arrive (and none on unit-b), reads
the record page filtered by unit, holds unit-b (SIGSTOP) while notice goes to 乙镇 too and sees the
coverage page show 甲镇 played and 乙镇 missing, then 乙镇 filled in live once unit-b is let go (no
reload), kills unit-b with SIGKILL and sees it go offline with the time on
the open overview (no reload), uploads a recording that goes to the units in one step and sees its
spread on the recordings page, sends a CAP file from the alerts page (confirmed) and sees it play on
unit-a, and sees the map colour both townships. Every page at 1280 and 360 px:
screenshots not blank, no sideways scroll. Exits 1 on the first failure.
"""
import os
import re
import signal
import subprocess
import struct
import sys
import zlib

os.environ.setdefault("SE_AVOID_STATS", "true")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

BASE, SHOTS, PID_B = sys.argv[1], sys.argv[2], int(sys.argv[3])


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print("ok -", what, flush=True)


def wait(driver, condition, what, timeout=30, poll=0.05):
    def holds(d):
        try:
            return condition(d)
        except Exception:
            return False
    try:
        WebDriverWait(driver, timeout, poll_frequency=poll).until(holds)
    except Exception:
        units = driver.execute_script("var l = document.getElementById('units'); return l ? l.innerText : document.body.innerText")
        raise AssertionError(f"timed out: {what} (at {driver.current_url}; {units[:800]!r})")
    print("ok -", what, flush=True)


def png_not_blank(path):
    """Decodes the PNG's pixels (zlib) and counts the distinct colours in a sample."""
    data = open(path, "rb").read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IHDR":
            width = struct.unpack(">I", data[pos + 8:pos + 12])[0]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 4 + 1
    rows = [raw[i + 1:i + stride] for i in range(0, len(raw), stride * 7)]
    colours = {bytes(r[j:j + 3]) for r in rows for j in range(0, len(r) - 3, 4 * 13)}
    check(len(colours) > 20, f"{os.path.basename(path)} is not blank ({len(colours)} colours sampled)")


def fits(driver):
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def row(d, unit):
    return d.find_element(By.ID, "unit-" + unit)


PAGES = [("overview", "/"), ("record", "/record?unit=unit-a"), ("unit", "/units/unit-a"), ("map", "/map"), ("recordings", "/recordings"), ("alerts", "/alerts"),
         ("coverage", "/coverage?message=notice")]


def shots(d, width):
    for name, path in PAGES:
        d.get(BASE + path)
        check(fits(d), f"{path} has no sideways scroll at {width} px")
        shot = os.path.join(SHOTS, f"desk-{name}-{width}.png")
        d.save_screenshot(shot)
        png_not_blank(shot)


def main():
    os.makedirs(SHOTS, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN", "--window-size=1280,900"]:
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN"})
    d = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    try:
        d.get(BASE + "/login")
        d.find_element(By.NAME, "name").send_keys("chen")
        d.find_element(By.NAME, "password").send_keys("password-chen")
        d.find_element(By.ID, "login").click()
        wait(d, lambda d: d.find_element(By.TAG_NAME, "h1").text == "概况", "chen is signed in, in Chinese")

        # Both units on the overview, online since a time.
        wait(d, lambda d: row(d, "unit-a").get_attribute("data-state") == "online"
             and row(d, "unit-b").get_attribute("data-state") == "online", "the overview shows both units online")
        check(re.search(r"在线（(今天|昨天)?\s*\d{1,2}:\d{2}起）", row(d, "unit-a").text), f"online since a time ({row(d, 'unit-a').text!r})")
        check("甲镇" in row(d, "unit-a").text and "乙镇" in row(d, "unit-b").text, "each unit's zone by name")
        check("2 个终端中 2 个在线" in d.find_element(By.ID, "units-summary").text, "the count of units online")

        # A broadcast of notice to 甲镇 from the broadcast page reaches unit-a only.
        d.get(BASE + "/broadcast")
        d.find_element(By.CSS_SELECTOR, '#message option[value="notice"]').click()
        d.find_element(By.ID, "zone-town-a").click()
        d.find_element(By.ID, "send").click()
        wait(d, lambda d: d.find_element(By.TAG_NAME, "h1").text == "概况", "the broadcast is sent")
        wait(d, lambda d: "notice" in row(d, "unit-a").text and "已完成" in row(d, "unit-a").text,
             "unit-a's record arrives on the overview without a reload")
        check("notice" not in row(d, "unit-b").text, f"unit-b heard nothing ({row(d, 'unit-b').text!r})")

        d.get(BASE + "/record?unit=unit-a")
        records = d.find_elements(By.CSS_SELECTOR, '#record tr[id^="r-"]')
        check(len(records) >= 1 and "unit-a" in records[0].text and "notice" in records[0].text,
              f"the record page filtered by unit-a shows its record ({[r.text for r in records]})")
        d.get(BASE + "/record?unit=unit-b")
        check(not d.find_elements(By.CSS_SELECTOR, '#record tr[id^="r-"]'), "unit-b has no record")
        d.get(BASE + "/units/unit-a")
        check(d.find_elements(By.CSS_SELECTOR, '#unit-outputs tr[id="o-square"]'), "unit-a's page lists its loudspeaker")
        check(len(d.find_elements(By.CSS_SELECTOR, '#record tr[id^="r-"]')) == 1, "unit-a's page lists its record")

        # Coverage, live: notice sent to 乙镇 too while unit-b is held (SIGSTOP): the coverage page
        # shows 甲镇's naxi played and 乙镇's yi missing, in Chinese, missing first; unit-b let go
        # plays it, and the page fills in without a reload.
        def line(d, zone):
            # Read at once in the page: its answer may be replaced (fetched again) at any time.
            return d.execute_script("""var r = document.querySelector('#coverage tr[data-zone="' + arguments[0] + '"]');
                                       return r ? [r.className, r.innerText] : ['', ''];""", zone)

        def summary(d):
            return d.execute_script("var s = document.getElementById('coverage-summary'); return s ? s.innerText : ''")
        os.kill(PID_B, signal.SIGSTOP)
        try:
            d.get(BASE + "/broadcast")
            d.find_element(By.CSS_SELECTOR, '#message option[value="notice"]').click()
            d.find_element(By.ID, "zone-town-b").click()
            d.find_element(By.ID, "send").click()
            wait(d, lambda d: d.find_element(By.TAG_NAME, "h1").text == "概况", "notice is sent to 乙镇 (unit-b held)")
            d.get(BASE + "/coverage?message=notice")
            state, text = line(d, "town-b")
            check(state == "coverage-missing" and "彝语" in text and "未播" in text, f"乙镇's yi missing ({state} {text!r})")
            state, text = line(d, "town-a")
            check(state == "coverage-played" and "纳西语" in text and "已播完" in text and "unit-a" in text,
                  f"甲镇's naxi played on unit-a ({state} {text!r})")
            zones = d.execute_script("return Array.from(document.querySelectorAll('#coverage tr[data-zone]')).map(r => r.dataset.zone)")
            check(zones.index("town-b") < zones.index("town-a"), f"the zone missing a language first ({zones})")
            check("1 个区域有语种未播" in summary(d), f"the summary counts it ({summary(d)!r})")
            d.execute_script("window.coverageMarker = 7")
        finally:
            os.kill(PID_B, signal.SIGCONT)
        wait(d, lambda d: line(d, "town-b")[0] == "coverage-played" and "unit-b" in line(d, "town-b")[1],
             "乙镇's yi played on unit-b appears on the open coverage page", timeout=60)
        check(d.execute_script("return window.coverageMarker") == 7, "without a reload")
        check("所有区域的所有语种都已播完" in summary(d), f"full coverage, in words ({summary(d)!r})")

        # A CAP file sent from the alerts page (an emergency: confirmed) plays on unit-a.
        cap = os.path.join(SHOTS, "desk-alert.xml")
        with open(cap, "w", encoding="utf-8") as f:
            f.write("""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>CN-DESK-%d</identifier><sender>eew@example.cn</sender>
  <sent>2026-12-02T09:59:50+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
  <info><language>zh-CN</language><category>Geo</category><event>地震</event><urgency>Immediate</urgency>
    <severity>Severe</severity><certainty>Observed</certainty>
    <area><areaDesc>甲镇东部</areaDesc><polygon>26.02,100.02 26.02,100.08 26.08,100.08 26.08,100.02 26.02,100.02</polygon></area>
  </info>
</alert>
""" % os.getpid())
        d.get(BASE + "/alerts")
        d.find_element(By.ID, "cap-file").send_keys(cap)
        d.find_element(By.ID, "cap-send").click()
        try:
            prompt = WebDriverWait(d, 20).until(EC.alert_is_present())
        except Exception:
            raise AssertionError(f"no confirmation: {d.find_element(By.ID, 'cap-status').text!r}")
        check("紧急预警" in prompt.text and "甲镇东部" in prompt.text, f"the emergency is confirmed first ({prompt.text!r})")
        prompt.accept()
        wait(d, lambda d: "sent=" in d.current_url and "预警已发送" in d.find_element(By.ID, "flash").text, "the alert is sent")

        def alert_played(d):
            d.get(BASE + "/alerts")
            card = d.find_element(By.CSS_SELECTOR, ".alert-card")
            return card.find_elements(By.CSS_SELECTOR, '.played-row[data-place="unit-a"][data-outcome="completed"]') and card
        wait(d, alert_played, "the alerts page shows it played on unit-a", poll=0.5)
        card = d.find_element(By.CSS_SELECTOR, ".alert-card")
        check("甲镇" in card.find_element(By.CLASS_NAME, "reached").text and "甲镇东部" in card.text and "来自网页控制台" in card.text,
              f"with its area, the zone it reached, and where it came from ({card.text!r})")
        check(not card.find_elements(By.CSS_SELECTOR, '.played-row[data-place="unit-b"]'), "not on unit-b")

        # The map before the kill: both townships coloured as online.
        d.get(BASE + "/map")
        for zone in ["town-a", "town-b"]:
            check(d.find_element(By.ID, "zone-" + zone).get_attribute("data-state") == "online", f"the map colours {zone} online")
        check("古城区" in d.find_element(By.ID, "without-area").text, "the county, without an area, is listed beside the map")

        shots(d, 1280)

        # unit-b killed: offline, with the time, on the open overview.
        d.get(BASE + "/")
        wait(d, lambda d: row(d, "unit-b").get_attribute("data-state") == "online", "the overview is open")
        d.execute_script("window.deskMarker = 42")
        os.kill(PID_B, signal.SIGKILL)
        wait(d, lambda d: row(d, "unit-b").get_attribute("data-state") == "offline", "unit-b shows offline")
        check(re.search(r"离线（(今天|昨天)?\s*\d{1,2}:\d{2}起）", row(d, "unit-b").text), f"offline since a time ({row(d, 'unit-b').text!r})")
        check(d.execute_script("return window.deskMarker") == 42, "without a reload")
        check(row(d, "unit-a").get_attribute("data-state") == "online", "unit-a stays online")
        check("2 个终端中 1 个在线" in d.find_element(By.ID, "units-summary").text, "the count follows")

        # A recording uploaded on the commander goes to its units in one step; unit-a takes it,
        # unit-b (killed) still misses it.
        wav = os.path.join(SHOTS, "desk-upload.wav")
        subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", wav, "synth", "0.5", "sine", "700", "vol", "0.5"], check=True)
        d.get(BASE + "/recordings")
        d.find_element(By.ID, "rec-message").send_keys("spread-test")
        d.find_element(By.CSS_SELECTOR, '#rec-language option[value="naxi"]').click()
        d.find_element(By.ID, "upload-file").send_keys(wav)
        # Heard before it is saved (issue 27): saving sends it to the units.
        wait(d, lambda d: d.find_element(By.ID, "rec-review").is_displayed(), "the upload is offered for listening first")
        d.find_element(By.ID, "rec-confirm").click()
        wait(d, lambda d: "已发往古城区的终端" in d.find_element(By.ID, "rec-status").text, "the recording is saved and sent to the units")

        def spread(d):
            d.get(BASE + "/recordings")
            r = d.find_element(By.ID, "spread-spread-test-naxi")
            return r.get_attribute("data-held") == "1" and "unit-b" in r.find_element(By.CLASS_NAME, "missing-units").text and r
        wait(d, spread, "the recordings page shows it held by unit-a and missing on unit-b", poll=0.5)
        check("unit-a" in d.find_element(By.CSS_SELECTOR, "#spread-spread-test-naxi .held").text, "held by unit-a, by name")

        d.get(BASE + "/map")
        a = d.find_element(By.ID, "zone-town-a")
        b = d.find_element(By.ID, "zone-town-b")
        check(a.get_attribute("data-state") == "online" and b.get_attribute("data-state") == "offline",
              "the map colours 甲镇 online and 乙镇 offline")
        check(a.get_attribute("fill") != b.get_attribute("fill"), "in two colours")

        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})
        shots(d, 360)
    finally:
        d.quit()


try:
    main()
except AssertionError as e:
    print("FAIL -", e, flush=True)
    sys.exit(1)
