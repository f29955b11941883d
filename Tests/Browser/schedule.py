#!/usr/bin/env python3
"""A clerk edits the schedule in the console (headless Chromium driven by Selenium). Started by
EndToEndTests/ConsoleScheduleTests.swift against a real labad whose clock reads 2026-12-02 20:00 in
Asia/Shanghai, with the fixture's environment (so that the real `laba` reaches that daemon):

    schedule.py BASE_URL SCREENSHOT_DIR LABA_BINARY

Accounts made by the Swift side: li (operator), zhao (viewer); every password is "password-<name>".
The configuration: output square in zone market (集市街) below town (古城区); a technician's entry
(notice at 20:30 in town); an operators' entry op-00dead left in a zone that no longer exists.
Exits 1 on the first failure.
"""
import datetime
import http.client
import os
import re
import subprocess
import sys
import urllib.parse

os.environ.setdefault("SE_AVOID_STATS", "true")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

BASE, SHOTS, LABA = sys.argv[1:4]
HOST = urllib.parse.urlparse(BASE)
# Every 5 days from 2026-12-03 at 07:30, as the clerk asks: the preview lists the next eight.
MARKET_DAYS_ISO = [datetime.date(2026, 12, 3) + datetime.timedelta(days=5 * i) for i in range(8)]


def clerk_day(d):
    """A date as a clerk reads it on 2026-12-02 (the daemon's clock): 明天, 12月8日, 2027年1月2日."""
    if d == datetime.date(2026, 12, 3):
        return "明天"
    return f"{d.month}月{d.day}日" if d.year == 2026 else f"{d.year}年{d.month}月{d.day}日"


MARKET_DAYS = [clerk_day(d) + " 07:30" for d in MARKET_DAYS_ISO]


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print("ok -", what, flush=True)


def laba(*arguments):
    """The real CLI against the real daemon (LABA_SOCKET from the environment), in English."""
    env = dict(os.environ, LANG="C.UTF-8")
    env.pop("LC_ALL", None)
    return subprocess.run([LABA, *arguments], capture_output=True, text=True, env=env, timeout=30)


def plays_market_day():
    """Whether `laba next` lists the market-day message (output, zone, message columns)."""
    out = laba("next", "--count", "5")
    assert out.returncode == 0, out.stderr
    return re.search(r"square\s+market\s+market\b", out.stdout) is not None


def request(method, path, body=None, cookie=None, headers=None):
    conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=20)
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    if body is not None and "Content-Type" not in h:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def sign_in(name):
    status, headers, _ = request("POST", "/login", urllib.parse.urlencode({"name": name, "password": f"password-{name}"}))
    return headers.get("set-cookie", "").split(";")[0]


def csrf_of(cookie):
    _, _, page = request("GET", "/schedule", cookie=cookie)
    return re.search(rb'<meta name="csrf" content="([^"]+)"', page).group(1).decode()


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN",
                "--window-size=1280,900"]:
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN"})
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)


def wait(driver, condition, what, timeout=20):
    def holds(d):
        try:
            return condition(d)
        except Exception:
            return False
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.05).until(holds)
    except Exception:
        error = driver.execute_script("var e = document.getElementById('error'); return e ? e.innerText : ''")
        raise AssertionError(f"timed out: {what} (at {driver.current_url}, title {driver.title!r}; error {error!r})")
    print("ok -", what, flush=True)


def fits(driver):
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def card(d, entry):
    return d.find_element(By.CSS_SELECTOR, f'.card.entry[data-entry="{entry}"]')


def set_value(d, element_id, value):
    """Types into a date, time or number input as a clerk's picker would: the value, then its events."""
    d.execute_script("""
        var e = document.getElementById(arguments[0]); e.value = arguments[1];
        e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));""",
                     element_id, value)


