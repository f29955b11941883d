#!/usr/bin/env python3
"""Issue 26, the console's side, as a clerk reads it: one headless Chromium session against one real
labad (EndToEndTests/ConsoleClerkTests.swift), at 1280 and at 360 px:

    clerk.py BASE_URL SCREENSHOT_DIR RECORDING NOT_AUDIO TEXTS_JSON

The daemon's clock reads 2027-03-15 10:00 in Shanghai (not the machine's day). Loudspeakers:
square (石头乡广场喇叭, paced, in 石头乡), truck (玉龙1号宣传车, follows GPS, in 白沙镇), lashi-gate
(拉市村口喇叭, a device that does not exist, in 拉市镇); all below 玉龙县. Accounts: li (operator),
zhang (admin), password "password-<name>". Writes every page's text to TEXTS_JSON for the leak test;
exits 1 on the first failure.
"""
import base64
import json
import os
import struct
import subprocess
import sys
import urllib.request
import time
import zlib

os.environ.setdefault("SE_AVOID_STATS", "true")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

BASE, SHOTS, RECORDING, NOT_AUDIO, TEXTS = sys.argv[1:6]
pages = {}


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print("ok -", what, flush=True)


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
        text = driver.execute_script("return document.body ? document.body.innerText : ''")
        raise AssertionError(f"timed out: {what} (at {driver.current_url}; {text[:800]!r})")
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


def text(d):
    return d.execute_script("return document.body.innerText")


def grab(d, name):
    """The page's text as a clerk reads it, for the leak test."""
    pages[name] = text(d)


def fits(d):
    return d.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def shot(d, name, width):
    check(fits(d), f"{name} has no sideways scrolling at {width} px")
    path = os.path.join(SHOTS, f"clerk-{name}-{width}.png")
    d.save_screenshot(path)
    png_not_blank(path)


def set_value(d, element_id, value):
    d.execute_script("""
        var e = document.getElementById(arguments[0]); e.value = arguments[1];
        e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));""",
                     element_id, value)


def flash(d):
    return d.find_element(By.ID, "flash").text


def recordings(d):
    d.get(BASE + "/recordings")
    title = d.find_element(By.ID, "rec-message")
    check(title.get_attribute("value") == "", "the upload's title is not pre-filled (not with the chime)")
    offered = [o.get_attribute("value") for o in d.find_elements(By.CSS_SELECTOR, "#message-titles option")]
    check("提示音" not in offered and "防疫通知" in offered, f"the chime is not offered as a title to record under ({offered})")
    title.send_keys("通知")
    Select(d.find_element(By.ID, "rec-language")).select_by_value("mandarin")
    d.find_element(By.ID, "upload-file").send_keys(RECORDING)
    # Issue 27: an upload is heard before it is saved, and the page says what it replaces.
    wait(d, lambda d: d.find_element(By.ID, "rec-review").is_displayed(), "the upload is offered for listening first")
    replaces = d.find_element(By.ID, "rec-review-replaces").text
    check("这是新录音" in replaces and "通知" in replaces, f"what saving it does, in words ({replaces})")
    player = d.find_element(By.ID, "rec-review-player")
    wait(d, lambda d: d.execute_script("return arguments[0].readyState >= 1 && arguments[0].duration > 0", player),
         "the player has the staged recording")
    check("已保存" not in d.find_element(By.ID, "rec-status").text, "nothing is saved before the confirmation")
    grab(d, "recordings-review")
    d.find_element(By.ID, "rec-confirm").click()
    wait(d, lambda d: "已保存“通知”的普通话录音" in d.find_element(By.ID, "rec-status").text, "a recording saved under the Chinese title 通知")
    grab(d, "recordings-saved")
    title = d.find_element(By.ID, "rec-message")
    title.clear()
    title.send_keys("坏文件")
    d.find_element(By.ID, "upload-file").send_keys(NOT_AUDIO)
    wait(d, lambda d: "error" in d.find_element(By.ID, "rec-status").get_attribute("class"), "a file that is not audio is refused")
    refused = d.find_element(By.ID, "rec-status").text
    check(refused == "不是可用的录音：文件格式无法识别（可用 WAV、FLAC、Ogg、MP3 等）",
          f"in the clerk's words, the kind of problem from its code, not libsndfile's English ({refused})")
    grab(d, "recordings-refused")
    d.get(BASE + "/recordings")
    coverage = d.find_element(By.ID, "coverage").text
    check("通知" in coverage and "%E9" not in coverage and "rec-" not in coverage and "tongzhi" not in coverage,
          f"the new recording is listed by its title, not an id ({coverage!r})")
    grab(d, "recordings")


