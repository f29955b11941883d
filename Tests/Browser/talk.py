#!/usr/bin/env python3
"""The console's talk button in a real browser (headless Chromium with a fake microphone playing a
tone file), against a real labad. Started by EndToEndTests/ConsoleTalkTests.swift:

    talk.py BASE_URL OUTPUT_CAPTURE_WAV FAKE_MIC_WAV SCREENSHOT_DIR LABAD_PID

Accounts made by the Swift side: chen (operator), li (viewer); every password is "password-<name>".
The microphone file is silence, then a tone. Measures how long the tone's first loud block takes
from leaving the browser to appearing in the output's `file` capture (which trails the write to
ALSA by the output's buffer, see Capture), and from the press to "on air". Prints one JSON line of figures; exits 1 on the first failure.
"""
import http.client
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse

os.environ.setdefault("SE_AVOID_STATS", "true")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawconsole import Console, read_frame, read_text, send_binary, send_text  # noqa: E402

BASE, CAPTURE, MIC, SHOTS, LABAD = sys.argv[1:6]
HOST = urllib.parse.urlparse(BASE)
figures = {}


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print("ok -", what, flush=True)


CONSOLE = Console(BASE)


def sign_in(name):
    return CONSOLE.sign_in(name)


def upgrade(cookie, origin):
    return CONSOLE.upgrade(cookie, origin)


def square_state(cookie):
    conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=20)
    conn.request("GET", "/", headers={"Cookie": cookie})
    page = conn.getresponse().read().decode()
    conn.close()
    found = re.search(r'id="output-square" data-state="(\w+)"', page)
    return found.group(1) if found else None


def wait_idle(cookie, what):
    """Until the square's output is idle again: a talk's record ends once the output has drained
    what it holds (on a sound server, its whole buffer)."""
    deadline = time.time() + 20
    while square_state(cookie) != "idle":
        if time.time() > deadline:
            raise AssertionError(f"timed out: {what} (the square is {square_state(cookie)})")
        time.sleep(0.05)
    print("ok -", what, flush=True)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=en",
                "--window-size=1000,900", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={MIC}%noloop", "--autoplay-policy=no-user-gesture-required"]:
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en"})
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)


def wait(driver, condition, what, timeout=20):
    def holds(d):
        try:
            return condition(d)
        except Exception:  # noqa: BLE001 - an element not there yet
            return False
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.05).until(holds)
    except Exception:
        raise AssertionError(f"timed out: {what}\n{driver.find_element(By.TAG_NAME, 'main').text}")
    print("ok -", what, flush=True)


class Capture:
    """The output's `file` capture, polled every 5 ms as it grows: the wall time its first loud
    sample appeared. The plugin writes a sample once a whole buffer of the output (500 ms, PCMOutput's
    buffer) has been written after it, so this trails the write to ALSA by that buffer."""

    def __init__(self, path):
        self.path, self.heard, self.done = path, None, False
        self.thread = threading.Thread(target=self.poll, daemon=True)
        self.thread.start()

    def poll(self):
        offset = None
        while not self.done and self.heard is None:
            try:
                with open(self.path, "rb") as f:
                    if offset is None:
                        head = f.read(44)
                        if len(head) < 44 or head[:4] != b"RIFF":
                            raise FileNotFoundError
                        channels, offset = struct.unpack("<H", head[22:24])[0], 44
                    f.seek(offset)
                    data = f.read()
                now = time.time()
                usable = len(data) // (2 * channels) * 2 * channels
                offset += usable
                if any(abs(v) > 8000 for v in struct.unpack(f"<{usable // 2}h", data[:usable])):
                    self.heard = now
            except FileNotFoundError:
                pass
            time.sleep(0.005)

    def wait(self, timeout):
        deadline = time.time() + timeout
        while self.heard is None and time.time() < deadline:
            time.sleep(0.01)
        self.done = True
        return self.heard


