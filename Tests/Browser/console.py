#!/usr/bin/env python3
"""The web console in a real browser (headless Chromium driven by Selenium), as a clerk and as an
attacker would use it. Started by EndToEndTests/ConsoleTests.swift against a real labad:

    console.py BASE_URL CAPTURE_WAV SCREENSHOT_DIR FAKE_MIC_WAV

Accounts made by the Swift side: zhang (admin), li (viewer), wang (operator, to be locked out);
every password is "password-<name>". Prints one JSON line of figures; exits 1 on the first failure.
"""
import http.client
import json
import os
import re
import struct
import subprocess
import sys
import time
import urllib.parse
import zlib

os.environ.setdefault("SE_AVOID_STATS", "true")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

BASE, CAPTURE, SHOTS, MIC = sys.argv[1:5]
HOST = urllib.parse.urlparse(BASE)
figures = {}


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print("ok -", what, flush=True)


# MARK: Plain HTTP, for what a browser would not show

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


def sign_in(name, password):
    status, headers, _ = request("POST", "/login", urllib.parse.urlencode({"name": name, "password": password}))
    cookie = headers.get("set-cookie", "")
    return status, headers, cookie.split(";")[0] if cookie else None


def csrf_of(cookie):
    _, _, page = request("GET", "/", cookie=cookie)
    return re.search(rb'<meta name="csrf" content="([^"]+)"', page).group(1).decode()


def security():
    # Nothing but the login page (and its stylesheet) answers without a session.
    for path in ["/", "/broadcast", "/stop", "/schedule", "/record", "/record.csv", "/recordings", "/zones", "/accounts",
                 "/events", "/recordings/notice/naxi", "/no-such-page"]:
        status, headers, body = request("GET", path)
        check(status == 303 and headers.get("location") == "/login" and b"notice" not in body,
              f"GET {path} without a session goes to the login page ({status})")
    for method, path in [("POST", "/broadcast"), ("POST", "/stop"), ("PUT", "/recordings/x/naxi"), ("POST", "/zones/move"),
                         ("POST", "/accounts/add"), ("POST", "/language")]:
        status, _, _ = request(method, path, body="message=notice&all=true")
        check(status == 401, f"{method} {path} without a session is refused ({status})")
    status, _, body = request("GET", "/login")
    check(status == 200 and b'<meta charset="utf-8">' in body, "the login page answers")

    # The session cookie: HttpOnly, SameSite=Strict.
    status, headers, cookie = sign_in("li", "password-li")
    check(status == 303 and cookie, "the viewer signs in")
    flags = headers["set-cookie"]
    check("HttpOnly" in flags and "SameSite=Strict" in flags, f"the session cookie is HttpOnly and SameSite=Strict ({flags})")

    # A viewer sees but cannot broadcast.
    check(request("GET", "/record", cookie=cookie)[0] == 200, "the viewer sees the record")
    check(request("GET", "/broadcast", cookie=cookie)[0] == 403, "the viewer gets 403 on the broadcast page")
    token = csrf_of(cookie)
    status, _, _ = request("POST", "/broadcast", urllib.parse.urlencode({"csrf": token, "message": "notice", "all": "true"}), cookie=cookie)
    check(status == 403, f"a viewer's broadcast is refused ({status})")

    # A change without the CSRF token, or with another's, is refused.
    _, _, admin = sign_in("zhang", "password-zhang")
    status, _, _ = request("POST", "/broadcast", "message=notice&all=true", cookie=admin)
    check(status == 403, f"a POST without the CSRF token is refused ({status})")
    status, _, _ = request("POST", "/broadcast", urllib.parse.urlencode({"csrf": token, "message": "notice", "all": "true"}), cookie=admin)
    check(status == 403, "a POST with another session's CSRF token is refused")
    status, _, _ = request("POST", "/stop", urllib.parse.urlencode({"csrf": csrf_of(admin), "all": "true"}), cookie=admin,
                           headers={"Origin": "http://evil.example"})
    check(status == 403, "a POST from another origin is refused")

    # Static assets by exact name only.
    for path in ["/static/../../../etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd", "/static/%2e%2e/%2e%2e/etc/passwd",
                 "/static/console.css/../../../etc/passwd", "/static/.%2e/laba.yaml"]:
        status, _, body = request("GET", path)
        check(status != 200 and b"root:" not in body, f"path traversal {path} fails ({status})")
    check(request("GET", "/static/console.css")[0] == 200, "the stylesheet is served")

    # Twenty wrong passwords lock the account, for that address; the right one is then refused too.
    statuses = [sign_in("wang", f"wrong-{i}")[0] for i in range(20)]
    check(statuses[:19] == [401] * 19 and statuses[19] == 429, f"20 wrong passwords lock the account ({statuses[-3:]})")
    check(sign_in("wang", "password-wang")[0] == 429, "while locked, the right password is refused as well")
    check(sign_in("zhang", "password-zhang")[0] == 303, "another account still signs in from the same address")