def broadcast_form(d):
    d.get(BASE + "/broadcast")
    options = [o.text for o in d.find_elements(By.CSS_SELECTOR, "#message option")]
    check("提示音" not in options and not any("chime" in o for o in options), f"the chime is not offered as content ({options})")
    check("通知" in options and "防疫通知" in options and "预先警报" in options, "the clerk's recording, titles and signals are")
    page = text(d)
    check("日常插播" in page and "紧急插播" in page and "排在当前广播之后" not in page, "the priorities in the glossary's words")
    grab(d, "broadcast")
    # A refusal keeps what the clerk chose.
    Select(d.find_element(By.ID, "message")).select_by_value("alarm")
    repeat = d.find_element(By.ID, "repeat")
    repeat.clear()
    repeat.send_keys("2")
    d.find_element(By.ID, "force").click()
    d.find_element(By.ID, "send").click()
    wait(d, lambda d: "请至少选择一个区域" in d.find_element(By.ID, "error").text, "no zone: refused")
    check(Select(d.find_element(By.ID, "message")).first_selected_option.get_attribute("value") == "alarm"
          and d.find_element(By.ID, "repeat").get_attribute("value") == "2" and d.find_element(By.ID, "force").is_selected()
          and d.find_element(By.ID, "priority-manual").is_selected(), "the form keeps its values after the refusal")
    grab(d, "broadcast-refused")


def send(d, message, zones, loop=False, emergency=False):
    d.get(BASE + "/broadcast")
    Select(d.find_element(By.ID, "message")).select_by_value(message)
    for zone in zones:
        d.find_element(By.ID, "zone-" + zone).click()
    if loop:
        d.find_element(By.ID, "loop").click()
    if emergency:
        d.find_element(By.ID, "priority-emergency").click()
    d.find_element(By.ID, "send").click()


def results(d):
    # A loop on the square, so that what follows waits behind it there.
    send(d, "alarm", ["shitou"], loop=True)
    wait(d, lambda d: "石头乡广场喇叭：" in flash(d) and ("已开始播出" in flash(d) or "马上开始播出" in flash(d)),
         "the loop's result names the loudspeaker and says it starts")
    wait(d, lambda d: d.find_element(By.ID, "output-square").get_attribute("data-state") == "playing", "the square plays the loop")
    send(d, "notice", ["yulong"])
    wait(d, lambda d: "/?" in d.current_url and d.find_elements(By.ID, "flash"), "the county's broadcast is answered")
    lines = flash(d).split("\n")
    check(any(l.startswith("石头乡广场喇叭：待播，排在正在播出的“火警”之后") for l in lines), f"the square waits behind the loop ({lines})")
    check(any(l.startswith("拉市村口喇叭：离线，最多等到 今天 11:") for l in lines),
          f"the missing loudspeaker is offline, waiting up to its deadline, in clerk time ({lines})")
    check(any(l.startswith("玉龙1号宣传车：") for l in lines) and "已发送到" not in flash(d), f"the van has its own line ({lines})")
    grab(d, "overview-results")
    d.save_screenshot(os.path.join(SHOTS, "clerk-results-1280.png"))

    # The emergency's confirmation names the townships the county reaches.
    send(d, "alarm", ["yulong"], emergency=True)
    wait(d, lambda d: d.find_elements(By.ID, "confirm"), "an emergency asks for a confirmation")
    summary = d.find_element(By.CSS_SELECTOR, ".danger strong").text
    check("玉龙县" in summary and "白沙镇、拉市镇、石头乡" in summary, f"it names every zone reached ({summary})")
    grab(d, "confirm")
    d.find_element(By.LINK_TEXT, "取消").click()

    # Stop everything, and clear what waits.
    d.get(BASE + "/stop")
    d.find_element(By.CSS_SELECTOR, 'input[name="all"]').click()
    d.find_element(By.CSS_SELECTOR, 'input[name="clear"]').click()
    d.find_element(By.ID, "stop").click()
    wait(d, lambda d: "已在" in flash(d), "stopped")
    wait(d, lambda d: d.find_element(By.ID, "output-square").get_attribute("data-state") != "playing", "the square is quiet again")


