#!/usr/bin/env python3
"""The clerk's tools in a real browser (headless Chromium driven by Selenium): passwords changed
and reset from the console, a loudspeaker's volume within its range, one-tap buttons (the
emergency's confirmation kept), and the pictures of the operator's guide. Started by
EndToEndTests/ConsoleToolsTests.swift against a real labad:

    tools.py BASE_URL CAPTURE_DIR

Accounts made by the Swift side: zhang (admin), li (operator), zhao (viewer); every password is
"password-<name>". With LABA_DOC_SCREENSHOTS=DIR (`make doc-screenshots`), the pages the operator's
guide shows are saved there as PNGs; without it nothing is written outside the test's folder.
Exits 1 on the first failure.
"""
import http.client
import math
import os
import subprocess
import sys
import urllib.parse

os.environ.setdefault("SE_AVOID_STATS", "true")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

BASE, CAPTURES = sys.argv[1:3]
HOST = urllib.parse.urlparse(BASE)
DOCS = os.environ.get("LABA_DOC_SCREENSHOTS")


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print("ok -", what, flush=True)


def sign_in_status(name, password):
    conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=20)
    conn.request("POST", "/login", body=urllib.parse.urlencode({"name": name, "password": password}),
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    r.read()
    conn.close()
    return r.status


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN",
                "--window-size=1100,900", "--hide-scrollbars"]:
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
        raise AssertionError(f"timed out: {what} (at {driver.current_url}, title {driver.title!r})")
    print("ok -", what, flush=True)


def sign_in(d, name, password):
    d.delete_all_cookies()
    d.get(BASE + "/login")
    d.find_element(By.NAME, "name").send_keys(name)
    d.find_element(By.NAME, "password").send_keys(password)
    d.find_element(By.ID, "login").click()
    wait(d, lambda d: not d.current_url.endswith("/login"), f"{name} signs in")


def picture(d, name):
    """One of the guide's pictures: the whole page, as tall as it is (only with LABA_DOC_SCREENSHOTS)."""
    if not DOCS:
        return
    os.makedirs(DOCS, exist_ok=True)
    height = d.execute_script("return document.documentElement.scrollHeight")
    d.set_window_size(1100, min(max(height + 20, 500), 2400))
    d.save_screenshot(os.path.join(DOCS, name + ".png"))
    d.set_window_size(1100, 900)
    print("   picture", name, flush=True)


def passwords(d):
    # One's own: the current password first, the new one twice.
    sign_in(d, "li", "password-li")
    d.find_element(By.ID, "change-password").click()
    wait(d, lambda d: d.current_url.endswith("/password") and d.find_elements(By.ID, "password-form"), "the header leads to 修改密码")
    picture(d, "password")

    def submit(old, new, again):
        d.find_element(By.ID, "old-password").send_keys(old)
        d.find_element(By.ID, "new-password").send_keys(new)
        d.find_element(By.ID, "new-password-again").send_keys(again)
        d.find_element(By.ID, "change").click()

    submit("password-wrong", "new-password-li", "new-password-li")
    wait(d, lambda d: "当前密码不对" in d.find_element(By.ID, "error").text, "a wrong current password is refused, in Chinese")
    submit("password-li", "new-password-li", "new-password-lx")
    wait(d, lambda d: "不一样" in d.find_element(By.ID, "error").text, "two different new passwords are refused")
    # The browser's own check (minlength) taken away: the console's is what refuses.
    d.execute_script("document.querySelectorAll('input[minlength]').forEach(e => e.removeAttribute('minlength'))")
    submit("password-li", "short", "short")
    wait(d, lambda d: "8" in d.find_element(By.ID, "error").text, "a password under 8 characters is refused")
    check(sign_in_status("li", "password-li") == 303, "after the refusals the old password still works")
    sign_in(d, "li", "password-li")
    d.get(BASE + "/password")
    submit("password-li", "new-password-li", "new-password-li")
    wait(d, lambda d: d.current_url.endswith("/login?changed=1") and "请用新密码登录" in d.find_element(By.ID, "flash").text,
         "changed: signed out, asked to sign in with the new one")
    d.get(BASE + "/")
    wait(d, lambda d: "/login" in d.current_url, "the session that changed it has ended")
    check(sign_in_status("li", "password-li") == 401, "the old password no longer works")
    check(sign_in_status("li", "new-password-li") == 303, "the new one does")

    # An admin resets another account's password (a clerk who forgot hers).
    sign_in(d, "zhao", "password-zhao")
    zhao = d.get_cookie("laba_session")["value"]
    sign_in(d, "zhang", "password-zhang")
    d.get(BASE + "/accounts")
    row = [r for r in d.find_elements(By.CSS_SELECTOR, "table tr") if r.find_elements(By.TAG_NAME, "td")
           and r.find_elements(By.TAG_NAME, "td")[0].text == "zhao"][0]
    row.find_element(By.CSS_SELECTOR, "details.reset-password summary").click()
    row.find_element(By.CSS_SELECTOR, "details.reset-password input[name=password]").send_keys("reset-password-zhao")
    picture(d, "accounts")
    row.find_element(By.CSS_SELECTOR, "details.reset-password button").click()
    wait(d, lambda d: "zhao" in d.find_element(By.ID, "flash").text, "the admin's reset is confirmed")
    check(sign_in_status("zhao", "password-zhao") == 401, "after the reset the old password no longer works")
    check(sign_in_status("zhao", "reset-password-zhao") == 303, "the reset one does")
    conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=20)
    conn.request("GET", "/record", headers={"Cookie": "laba_session=" + zhao})
    r = conn.getresponse()
    r.read()
    check(r.status == 303, "the reset ended the account's sessions")
    # Not an admin: no reset.
    sign_in(d, "li", "new-password-li")
    cookie = "laba_session=" + d.get_cookie("laba_session")["value"]
    csrf = d.find_element(By.CSS_SELECTOR, 'meta[name="csrf"]').get_attribute("content")
    conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=20)
    conn.request("POST", "/accounts/password", body=urllib.parse.urlencode({"csrf": csrf, "name": "zhang", "password": "taken-over!"}),
                 headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    r.read()
    check(r.status == 403 and sign_in_status("zhang", "password-zhang") == 303, "an operator cannot reset another's password")


def rms(path):
    """The RMS amplitude of a capture, by sox."""
    out = subprocess.run(["sox", path, "-n", "stat"], capture_output=True, text=True).stderr
    return float([line for line in out.splitlines() if line.startswith("RMS     amplitude")][0].split(":")[1])


def broadcast_and_wait(d, completed):
    d.get(BASE + "/broadcast")
    d.find_element(By.CSS_SELECTOR, '#message option[value="notice"]').click()
    d.find_element(By.ID, "zone-town").click()
    d.find_element(By.ID, "send").click()
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, '#recent tr[data-outcome="completed"]')) >= completed,
         f"broadcast {completed} completed")