# MARK: The browser

def browser(language="zh-CN"):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--lang={language}",
                "--window-size=1280,900", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={MIC}%noloop", "--autoplay-policy=no-user-gesture-required"]:
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)


def wait(driver, condition, what, timeout=20):
    def holds(d):
        # A page being replaced (a navigation, or an event re-rendering the live part) is not yet an answer.
        try:
            return condition(d)
        except Exception:
            return False
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.05).until(holds)
    except Exception:
        live = driver.execute_script("var l = document.getElementById('live'); return l ? l.innerText : ''")
        raise AssertionError(f"timed out: {what} (at {driver.current_url}, title {driver.title!r}; {live[:600]!r})")
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


def tones(path):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tones.py")
    out = subprocess.run([sys.executable, script, path], capture_output=True, text=True, check=True).stdout
    return [int(x) for x in out.split()]


def fits(driver):
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def clerk():
    os.makedirs(SHOTS, exist_ok=True)
    d = browser()
    try:
        d.get(BASE + "/")
        wait(d, lambda d: d.current_url.endswith("/login"), "the console asks to sign in")
        check(d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-Hans", "a Chinese browser gets the page in Chinese")
        d.find_element(By.NAME, "name").send_keys("zhang")
        d.find_element(By.NAME, "password").send_keys("password-zhang")
        d.find_element(By.ID, "login").click()
        wait(d, lambda d: sorted(e.get_attribute("id") for e in d.find_elements(By.CSS_SELECTOR, ".card.output"))
             == ["output-square", "output-van"], "signed in, the overview shows both outputs")
        check("概况" in d.title, f"the title is Chinese ({d.title})")

        # Page load on loopback: the navigation's own timing and bytes.
        d.get(BASE + "/")
        nav = d.execute_script("""
            const n = performance.getEntriesByType('navigation')[0];
            const r = performance.getEntriesByType('resource');
            return {ms: n.duration, html: n.transferSize, all: n.transferSize + r.reduce((a, e) => a + e.transferSize, 0)};""")
        figures["overview_load_ms"] = round(nav["ms"], 1)
        figures["overview_bytes_html"] = nav["html"]
        figures["overview_bytes_total"] = nav["all"]

        # A manual broadcast from the broadcast page, followed on the overview without reloading.
        d.get(BASE + "/broadcast")
        d.find_element(By.CSS_SELECTOR, '#message option[value="notice"]').click()
        d.find_element(By.ID, "zone-town").click()
        d.find_element(By.ID, "send").click()
        wait(d, lambda d: d.find_elements(By.ID, "flash"), "the broadcast is sent and the overview says so")
        marker = d.execute_script("window.__notReloaded = true; return true;")
        wait(d, lambda d: d.find_element(By.ID, "output-square").get_attribute("data-state") == "playing"
             and "正在播出: 防疫通知" in d.find_element(By.ID, "output-square").text,
             "the square output shows playing, and what (server-sent events)")
        wait(d, lambda d: d.find_element(By.ID, "output-square").get_attribute("data-state") == "idle"
             and d.find_elements(By.CSS_SELECTOR, '#recent tr[data-outcome="completed"]'),
             "then idle, and the broadcast completed, without a reload")
        check(marker and d.execute_script("return window.__notReloaded === true"), "the page was never reloaded")
        heard = tones(CAPTURE)
        check(heard == [300, 500, 900], f"the capture holds naxi, yi, mandarin in order ({heard})")

        # The record lists it with the console user; the CSV reads back.
        d.get(BASE + "/record")
        by = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#record td.by")]
        check("zhang" in by, f"the record lists the broadcast with the console user ({by})")
        cookie = "laba_session=" + d.get_cookie("laba_session")["value"]
        check(d.get_cookie("laba_session")["httpOnly"], "the browser holds the session cookie as HttpOnly")
        status, headers, body = request("GET", urllib.parse.urlparse(d.find_element(By.ID, "csv").get_attribute("href")).path
                                        + "?" + urllib.parse.urlparse(d.find_element(By.ID, "csv").get_attribute("href")).query,
                                        cookie=cookie)
        text = body.decode("utf-8")
        check(status == 200 and text.startswith("\ufeffid,source,") and "attachment" in headers.get("content-disposition", ""),
              "the CSV downloads, UTF-8 with a byte-order mark")
        rows = [r.split(",") for r in text.lstrip("\ufeff").strip().split("\r\n")]
        header = rows[0]
        mine = [r for r in rows[1:] if r[header.index("requested_user")] == "zhang"]
        check(len(mine) == 1 and mine[0][header.index("outcome")] == "completed"
              and mine[0][header.index("played_languages")] == "naxi yi mandarin", f"the CSV row reads back ({mine})")

        # English and back.
        d.find_element(By.ID, "switch-language").click()
        wait(d, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en" and "Record" in d.title,
             "switched to English")
        d.find_element(By.ID, "switch-language").click()
        wait(d, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-Hans" and "播出记录" in d.title,
             "and back to Chinese")

        # The emergency asks once more.
        d.get(BASE + "/broadcast")
        d.find_element(By.CSS_SELECTOR, '#message option[value="alarm"]').click()
        d.find_element(By.ID, "zone-town").click()
        d.find_element(By.ID, "priority-emergency").click()
        d.find_element(By.ID, "send").click()
        wait(d, lambda d: d.find_elements(By.ID, "confirm"), "an emergency needs a second, deliberate confirmation")
        d.get(BASE + "/")  # walk away: nothing was sent
        check(not d.find_elements(By.CSS_SELECTOR, '#recent tr td .state.queued'), "leaving the confirmation sends nothing")

        # Recording with the (fake) microphone: a new message in Mandarin.
        d.get(BASE + "/recordings")
        box = d.find_element(By.ID, "rec-message")
        box.clear()
        box.send_keys("mic-test")
        d.find_element(By.CSS_SELECTOR, '#rec-language option[value="mandarin"]').click()
        d.find_element(By.ID, "rec-start").click()
        wait(d, lambda d: not d.find_element(By.ID, "rec-stop").get_property("disabled"), "the microphone records")
        time.sleep(1.5)  # the length of the recording itself
        d.find_element(By.ID, "rec-stop").click()
        wait(d, lambda d: not d.find_element(By.ID, "rec-save").get_property("disabled"), "recorded, ready to save")
        d.find_element(By.ID, "rec-save").click()
        wait(d, lambda d: "LUFS" in d.find_element(By.ID, "rec-status").text, "saved, trimmed and measured", timeout=30)
        print("   ", d.find_element(By.ID, "rec-status").text)
        d.get(BASE + "/recordings")
        check(d.find_elements(By.CSS_SELECTOR, "#cell-mic-test-mandarin a.play"), "the coverage matrix has a player for it")
        d.find_element(By.CSS_SELECTOR, "#cell-mic-test-mandarin a.play").click()
        wait(d, lambda d: d.execute_script("return document.querySelector('#cell-mic-test-mandarin a.play').classList.contains('on')"),
             "its player plays it")
        d.get(BASE + "/broadcast")
        d.find_element(By.CSS_SELECTOR, '#message option[value="mic-test"]').click()
        d.find_element(By.ID, "zone-town").click()
        d.find_element(By.ID, "send").click()
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, '#recent tr[data-outcome="completed"]') and
             "mic-test" in d.find_element(By.CSS_SELECTOR, "#recent tr:nth-child(2)").text
             and d.find_element(By.CSS_SELECTOR, "#recent tr:nth-child(2)").get_attribute("data-outcome") == "completed",
             "the recorded message is broadcast and completes")
        # Chrome's Web Audio follows the fake microphone's clock with a varying resampler: on a
        # loaded machine the 700 Hz file was once captured as 760 Hz. What is asserted is that the
        # broadcast plays what was saved, and that what was saved is the microphone's tone.
        saved = tones(os.path.join(os.path.dirname(CAPTURE), "audio", "mic-test", "mandarin.wav"))
        heard = tones(CAPTURE)
        check(len(saved) == 1 and 600 <= saved[0] <= 800, f"the saved recording holds the microphone's 700 Hz tone ({saved})")
        check(heard == saved, f"broadcasting it plays the saved recording's tone ({heard}, saved {saved})")

        # Screenshots, and a phone's width.
        d.get(BASE + "/")
        d.save_screenshot(os.path.join(SHOTS, "overview-desktop.png"))
        d.get(BASE + "/broadcast")
        d.save_screenshot(os.path.join(SHOTS, "broadcast-desktop.png"))
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})
        for page in ["/", "/broadcast"]:
            d.get(BASE + page)
            check(fits(d), f"{page} has no horizontal scrolling at 360 px")
        d.get(BASE + "/")
        d.save_screenshot(os.path.join(SHOTS, "overview-360.png"))
        d.get(BASE + "/broadcast")
        d.save_screenshot(os.path.join(SHOTS, "broadcast-360.png"))
        for name in ["overview-desktop.png", "overview-360.png", "broadcast-desktop.png"]:
            png_not_blank(os.path.join(SHOTS, name))
    finally:
        d.quit()