def overview_and_record(d):
    d.get(BASE + "/")
    # The live part is re-rendered by server-sent events: read it in one go, and wait for what holds.
    def all_text(selector):
        return d.execute_script("return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText)", selector)
    wait(d, lambda d: all_text(".card.output h3") == ["石头乡广场喇叭", "玉龙1号宣传车", "拉市村口喇叭"], "the loudspeakers by their names")
    wait(d, lambda d: d.find_element(By.ID, "output-lashi-gate").get_attribute("data-state") == "unavailable"
         and "离线" in d.find_element(By.ID, "output-lashi-gate").text, "the missing one reads 离线")
    wait(d, lambda d: all_text("#recent td.time") and all(t.startswith("今天 10:") for t in all_text("#recent td.time")),
         "recent times in clerk time on the daemon's day")
    grab(d, "overview")
    d.get(BASE + "/record")
    times = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#record td.time")]
    check(times and all(t.startswith("今天 10:") for t in times), f"the record's times in clerk time ({times})")
    outputs = {e.text for e in d.find_elements(By.CSS_SELECTOR, "#record td.output")}
    check(outputs <= {"石头乡广场喇叭", "玉龙1号宣传车", "拉市村口喇叭"} and outputs, f"the record names loudspeakers ({outputs})")
    notes = [e.text for e in d.find_elements(By.CSS_SELECTOR, '#record td[data-label="备注"]') if e.text]
    check("待播已清空" in notes, f"a record's note from its code, in the clerk's words ({notes})")
    grab(d, "record")
    # Issue 27: the record's spreadsheet, as the page's link downloads it, read back by openpyxl.
    link = d.find_element(By.ID, "xlsx").get_attribute("href")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in d.get_cookies())
    body = urllib.request.urlopen(urllib.request.Request(link, headers={"Cookie": cookie})).read()
    path = os.path.join(os.path.dirname(TEXTS), "record.xlsx")
    with open(path, "wb") as f:
        f.write(body)
    book = json.loads(subprocess.run(["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "read_xlsx.py"), path],
                                     capture_output=True, text=True, check=True).stdout)
    rows = book["sheets"][0]["rows"]
    check(book["sheets"][0]["name"] == "播出记录" and rows[0][:3] == ["计划时间", "开始时间", "结束时间"], f"the sheet's headers ({rows[0]})")
    check(len(rows) - 1 == len(times) and all(isinstance(r[0], dict) and "date" in r[0] for r in rows[1:]),
          f"one row per broadcast, its time a date cell ({len(rows) - 1} of {len(times)})")
    check({r[4] for r in rows[1:]} == outputs, f"the loudspeakers by name ({ {r[4] for r in rows[1:]} })")
    # Issue 27: the print view of the day (A4): the office's name, 播出记录, the day's broadcasts.
    d.find_element(By.ID, "print").click()
    wait(d, lambda d: d.find_elements(By.ID, "heading"), "the print view")
    heading, office = d.find_element(By.ID, "heading").text, d.find_element(By.ID, "office").text
    check(heading.endswith("日 播出记录") and office == "玉龙县", f"the day's record of the office ({office} {heading})")
    printed = d.find_elements(By.CSS_SELECTOR, "#print-record tbody tr")
    check(len(printed) == len(times) and "石头乡广场喇叭" in d.find_element(By.ID, "print-record").text,
          f"the day's broadcasts, by name ({len(printed)} of {len(times)})")
    check("共 " in d.find_element(By.ID, "summary").text, "a summary line")
    pdf = base64.b64decode(d.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True})["data"])
    check(pdf.startswith(b"%PDF") and (b"/MediaBox [0 0 595" in pdf or b"/MediaBox [0 0 594" in pdf), "printed on A4")
    grab(d, "record-print")


