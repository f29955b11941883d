#!/usr/bin/env python3
"""The county clerk's part of issue 22's acceptance (EndToEndTests/FrontDoorTests.swift): the
console of a commander, in headless Chromium driven by Selenium, sending to a zone that only a
unit of the fleet serves.

    frontdoor.py BASE_URL SCREENSHOT_DIR broadcast ZONE MESSAGE [loop]
    frontdoor.py BASE_URL SCREENSHOT_DIR stop ZONE

Signs in as clerk (operator, password "password-clerk"), fills the Broadcast page (MESSAGE for
ZONE, manual priority, looping when asked) or the Stop page (ZONE), presses its button, and waits
for the overview the console answers with. Prints "ok - ..." lines and one JSON line with the
answer; exits 1 when the page refuses (its error is printed) or does not answer.
"""
import json
import os
import sys
import time

os.environ.setdefault("SE_AVOID_STATS", "true")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

BASE, SHOTS, ACTION = sys.argv[1:4]
ARGS = sys.argv[4:]
# A loaded two-core machine: every wait is generous, none is a sleep.
TIMEOUT = 60


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=en",
                "--window-size=1280,900"]:
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en"})
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)


def wait(driver, condition, what, timeout=TIMEOUT):
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


def text(driver, element_id):
    found = driver.find_elements(By.ID, element_id)
    return found[0].text if found else None


def answered(driver, page):
    """The console's answer to a form: the overview (a redirect) or the same page with its error."""
    def done(d):
        return text(d, "error") is not None or (not d.current_url.split("?")[0].endswith(page) and text(d, "flash") is not None)
    wait(driver, done, f"the console answers the {page} form")
    error = text(driver, "error")
    shot = os.path.join(SHOTS, f"frontdoor-{ACTION}.png")
    driver.save_screenshot(shot)
    if error is not None:
        raise AssertionError(f"the {page} page refused: {error!r} (at {driver.current_url}; screenshot {shot})")
    return {"url": driver.current_url, "flash": text(driver, "flash")}


def sign_in(d):
    d.get(BASE + "/")
    wait(d, lambda d: d.current_url.endswith("/login"), "the console asks to sign in")
    d.find_element(By.NAME, "name").send_keys("clerk")
    d.find_element(By.NAME, "password").send_keys("password-clerk")
    d.find_element(By.ID, "login").click()
    wait(d, lambda d: not d.current_url.endswith("/login") and d.find_elements(By.TAG_NAME, "nav"), "the clerk is signed in")


def broadcast(d, zone, message, loop):
    d.get(BASE + "/broadcast")
    wait(d, lambda d: d.find_elements(By.ID, "send"), "the broadcast page")
    d.find_element(By.CSS_SELECTOR, f'#message option[value="{message}"]').click()
    d.find_element(By.ID, f"zone-{zone}").click()
    if loop:
        d.find_element(By.CSS_SELECTOR, 'input[name="loop"]').click()
    d.find_element(By.ID, "send").click()
    return answered(d, "/broadcast")


def stop(d, zone):
    d.get(BASE + "/stop")
    wait(d, lambda d: d.find_elements(By.ID, "stop"), "the stop page")
    d.find_element(By.CSS_SELECTOR, f'input[name="zone"][value="{zone}"]').click()
    d.find_element(By.ID, "stop").click()
    return answered(d, "/stop")


if __name__ == "__main__":
    os.makedirs(SHOTS, exist_ok=True)
    started = time.time()
    driver = None
    try:
        driver = browser()
        sign_in(driver)
        if ACTION == "broadcast":
            answer = broadcast(driver, ARGS[0], ARGS[1], len(ARGS) > 2 and ARGS[2] == "loop")
        elif ACTION == "stop":
            answer = stop(driver, ARGS[0])
        else:
            raise SystemExit(__doc__)
        print("ok -", f"the console answered: {answer['flash']!r}", flush=True)
        answer["seconds"] = round(time.time() - started, 1)
        print(json.dumps(answer, ensure_ascii=False))
    except AssertionError as e:
        print("FAILED:", e, flush=True)
        sys.exit(1)
    finally:
        if driver:
            driver.quit()