def actions():
    """What an operator does besides broadcasting, by plain HTTP (after the browser's part)."""
    _, _, cookie = sign_in("zhang", "password-zhang")
    token = csrf_of(cookie)
    status, _, body = request("PUT", "/recordings/notice/naxi", body=b"not a recording at all", cookie=cookie,
                              headers={"X-CSRF-Token": token, "Content-Type": "audio/wav"})
    check(status == 422 and "不是可用的录音" in body.decode(), f"an upload that is not audio is refused ({status} {body.decode()})")
    status, _, body = request("PUT", "/recordings/%20/naxi", body=b"x", cookie=cookie,
                              headers={"X-CSRF-Token": token, "Content-Type": "audio/wav"})
    check(status == 400, f"a title that is only blank is refused ({status})")
    status, _, body = request("GET", "/recordings/notice/naxi", cookie=cookie)
    check(status == 200 and body[:4] == b"RIFF", "the naxi recording is still the one it was, and plays in its cell")
    status, headers, _ = request("POST", "/zones/move", urllib.parse.urlencode({"csrf": token, "output": "van", "zone": "town"}),
                                 cookie=cookie)
    check(status == 303, f"the van moves to town ({status})")
    _, _, page = request("GET", "/zones", cookie=cookie)
    check(re.search(rb'id="move-van">.*?<option value="town" selected>', page, re.S) is not None, "the zones page shows the van in town")
    status, headers, _ = request("POST", "/stop", urllib.parse.urlencode({"csrf": token, "zone": "town", "clear": "true"}), cookie=cookie)
    check(status == 303 and headers.get("location") == "/?stopped=2", f"stop reaches both outputs now in town ({headers.get('location')})")
    _, _, page = request("GET", "/schedule", cookie=cookie)
    check("播出计划".encode() in page and b"square" in page, "the schedule page lists the outputs")
    status, _, page = request("GET", "/accounts", cookie=cookie)
    check(status == 200 and b"wang" in page, "an admin sees the accounts")


if __name__ == "__main__":
    started = time.time()
    try:
        security()
        clerk()
        actions()
    except AssertionError as e:
        print("FAILED:", e, flush=True)
        sys.exit(1)
    figures["seconds"] = round(time.time() - started, 1)
    print(json.dumps(figures))