def guards():
    """What a viewer, a forged form or a bad preset gets, by plain HTTP."""
    viewer = sign_in("zhao")
    check(request("GET", "/schedule", cookie=viewer)[0] == 200, "a viewer sees the schedule")
    _, _, page = request("GET", "/schedule", cookie=viewer)
    check(b'action="/schedule/entries/' not in page and b'id="add-entry"' not in page, "a viewer gets no buttons")
    check(request("GET", "/schedule/new", cookie=viewer)[0] == 403, "a viewer cannot open the form")
    status, _, _ = request("POST", "/schedule/save", urllib.parse.urlencode(
        {"csrf": csrf_of(viewer), "message": "market", "zone": "market", "preset": "daily", "time": "07:30"}), cookie=viewer)
    check(status == 403, f"a viewer's entry is refused ({status})")
    clerk = sign_in("li")
    fields = {"message": "market", "zone": "market", "preset": "daily", "time": "07:30"}
    status, _, _ = request("POST", "/schedule/save", urllib.parse.urlencode(fields), cookie=clerk)
    check(status == 403, f"an entry without the CSRF token is refused ({status})")
    status, _, body = request("POST", "/schedule/preview", urllib.parse.urlencode(
        dict(fields, csrf=csrf_of(clerk), preset="every", days="0", **{"from": "2026-12-03"})), cookie=clerk,
        headers={"Accept-Language": "zh-CN"})
    check(status == 422 and "天数必须在 1 到 365 之间" in body.decode(), f"every 0 days is refused in the clerk's words ({status})")
    status, _, body = request("POST", "/schedule/preview", urllib.parse.urlencode(
        dict(fields, csrf=csrf_of(clerk), preset="custom", expression="Mon..Fri 25:00")), cookie=clerk)
    check(status == 422 and "“Mon..Fri 25:00”不是有效的播出时间" in body.decode() and "schedule.yaml" in body.decode()
          and "invalid calendar expression" not in body.decode(),
          f"an invalid expression is refused with the daemon's diagnostic, from its code in the clerk's words ({status})")
    status, _, body = request("POST", "/schedule/preview", urllib.parse.urlencode(
        dict(fields, csrf=csrf_of(clerk), base_version="0")), cookie=clerk, headers={"Accept-Language": "zh-CN"})
    check(status == 422 and "计划已被他人修改" in body.decode() and 'name="base_version" value="1"' in body.decode(),
          f"a form based on an older version is refused, and comes back on the current one ({status})")
    status, _, body = request("GET", "/schedule/expression?" + urllib.parse.urlencode(
        {"preset": "times", "times": "18:00, 7:30 12:00"}), cookie=clerk)
    check(status == 200 and body.decode().split("\n")[0] == "07:30; 12:00; 18:00", f"several times a day, sorted ({body!r})")
    listed = laba("schedule", "list", "--json")
    check('"version":1' in listed.stdout.replace(" ", ""), f"nothing was written by the refused forms ({listed.stdout[:200]})")