def zones(d):
    d.get(BASE + "/zones")
    source = d.page_source
    check("laba_square" not in source and "laba_van" not in source and "laba_missing" not in source,
          "no ALSA device is shown to a clerk")
    check(d.find_elements(By.ID, "move-truck") and not d.find_elements(By.ID, "move-square")
          and not d.find_elements(By.ID, "move-lashi-gate"), "移动 only for the mobile loudspeaker")
    grab(d, "zones")


def zone_tree(d, width):
    d.get(BASE + "/zones")
    items = {e.get_attribute("data-zone"): e for e in d.find_elements(By.CSS_SELECTOR, "#zone-tree li")}
    check(list(items) == ["yulong", "baisha", "yuhu", "lashi", "shitou"], f"the tree in order ({list(items)})")
    names = {z: e.find_element(By.CSS_SELECTOR, ".zone-name") for z, e in items.items()}
    ys = [items[z].location["y"] for z in items]
    check(ys == sorted(ys) and len(set(ys)) == len(ys), f"one line per zone at {width} px ({ys})")
    check(names["yulong"].location["x"] < names["baisha"].location["x"] < names["yuhu"].location["x"]
          and names["baisha"].location["x"] == names["lashi"].location["x"], f"indented by depth at {width} px")
    check(all(d.execute_script("return arguments[0].getClientRects().length", n) == 1 for n in names.values()),
          f"no zone's name is split across lines at {width} px")
    speakers = items["baisha"].find_elements(By.CSS_SELECTOR, ".speaker")
    check([s.text for s in speakers] == ["玉龙1号宣传车"], "a zone names the loudspeaker serving it")


def schedule(d):
    d.get(BASE + "/schedule")
    county = d.find_element(By.ID, "zone-yulong").text
    check("周六、周日 09:30" in county and "每天 15:00" in county, f"expressions in words ({county!r})")
    page = text(d)
    check("Sat,Sun" not in page and "*-*-*" not in page, "the expressions themselves are only in the technician's detail")
    grab(d, "schedule")
    # A preview that never plays offers no 保存.
    d.get(BASE + "/schedule/new")
    offered = [o.get_attribute("value") for o in d.find_elements(By.CSS_SELECTOR, "#entry-message option")]
    check("chime" not in offered and "notice" in offered, f"the chime is not offered for the schedule either ({offered})")
    Select(d.find_element(By.ID, "entry-message")).select_by_value("notice")
    Select(d.find_element(By.ID, "entry-zone")).select_by_value("yulong")
    d.find_element(By.ID, "preset-once").click()
    set_value(d, "entry-date", "2020-01-01")
    set_value(d, "entry-time", "08:00")
    d.find_element(By.ID, "preview").click()
    wait(d, lambda d: d.find_elements(By.ID, "preview-result"), "the preview appears")
    check(not d.find_elements(By.ID, "save") and "不能保存" in d.find_element(By.ID, "no-save").text,
          "a preview that never plays offers no 保存")
    warnings = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#preview-result p.error")]
    check(any(w.startswith("这条定时播出在 ") and "之后不会再播出" in w for w in warnings),
          f"the preview's warning from its code, in the clerk's words and time ({warnings})")
    grab(d, "entry-never")
    # One that plays, saved, then deleted only after a confirmation.
    d.find_element(By.ID, "preset-daily").click()
    set_value(d, "entry-time", "08:00")
    d.find_element(By.ID, "preview").click()
    wait(d, lambda d: d.find_elements(By.ID, "save"), "a preview that plays offers 保存")
    check(all(t.startswith("明天 08:00") or "月" in t for t in [e.text for e in d.find_elements(By.CSS_SELECTOR, "#next-times li")][:1]),
          "the next times in clerk time")
    grab(d, "entry-preview")
    d.find_element(By.ID, "save").click()
    wait(d, lambda d: "已添加 op-" in flash(d), "saved")
    entry = flash(d).split("已添加 ")[1].split("。")[0]
    card = lambda d: d.find_element(By.CSS_SELECTOR, f'.card.entry[data-entry="{entry}"]')  # noqa: E731
    card(d).find_element(By.CSS_SELECTOR, 'button[name="remove"]').click()
    wait(d, lambda d: "确定删除这条定时播出吗" in d.switch_to.alert.text, "deleting asks first")
    d.switch_to.alert.dismiss()
    check(card(d).is_displayed() and not d.find_elements(By.ID, "flash") or "已删除" not in flash(d), "dismissed: nothing is deleted")
    card(d).find_element(By.CSS_SELECTOR, 'button[name="remove"]').click()
    wait(d, lambda d: d.switch_to.alert.text, "asked again")
    d.switch_to.alert.accept()
    wait(d, lambda d: f"已删除 {entry}" in flash(d), "accepted: deleted")