def volume(d):
    """An operator turns the square's loudspeaker down, within the technician's range."""
    sign_in(d, "li", "new-password-li")
    capture = os.path.join(CAPTURES, "laba_square.wav")
    broadcast_and_wait(d, 1)
    before = rms(capture)
    d.get(BASE + "/zones")
    check(d.find_element(By.ID, "volume-now-square").text == "音量：0 dB", "the zones page shows the volume")
    box = d.find_element(By.ID, "volume-square")
    check((box.get_attribute("min"), box.get_attribute("max")) == ("-12", "0"), "the form offers the default range, -12 to 0 dB")
    # Outside the range, the browser's own check taken away: the console refuses with the range.
    for value in ["-13", "1"]:
        d.get(BASE + "/zones")
        d.execute_script("document.getElementById('volume-square').removeAttribute('min');"
                         "document.getElementById('volume-square').removeAttribute('max')")
        box = d.find_element(By.ID, "volume-square")
        box.clear()
        box.send_keys(value)
        d.find_element(By.ID, "volume-button-square").click()
        wait(d, lambda d: "-12 dB 到 0 dB" in d.find_element(By.TAG_NAME, "body").text,
             f"{value} dB is refused, naming the range")
    d.get(BASE + "/zones")
    check(d.find_element(By.ID, "volume-now-square").text == "音量：0 dB", "nothing changed")
    box = d.find_element(By.ID, "volume-square")
    box.clear()
    box.send_keys("-12")
    d.find_element(By.ID, "volume-button-square").click()
    wait(d, lambda d: "-12 dB" in d.find_element(By.ID, "flash").text and
         d.find_element(By.ID, "volume-now-square").text == "音量：-12 dB", "set to -12 dB")
    picture(d, "zones")
    d.get(BASE + "/")
    wait(d, lambda d: "音量：-12 dB" in d.find_element(By.ID, "output-square").text, "the overview shows it")
    broadcast_and_wait(d, 2)
    after = rms(capture)
    drop = 20 * math.log10(before / after)
    check(abs(drop - 12) < 0.5, f"the next broadcast plays 12 dB lower ({drop:.2f} dB)")


def completed(d):
    return len(d.find_elements(By.CSS_SELECTOR, '#recent tr[data-outcome="completed"]'))