def main():
    # What is refused: a viewer's page and socket, a socket from another origin, one without CSRF.
    viewer = sign_in("li")
    conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=20)
    conn.request("GET", "/talk", headers={"Cookie": viewer})
    r = conn.getresponse()
    r.read()
    check(r.status == 403, f"a viewer may not open the talk page ({r.status})")
    status, _ = upgrade(viewer, BASE)
    check(status != 101, f"a viewer's WebSocket is not upgraded ({status})")
    clerk = sign_in("chen")
    status, _ = upgrade(None, BASE)
    check(status != 101, f"no session, no WebSocket ({status})")
    status, _ = upgrade(clerk, "http://evil.example")
    check(status != 101, f"a socket opened from another site is not upgraded ({status})")
    status, _ = upgrade(clerk, None)
    check(status != 101, f"a socket without Origin is not upgraded ({status})")
    status, s = upgrade(clerk, BASE)
    check(status == 101, "the clerk's own page may open the socket")
    send_text(s, json.dumps({"csrf": "forged", "zones": ["town"]}))
    opcode, text = read_text(s)
    check(opcode == 1 and '"refused"' in text, f"a talk without the session's CSRF token is refused ({text})")
    s.close()

    d = browser()
    try:
        d.get(BASE + "/login")
        d.find_element(By.NAME, "name").send_keys("chen")
        d.find_element(By.NAME, "password").send_keys("password-chen")
        d.find_element(By.ID, "login").click()
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, 'nav a[href="/talk"]'), "the clerk's navigation has Talk")
        d.get(BASE + "/talk")
        button = d.find_element(By.ID, "talk")
        check(button.text == "Press to talk", f"the button says what it does ({button.text})")
        # No zone: the page says so, nothing is opened.
        button.click()
        wait(d, lambda d: "Choose at least one zone" in d.find_element(By.ID, "talk-status").text or
             d.find_element(By.ID, "talk-status").get_attribute("class") == "error", "no zone chosen: said, nothing started")
        d.find_element(By.ID, "zone-town").click()

        capture = Capture(CAPTURE)
        pressed = time.time()
        button.click()
        wait(d, lambda d: d.find_element(By.ID, "talk-status").get_attribute("class") == "flash", "the talk is on air")
        on_air = time.time()
        status_text = d.find_element(By.ID, "talk-status").text
        check("square" in status_text, f"it names the loudspeaker ({status_text})")
        check(d.find_element(By.ID, "talk").text == "Press to stop", "the button now stops")

        written_at = capture.wait(timeout=15)
        check(written_at is not None, "the tone is in the output's capture file")
        wait(d, lambda d: d.find_element(By.ID, "talk-form").get_attribute("data-loud-sent-at"),
             "the browser noted when the tone's first block left")
        sent_at = int(d.find_element(By.ID, "talk-form").get_attribute("data-loud-sent-at")) / 1000
        figures["press_to_on_air_ms"] = round((on_air - pressed) * 1000)
        figures["browser_to_capture_file_ms"] = round((written_at - sent_at) * 1000)
        wait(d, lambda d: float(d.find_element(By.ID, "talk-level").get_attribute("value")) > 0.2,
             "the level meter moves with the tone")
        wait(d, lambda d: d.find_element(By.ID, "talk-time").text not in ("", "0:00"), "the elapsed time counts")
        os.makedirs(SHOTS, exist_ok=True)
        d.save_screenshot(os.path.join(SHOTS, "talk.png"))

        stopped = time.time()
        d.find_element(By.ID, "talk").click()
        wait(d, lambda d: d.find_element(By.ID, "talk-form").get_attribute("data-ended"), "the talk ended")
        figures["press_to_ended_ms"] = round((time.time() - stopped) * 1000)
        reason = d.find_element(By.ID, "talk-form").get_attribute("data-ended")
        check(reason == "stopped from the console by chen", f"the reason is the daemon's ({reason})")
        shown = d.find_element(By.ID, "talk-status").text
        check("The talk ended after" in shown and reason in shown, f"the page says how it ended ({shown})")
        check(d.find_element(By.ID, "talk").text == "Press to talk", "the button may start another talk")

        wait_idle(clerk, "the square has played out the talk and is idle")

        # A second talk, left by going to another page: the socket closes, the talk ends.
        d.find_element(By.ID, "talk").click()
        wait(d, lambda d: d.find_element(By.ID, "talk-status").get_attribute("class") == "flash"
             and not d.find_element(By.ID, "talk-form").get_attribute("data-ended"), "a second talk is on air")
        d.get(BASE + "/")
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, ".card.output"), "the clerk left the talk page")

        wait_idle(clerk, "the square is idle again")

        # An emergency talk asks once more: dismissed, nothing starts; accepted, it goes on air.
        d.get(BASE + "/talk")
        d.find_element(By.ID, "zone-town").click()
        d.find_element(By.ID, "priority-emergency").click()
        d.find_element(By.ID, "talk").click()
        alert = d.switch_to.alert
        check("emergency" in alert.text.lower(), f"the browser asks before an emergency talk ({alert.text})")
        alert.dismiss()
        check(d.find_element(By.ID, "talk").text == "Press to talk" and not d.find_element(By.ID, "talk-status").text,
              "dismissed: nothing started")
        d.find_element(By.ID, "talk").click()
        d.switch_to.alert.accept()
        wait(d, lambda d: d.find_element(By.ID, "talk-status").get_attribute("class") == "flash", "the emergency talk is on air")
        d.find_element(By.ID, "talk").click()
        wait(d, lambda d: d.find_element(By.ID, "talk-form").get_attribute("data-ended"), "the emergency talk ended")

        # While a broadcast of the same priority plays, a talk waits and says so, then joins.
        wait_idle(clerk, "the square is idle before the notice")
        conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=20)
        conn.request("GET", "/broadcast", headers={"Cookie": clerk})
        token = re.search(rb'<meta name="csrf" content="([^"]+)"', conn.getresponse().read()).group(1).decode()
        conn.request("POST", "/broadcast", body=urllib.parse.urlencode({"csrf": token, "message": "notice", "zone": "town"}),
                     headers={"Cookie": clerk, "Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        r.read()
        conn.close()
        check(r.status == 303, f"a manual broadcast of the notice is sent ({r.status})")
        deadline = time.time() + 10
        while square_state(clerk) != "playing" and time.time() < deadline:
            time.sleep(0.02)
        check(square_state(clerk) == "playing", "the notice plays on the square")
        d.get(BASE + "/talk")
        d.find_element(By.ID, "zone-town").click()
        d.find_element(By.ID, "talk").click()
        wait(d, lambda d: d.find_element(By.ID, "talk-status").get_attribute("class") == "waiting",
             "the talk waits behind the notice, and says so")
        shown = d.find_element(By.ID, "talk-status").text
        check("Waiting on square" in shown, f"it says where it waits ({shown})")
        wait(d, lambda d: d.find_element(By.ID, "talk-status").get_attribute("class") == "flash", "the notice over, the talk is on air")
        d.find_element(By.ID, "talk").click()
        wait(d, lambda d: d.find_element(By.ID, "talk-form").get_attribute("data-ended"), "the waiting talk ended")

        # On a phone: the page fits 360 px, the button stays in reach.
        d.set_window_size(360, 800)
        d.get(BASE + "/talk")
        width = d.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        check(width[0] <= width[1], f"the talk page does not scroll sideways at 360 px ({width})")
        d.save_screenshot(os.path.join(SHOTS, "talk-360.png"))

        # The worklet's resampling, for a browser whose audio runs at 44.1 kHz: one second of a 700 Hz
        # oscillator rendered offline at 44,100 Hz comes out as 48,000 samples of 700 Hz.
        out = d.execute_async_script("""
            var done = arguments[arguments.length - 1];
            var context = new OfflineAudioContext(1, 44100, 44100), blocks = [];
            context.audioWorklet.addModule("/static/talk-worklet.js").then(function () {
              var node = new AudioWorkletNode(context, "laba-talk", { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
              node.port.onmessage = function (e) { blocks.push(new Int16Array(e.data)); };
              var tone = context.createOscillator();
              tone.frequency.value = 700;
              tone.connect(node); node.connect(context.destination); tone.start();
              return context.startRendering();
            }).then(function () {
              setTimeout(function () {
                var n = 0, crossings = 0, previous = 0, peak = 0;
                blocks.forEach(function (b) {
                  b.forEach(function (v) { if (n > 0 && (previous < 0) !== (v < 0)) crossings++; previous = v; n++; peak = Math.max(peak, Math.abs(v)); });
                });
                done({ samples: n, crossings: crossings, peak: peak, size: blocks.length ? blocks[0].length : 0 });
              }, 300);
            }).catch(function (e) { done({ error: String(e) }); });
        """)
        check("error" not in out, f"the worklet runs offline ({out})")
        check(out["size"] == 960, f"20 ms blocks at 48 kHz ({out['size']} samples)")
        check(abs(out["samples"] - 48000) <= 960, f"a second at 44.1 kHz gives a second at 48 kHz ({out['samples']} samples)")
        frequency = out["crossings"] / 2 / (out["samples"] / 48000)
        check(abs(frequency - 700) < 5 and out["peak"] > 30000, f"the tone keeps its pitch and level ({frequency:.1f} Hz, peak {out['peak']})")
    finally:
        d.quit()
    # labad stopped (SIGTERM) during a talk: the socket is closed and labad exits without waiting for it.
    status, s = upgrade(clerk, BASE)
    conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=20)
    conn.request("GET", "/talk", headers={"Cookie": clerk})
    token = re.search(rb'<meta name="csrf" content="([^"]+)"', conn.getresponse().read()).group(1).decode()
    conn.close()
    send_text(s, json.dumps({"csrf": token, "zones": ["town"]}))
    opcode, text = read_text(s)
    check('"started"' in text, f"a talk from a plain WebSocket client starts ({text})")
    tone = b"".join(struct.pack("<h", int(16000 * (1 if (i // 34) % 2 else -1))) for i in range(960))
    for _ in range(25):
        send_binary(s, tone)
    stopping = time.time()
    os.kill(int(LABAD), signal.SIGTERM)
    s.settimeout(10)
    closed, said = False, []
    try:
        while True:
            opcode, data = read_frame(s)
            said.append(data.decode(errors="replace") if opcode == 1 else f"opcode {opcode}")
            if opcode == 8:  # the server's close frame
                closed = True
                break
    except EOFError:
        closed = True
    except (socket.timeout, ConnectionResetError):
        pass
    check(closed, f"labad closes the talk's socket when it stops ({said[-3:]})")
    figures["stop_closes_socket_ms"] = round((time.time() - stopping) * 1000)
    s.close()
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAIL -", e, flush=True)
        sys.exit(1)