def phone(d):
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})
    for path, name in [("/", "overview"), ("/broadcast", "broadcast"), ("/record", "record"), ("/recordings", "recordings"),
                       ("/zones", "zones"), ("/schedule", "schedule"), ("/talk", "talk"), ("/stop", "stop")]:
        d.get(BASE + path)
        if path == "/":
            wait(d, lambda d: d.find_element(By.CSS_SELECTOR, "#recent tr[data-outcome] td.output").is_displayed()
                 and d.find_element(By.CSS_SELECTOR, "#recent tr[data-outcome] td.output").text,
                 "the overview's recent list keeps the loudspeaker on a phone")
        if path == "/record":
            row = d.find_element(By.CSS_SELECTOR, "#record tr[id^=r-]")
            check(d.execute_script("return getComputedStyle(arguments[0]).display", row) == "block"
                  and row.find_element(By.CSS_SELECTOR, "td.time").is_displayed(), "the record is a list of cards on a phone")
        if path == "/recordings":
            check(d.execute_script("return getComputedStyle(document.querySelector('#coverage tr:nth-child(2)')).display") == "block",
                  "the recordings are cards on a phone")
        if path == "/talk":
            check("日常插播" in text(d), "the talk page says 日常插播 too")
            grab(d, "talk")
        shot(d, name, 360)
    zone_tree(d, 360)
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def desktop_shots(d):
    for path, name in [("/", "overview"), ("/record", "record"), ("/recordings", "recordings"), ("/zones", "zones"),
                       ("/schedule", "schedule")]:
        d.get(BASE + path)
        shot(d, name, 1280)
    zone_tree(d, 1280)


def main():
    os.makedirs(SHOTS, exist_ok=True)
    d = browser()
    try:
        d.get(BASE + "/login")
        d.find_element(By.NAME, "name").send_keys("li")
        d.find_element(By.NAME, "password").send_keys("password-li")
        d.find_element(By.ID, "login").click()
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, ".card.output"), "signed in")
        check("退出登录" in text(d) and "喇叭" in d.title, "the header says 退出登录")
        recordings(d)
        broadcast_form(d)
        results(d)
        overview_and_record(d)
        zones(d)
        schedule(d)
        desktop_shots(d)
        phone(d)
    finally:
        d.quit()
    with open(TEXTS, "w") as f:
        json.dump({"pages": pages}, f, ensure_ascii=False)


if __name__ == "__main__":
    started = time.time()
    try:
        main()
    except AssertionError as e:
        print("FAILED:", e, flush=True)
        sys.exit(1)
    print(json.dumps({"seconds": round(time.time() - started, 1), "pages": len(pages)}))