def buttons(d):
    """An admin sets up one-tap buttons; an operator presses them on the overview."""
    sign_in(d, "zhang", "password-zhang")
    d.get(BASE + "/buttons")
    # Words first: the browser's own check taken away, the console's refuses a button without them.
    d.execute_script("document.getElementById('button-title').removeAttribute('required')")
    d.find_element(By.CSS_SELECTOR, '#message option[value="alarm"]').click()
    d.find_element(By.ID, "zone-all").click()
    d.find_element(By.ID, "add-button").click()
    wait(d, lambda d: "请填写按钮上的字" in d.find_element(By.ID, "error").text, "a button needs its words")
    for title, message, zone, emergency in [("紧急疏散 → 全部喇叭", "alarm", "all", True), ("防疫通知 → 祥和街道", "notice", "town", False)]:
        d.get(BASE + "/buttons")
        d.find_element(By.ID, "button-title").send_keys(title)
        d.find_element(By.CSS_SELECTOR, f'#message option[value="{message}"]').click()
        d.find_element(By.ID, "zone-" + zone).click()
        if emergency:
            d.find_element(By.ID, "priority-emergency").click()
        d.find_element(By.ID, "add-button").click()
        wait(d, lambda d: title in d.find_element(By.ID, "flash").text and title in d.find_element(By.ID, "buttons").text,
             f"the admin adds '{title}'")
    picture(d, "buttons")
    rows = d.find_elements(By.CSS_SELECTOR, "#buttons tr[data-button]")
    check([r.find_elements(By.TAG_NAME, "td")[1].text for r in rows] == ["火警 · 全部区域 · 紧急插播", "防疫通知 · 古城区祥和街道 · 日常插播"],
          f"each says what it broadcasts ({[r.text for r in rows]})")

    # A viewer sees none; an operator sees both on the overview.
    sign_in(d, "zhao", "reset-password-zhao")
    d.get(BASE + "/")
    check(not d.find_elements(By.ID, "one-tap"), "a viewer has no buttons")
    sign_in(d, "li", "new-password-li")
    d.get(BASE + "/")
    taps = d.find_elements(By.CSS_SELECTOR, "#one-tap button")
    check([b.text for b in taps] == ["紧急疏散 → 全部喇叭", "防疫通知 → 祥和街道"], f"the operator's overview has both ({[b.text for b in taps]})")
    picture(d, "overview")
    before = completed(d)
    taps[1].click()
    wait(d, lambda d: d.find_elements(By.ID, "flash") and completed(d) == before + 1, "one press of a routine button broadcasts at once")
    check(tones(os.path.join(CAPTURES, "laba_square.wav")) == [300, 500, 900], "its message plays on the square")

    # The emergency's: one press brings the confirmation, nothing more.
    d.find_element(By.CSS_SELECTOR, "#one-tap button.emergency").click()
    wait(d, lambda d: d.find_elements(By.ID, "confirm"), "the emergency button still asks for its confirmation")
    picture(d, "confirm")
    d.get(BASE + "/")
    check(completed(d) == before + 1, "leaving the confirmation sends nothing")
    d.find_element(By.CSS_SELECTOR, "#one-tap button.emergency").click()
    wait(d, lambda d: d.find_elements(By.ID, "confirm"), "asked again")
    d.find_element(By.ID, "confirm").click()
    wait(d, lambda d: completed(d) == before + 2, "confirmed, it broadcasts")
    check(tones(os.path.join(CAPTURES, "laba_square.wav")) == [1200], "the alarm plays on the square")

    # Removed by the admin, gone from the overview.
    sign_in(d, "zhang", "password-zhang")
    d.get(BASE + "/buttons")
    d.execute_script("window.confirm = () => true")  # the page asks "删除这个按钮？": yes
    d.find_element(By.CSS_SELECTOR, "#buttons tr[data-button] button.stop").click()
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#buttons tr[data-button]")) == 1, "the admin removes one")
    d.get(BASE + "/")
    check([b.text for b in d.find_elements(By.CSS_SELECTOR, "#one-tap button")] == ["防疫通知 → 祥和街道"], "it is gone from the overview")


def tones(path):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tones.py")
    out = subprocess.run([sys.executable, script, path], capture_output=True, text=True, check=True).stdout
    return [int(x) for x in out.split()]


def guide_pictures(d):
    """The pages of the operator's guide (操作手册), as a clerk of the township sees them."""
    if not DOCS:
        return
    sign_in(d, "zhang", "password-zhang")
    for path, name in [("/broadcast", "broadcast"), ("/stop", "stop"), ("/talk", "talk"),
                       ("/schedule", "schedule"), ("/schedule/new", "schedule-new"), ("/record", "record"),
                       ("/recordings", "recordings")]:
        d.get(BASE + path)
        picture(d, name)


def main():
    d = browser()
    try:
        passwords(d)
        volume(d)
        buttons(d)
        guide_pictures(d)
    finally:
        d.quit()


main()