def clerk():
    os.makedirs(SHOTS, exist_ok=True)
    d = browser()
    try:
        d.get(BASE + "/login")
        d.find_element(By.NAME, "name").send_keys("li")
        d.find_element(By.NAME, "password").send_keys("password-li")
        d.find_element(By.ID, "login").click()
        wait(d, lambda d: d.find_elements(By.ID, "live"), "the clerk signs in")

        # Both layers: the technician's entry read-only with where it lives; the broken operators' entry with its warning.
        d.get(BASE + "/schedule")
        check("播出计划" in d.title, f"the schedule page is in Chinese ({d.title})")
        town = d.find_element(By.ID, "zone-town")
        check("古城区" in town.text, "zones are named as configured")
        technician = town.find_element(By.CSS_SELECTOR, '.card.entry[data-origin="technician"]')
        check("每天 20:30" in technician.text and "laba.yaml:" in technician.text and "laba edit" in technician.text,
              f"the technician's entry says when in words and where it lives ({technician.text!r})")
        check(not technician.find_elements(By.TAG_NAME, "form"), "the technician's entry has no buttons")
        gone = card(d, "op-00dead")
        check(gone.get_attribute("data-state") == "disabled" and "lakeside" in gone.find_element(By.CSS_SELECTOR, ".warning").text,
              f"the entry of a removed zone is disabled, with the warning ({gone.text!r})")

        # The form: message and zone pickers with names in Chinese, the market-day preset.
        d.find_element(By.ID, "add-entry").click()
        wait(d, lambda d: d.find_elements(By.ID, "entry-form"), "the form opens")
        d.find_element(By.CSS_SELECTOR, '#entry-message option[value="market"]').click()
        check("赶集日通知" in d.find_element(By.CSS_SELECTOR, '#entry-message option[value="market"]').text, "messages are titled in Chinese")
        d.find_element(By.CSS_SELECTOR, '#entry-zone option[value="market"]').click()
        check("集市街" in d.find_element(By.CSS_SELECTOR, '#entry-zone option[value="market"]').text, "zones are named in Chinese")
        d.find_element(By.ID, "preset-every").click()
        wait(d, lambda d: d.find_element(By.ID, "entry-days").is_displayed() and not d.find_element(By.ID, "entry-date").is_displayed(),
             "the preset shows its own fields only")
        set_value(d, "entry-time", "07:30")
        set_value(d, "entry-days", "5")
        set_value(d, "entry-from", "2026-12-03")
        wait(d, lambda d: d.find_element(By.ID, "expression").text == "07:30 · every 5d · from 2026-12-03",
             "the expression beside the presets follows as the clerk types")
        check("--at 07:30 --every 5d --from 2026-12-03" in d.find_element(By.ID, "command").text, "with its command line")

        # The preview: the next market days at 07:30 in Shanghai, and the next 24 hours' change; nothing saved yet.
        d.find_element(By.ID, "preview").click()
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#next-times li"), "the preview appears")
        listed = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#next-times li")]
        check(listed == MARKET_DAYS, f"the preview lists every fifth day from 2026-12-03 at 07:30 ({listed})")
        rows = d.find_elements(By.CSS_SELECTOR, "#plan-diff tr[data-kind]")
        check(len(rows) == 1 and rows[0].get_attribute("data-kind") == "added"
              and all(w in rows[0].text for w in ["明天 07:30", "square", "集市街", "赶集日通知"]),
              f"the next 24 hours gain one broadcast ({[r.text for r in rows]})")
        check("新增 1 次" in d.find_element(By.ID, "plan-summary").text, "and the summary says so")
        check("op-00dead" not in d.find_element(By.ID, "preview-result").text, "the preview does not warn about other entries")
        check(d.find_element(By.ID, "expression").text == "07:30 · every 5d · from 2026-12-03", "the form keeps the clerk's values")
        check(not plays_market_day(), "the preview wrote nothing: laba next does not have it")
        d.execute_script("document.getElementById('preview-result').scrollIntoView()")
        d.save_screenshot(os.path.join(SHOTS, "schedule-preview-desktop.png"))

        # Save: the entry is in the operators' layer, and the real CLI sees it at once.
        d.find_element(By.ID, "save").click()
        wait(d, lambda d: "/schedule?" in d.current_url and "已添加 op-" in d.find_element(By.ID, "flash").text, "saved")
        entry = re.search(r"op-[0-9a-f]{6}", d.find_element(By.ID, "flash").text).group(0)
        mine = card(d, entry)
        check(mine.get_attribute("data-origin") == "operator" and mine.get_attribute("data-state") == "active"
              and "从 2026-12-03 起每 5 天 07:30" in mine.text and "li" in mine.find_element(By.CSS_SELECTOR, ".note").text,
              f"the new entry is listed in words, with who added it ({mine.text!r})")
        check(d.find_element(By.ID, "zone-market").find_elements(By.CSS_SELECTOR, f'[data-entry="{entry}"]'), "under its zone")
        upcoming = d.find_element(By.ID, "upcoming-square").text
        check("明天 07:30" in upcoming and "赶集日通知" in upcoming, "the next 24 hours on the page have it")
        nxt = laba("next", "--count", "5")
        check(nxt.returncode == 0 and re.search(r"2026-12-03T07:30:00\+08:00\s+square\s+market\s+market", nxt.stdout),
              f"laba next shows it ({nxt.stdout})")

        # Market moves to 08:00: the same form, filled with the entry; the preview shows the move.
        card(d, entry).find_element(By.LINK_TEXT, "修改").click()
        wait(d, lambda d: d.find_elements(By.ID, "entry-form") and entry in d.find_element(By.TAG_NAME, "h1").text,
             "the change form opens for the entry")
        check(d.find_element(By.ID, "preset-every").is_selected() and d.find_element(By.ID, "entry-days").get_attribute("value") == "5"
              and d.find_element(By.ID, "entry-from").get_attribute("value") == "2026-12-03",
              "filled with its preset and values")
        set_value(d, "entry-time", "08:00")
        d.find_element(By.ID, "preview").click()
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#next-times li"), "the change's preview appears")
        listed = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#next-times li")]
        check(listed == [t.replace("07:30", "08:00") for t in MARKET_DAYS], f"the preview lists the market days at 08:00 ({listed})")
        rows = d.find_elements(By.CSS_SELECTOR, "#plan-diff tr[data-kind]")
        check(len(rows) == 1 and rows[0].get_attribute("data-kind") == "moved" and "明天 07:30 → 明天 08:00" in rows[0].text,
              f"and one broadcast moved in the next 24 hours ({[r.text for r in rows]})")
        d.find_element(By.ID, "save").click()
        wait(d, lambda d: f"已修改 {entry}" in d.find_element(By.ID, "flash").text, "changed")
        nxt = laba("next", "--count", "5")
        check(re.search(r"2026-12-03T08:00:00\+08:00\s+square\s+market\s+market", nxt.stdout) and "07:30" not in nxt.stdout,
              f"laba next has it at 08:00 ({nxt.stdout})")

        # On a phone.
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})
        for page in ["/schedule", "/schedule/new", "/schedule/log"]:
            d.get(BASE + page)
            check(fits(d), f"{page} has no horizontal scrolling at 360 px")
        d.get(BASE + "/schedule/new")
        d.find_element(By.ID, "preset-every").click()
        d.execute_script("document.getElementById('when').scrollIntoView()")
        d.save_screenshot(os.path.join(SHOTS, "schedule-form-360.png"))
        d.get(BASE + "/schedule")
        d.save_screenshot(os.path.join(SHOTS, "schedule-360.png"))
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

        # Remove it again.
        d.get(BASE + "/schedule")
        card(d, entry).find_element(By.CSS_SELECTOR, 'button[name="remove"]').click()
        # Deleting asks first (issue 26): dismissed, nothing goes; accepted, it goes.
        wait(d, lambda d: "确定删除这条定时播出吗" in d.switch_to.alert.text, "deleting asks for a confirmation")
        d.switch_to.alert.dismiss()
        check(card(d, entry) is not None and "/schedule" in d.current_url, "dismissed, the entry stays")
        card(d, entry).find_element(By.CSS_SELECTOR, 'button[name="remove"]').click()
        wait(d, lambda d: d.switch_to.alert is not None, "asked again")
        d.switch_to.alert.accept()
        wait(d, lambda d: f"已删除 {entry}" in d.find_element(By.ID, "flash").text, "removed")
        check(not d.find_elements(By.CSS_SELECTOR, f'[data-entry="{entry}"]'), "it is gone from the page")
        check(not plays_market_day(), "and from laba next")

        # The audit log: both changes, by the console user, in the console and in laba schedule log.
        d.find_element(By.ID, "schedule-log").click()
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#changes tr[data-action]"), "the changes page opens")
        rows = d.find_elements(By.CSS_SELECTOR, "#changes tr[data-action]")
        check([r.get_attribute("data-action") for r in rows] == ["remove", "change", "add"],
              f"newest first: remove, change, add ({[r.text for r in rows]})")
        check(all(entry in r.text and r.find_element(By.CSS_SELECTOR, ".who").text.startswith("li") and "控制台" in r.text for r in rows),
              "each names the entry, the console user and the console")
        check("从 2026-12-03 起每 5 天 07:30" in rows[2].text and "集市街" in rows[2].text, "the addition shows what was added")
        check("从 2026-12-03 起每 5 天 07:30" in rows[1].text and "从 2026-12-03 起每 5 天 08:00" in rows[1].text,
              "the change shows before and after")
        d.save_screenshot(os.path.join(SHOTS, "schedule-log-desktop.png"))
        log = laba("schedule", "log")
        lines = [l for l in log.stdout.splitlines() if entry in l]
        check(len(lines) == 3 and all(" li " in f" {l} " for l in lines) and " add " in lines[0] and " change " in lines[1]
              and " remove " in lines[2], f"laba schedule log lists the three with the console user ({log.stdout})")
    finally:
        d.quit()


if __name__ == "__main__":
    try:
        guards()
        clerk()
    except AssertionError as e:
        print("FAILED:", e, flush=True)
        sys.exit(1)
