"""The staff journey in a real browser: headless Debian Chromium driven by Selenium, axe-core on every page.

Upload the sample's Qualtrics exports (the mentee CSV by drag and drop, a self export whose
columns nothing recognises through the plain file input), fix that one in the mapping form,
exclude a comment, run, download the zip and check what is inside. axe-core (WCAG 2.1 A and AA
rules) must report no violation on any page. Screenshots go to ``$MENTORASSESS_SHOTS`` when set.

Needs /usr/bin/chromium, /usr/bin/chromedriver and tests/vendor/axe-core/axe.min.js (``.ci/run``
installs all three).
"""

from __future__ import annotations

import base64
import io
import os
import re
import socket
import threading
import time
import zipfile
from pathlib import Path

import pytest

from tests.test_web import SAMPLE, _renamed_self_export
from tests.test_web_history import filled_store  # noqa: F401  (a fixture)

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture()
def server(tmp_path):
    import uvicorn

    from mentorassess.web.app import create_app

    token = "browser-token-" + os.urandom(8).hex()
    app = create_app(tmp_path / "workspace", token=token)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the server did not start"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", token, app, tmp_path / "workspace"
    srv.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture()
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for path, what in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver"), (AXE, "axe-core")):
        assert Path(path).is_file(), f"{path} is missing: .ci/run installs {what}"
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,900", "--lang=en-US"):
        opts.add_argument(flag)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_script_timeout(60)
    driver.downloads = downloads
    yield driver
    driver.quit()


class Journey:
    """The browser plus the checks run on every page (axe-core, a screenshot)."""

    def __init__(self, driver, base: str) -> None:
        self.d, self.base, self.n = driver, base, 0
        self.axe = AXE.read_text(encoding="utf-8")
        self.shots = Path(os.environ["MENTORASSESS_SHOTS"]) if os.environ.get("MENTORASSESS_SHOTS") else None
        self.checked: list[str] = []

    def go(self, path: str) -> None:
        self.d.get(self.base + path)

    def find(self, css: str):
        from selenium.webdriver.common.by import By

        return self.d.find_element(By.CSS_SELECTOR, css)

    def wait(self, condition, timeout: float = 60, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what} (at {self.d.current_url})")

    def page(self, name: str) -> None:
        """axe-core on the current page (no WCAG 2.1 A/AA violation) and a screenshot."""
        self.n += 1
        self.d.execute_script(self.axe)
        violations = self.d.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
            ".then(r => done({passes: r.passes.length, violations: r.violations.map(v => v.id + ' (' + v.impact"
            "+ '): ' + v.help + ' at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))}))"
            ".catch(e => done({passes: 0, violations: ['axe failed: ' + e]}));", AXE_TAGS)
        assert violations["violations"] == [], f"{name}: {violations['violations']}"
        assert violations["passes"] >= 5, f"{name}: axe checked almost nothing ({violations})"
        assert self.d.find_element("css selector", "html").get_attribute("lang") == "en"
        self.checked.append(name)
        if self.shots is not None:
            self.shots.mkdir(parents=True, exist_ok=True)
            height = min(int(self.d.execute_script("return document.documentElement.scrollHeight")), 6000)
            shot = self.d.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1}})
            (self.shots / f"{self.n:02d}-{name}.png").write_bytes(base64.b64decode(shot["data"]))

    def select(self, css: str, value: str) -> None:
        from selenium.webdriver.support.ui import Select

        Select(self.find(css)).select_by_value(value)

    def drop_file(self, path: Path) -> None:
        """Drag and drop a file onto the upload box (the page's own script submits the form)."""
        self.d.execute_script(
            "const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));"
            "const dt = new DataTransfer(); dt.items.add(new File([bytes], arguments[1], {type: 'text/csv'}));"
            "const zone = document.querySelector('[data-drop-target]');"
            "for (const t of ['dragenter', 'dragover', 'drop'])"
            "  zone.dispatchEvent(new DragEvent(t, {dataTransfer: dt, bubbles: true, cancelable: true}));",
            base64.b64encode(path.read_bytes()).decode(), path.name)


def test_staff_journey_in_chromium(server, browser, tmp_path, record_property):
    base, token, app, workspace = server
    j = Journey(browser, base)

    # no token, no page
    j.go("/")
    assert "Forbidden" in browser.page_source and "<form" not in browser.page_source
    j.go(f"/?token={token}")
    assert "token" not in browser.current_url  # dropped from the address once the cookie is set
    j.page("programs")

    # 1. create the program
    j.find("#program").send_keys("Sample Research Mentoring Program")
    j.find("#contact").send_keys("the mentoring office, mentoring@example.org")
    j.find("#report_date").send_keys("2026-06-30")
    j.find("#cycle").send_keys("2026")  # the run is recorded in the program's history store
    j.find("form[action='/programs'] button[type=submit]").click()
    j.wait(lambda: "/p/p-" in browser.current_url, what="the program page")
    pid = re.search(r"/p/(p-[0-9a-f]{8})", browser.current_url).group(1)
    j.find("#roster").send_keys(str(SAMPLE / "roster.csv"))
    j.find("form[action$='/roster'] button").click()
    j.wait(lambda: "Roster saved" in browser.page_source, what="the roster")
    assert "40 mentors" in browser.page_source
    j.page("program")

    # 2. uploads: the mentee export by drag and drop, then the unrecognised self export by the file input
    t_upload = time.perf_counter()
    j.go(f"/p/{pid}/exports")
    j.page("exports-empty")
    j.select("#role", "mentee")
    j.drop_file(SAMPLE / "qualtrics_mentee.csv")
    j.wait(lambda: "/exports/e-" in browser.current_url, what="the mentee export's audit")
    text = j.find("main").text
    assert "qualtrics" in text and "Rows read\n328" in text and "Rows kept\n321" in text
    for reason in ("preview", "test", "incomplete", "duplicate", "unmatched_mentor"):
        assert re.search(rf"\n{reason} \d+ ", text), reason  # each exclusion with its count and meaning
    j.page("export-audit")

    j.go(f"/p/{pid}/exports")
    renamed = _renamed_self_export(tmp_path / "qualtrics_self_renamed.xlsx")
    j.find("#exports").send_keys(str(renamed))
    j.find("form[data-dropzone] button[type=submit]").click()
    j.wait(lambda: "Not recognised" in browser.page_source, what="the unrecognised export")
    assert "none of the 26 items" in browser.page_source
    assert "qualtrics_self_renamed.xlsx, row 1" in browser.page_source and "export-" not in j.find(".error").text
    j.page("export-unrecognised")

    # 3. the mapping form starts from the draft and shows its confidence
    j.find("a.button[href$='/mapping']").click()
    j.wait(lambda: "Mapping of" in browser.title, what="the mapping form")
    # every item line shows the draft's confidence (io/draft.py: sure / probably / unsure / not found)
    assert len(browser.find_elements("css selector", "td .badge")) >= 26
    assert j.find("#item-mca05").get_attribute("value") == "SR_5"
    j.page("mapping")
    j.select("#role", "self")
    j.find("#newcode_0").send_keys("8")
    j.select("#newvalue_0", "na")
    j.find("form[action$='/mapping'] button[type=submit]").click()
    j.wait(lambda: "Rows kept" in browser.page_source, what="the re-imported export")
    text = j.find("main").text
    assert "Rows read\n75" in text and "Rows kept\n75" in text and "off the scale" not in text
    j.page("export-mapped")
    j.go(f"/p/{pid}/exports")
    assert browser.page_source.count("badge good\">imported") == 2
    j.page("exports")

    # 4. who will receive mentee results
    j.go(f"/p/{pid}/preview")
    rows = browser.find_elements("css selector", "main tbody tr")
    assert len(rows) == 80  # 40 mentors x 2 waves
    withheld = [r.text for r in rows if "fewer than 3 mentees counted" in r.text]
    # after the mentor id (names may hold parentheses), only the threshold is a number
    assert withheld and all(not re.search(r"\d", re.split(r"\(M\d+\)", t, maxsplit=1)[1].replace("fewer than 3", ""))
                            for t in withheld)
    j.page("preview")

    # 5. exclude a comment
    j.go(f"/p/{pid}/comments")
    boxes = browser.find_elements("css selector", "input[name=exclude]")
    assert len(boxes) > 20
    excluded = boxes[0].get_attribute("value")
    kept = boxes[1].get_attribute("value")
    boxes[0].click()
    j.find("form[action$='/comments'] button[type=submit]").click()
    j.wait(lambda: "Exclusions saved" in browser.page_source, what="the saved exclusion")
    assert j.find(f"input[name=exclude][value='{excluded}']").is_selected()
    j.page("comments")

    # 6. run, with the progress bar
    j.go(f"/p/{pid}/run")
    j.page("run-ready")
    j.find("form[action$='/run'] button[type=submit]").click()
    j.wait(lambda: "/run" in browser.current_url and "Running" in browser.page_source, 20, "the running page")
    assert j.find("progress#progress").get_attribute("max") == "10"
    # the progress list names the upload, not the stored file (filled by polling the run's status)
    j.wait(lambda: "importing qualtrics_mentee.csv" in j.find("#run-steps").text, 30, "the first step")
    j.page("run-progress")
    j.wait(lambda: browser.current_url.endswith("/download"), 300, "the end of the run")

    # 7. download the zip
    j.wait(lambda: "Download everything" in browser.page_source, 10, "the download link")
    assert "run-summary.json" in j.find("main").text and "feedback/: 162 files" in j.find("main").text
    j.page("download")
    j.find("a.button[href$='reports.zip']").click()
    target = browser.downloads / "sample-research-mentoring-program-reports.zip"
    j.wait(lambda: target.is_file() and not list(browser.downloads.glob("*.crdownload")), 60, "the zip")
    seconds = time.perf_counter() - t_upload
    record_property("upload_to_zip_seconds", round(seconds, 1))
    print(f"\nupload to zip: {seconds:.1f} s (pages checked: {len(j.checked)})")

    zf = zipfile.ZipFile(target)
    names = zf.namelist()
    feedback = [n for n in names if n.startswith("feedback/") and n.endswith(".pdf")]
    assert len(feedback) == 80
    for name in ("program_summary.pdf", "staff_workbook.xlsx", "run-summary.json"):
        assert name in names
    assert len([n for n in names if n.startswith("audit/")]) == 2
    assert any(n.startswith("psychometrics/") for n in names)
    import json

    summary = json.loads(zf.read("run-summary.json"))
    assert summary["counts"]["responses"] == 321 + 75
    assert [i["rows_kept"] for i in summary["imports"]] == [321, 75]

    # the contact entered on the program form is printed in the feedback reports
    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(zf.read(feedback[0])))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)
    assert "mentoring@example.org" in text

    # the excluded comment is kept for staff in the workbook but shown in no feedback report
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(zf.read("staff_workbook.xlsx")), read_only=True)
    sheet = wb["Comments for review"]
    rows = list(sheet.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and "response_id" in r)
    cols = rows[head]
    rid = cols.index("response_id")
    shown: dict = {}
    for r in rows[head + 1:]:
        if r and r[rid]:  # one row per comment: a response is shown if any of its comments is
            shown[r[rid]] = shown.get(r[rid], False) or r[cols.index("shown_in_feedback")] in (True, "TRUE", 1)
    assert shown[excluded] is False and shown[kept] is True
    assert summary["history"]["cycle"] == "2026"

    # 8. the run is in the history: the cycle, and a mentor's figures across cycles
    j.go(f"/p/{pid}/history")
    rows = browser.find_elements("css selector", "main table tbody tr")
    assert len(rows) == 1 and rows[0].text.startswith("2026 mca-26") and " 396 " in rows[0].text
    j.page("history-after-run")
    j.go(f"/p/{pid}/history/mentor?id=M001")
    assert "Mentor M001 across cycles" in browser.title
    assert browser.find_elements("css selector", "main table tbody tr")  # the run's figures, one per row
    j.page("history-mentor-after-run")
    assert len(j.checked) == 15


def test_history_pages_in_chromium(server, browser, filled_store):
    """The history pages (cycles, a mentor, forget and its confirmation) pass axe-core in Chromium."""
    import shutil

    from mentorassess.web.workspace import HISTORY_FILE
    from tests.test_web_history import _ledger, _mixed_mentor

    base, token, app, workspace = server
    j = Journey(browser, base)
    j.go(f"/?token={token}")
    j.find("#program").send_keys("History Program")
    j.find("#cycle").send_keys("2027")
    j.find("form[action='/programs'] button[type=submit]").click()
    j.wait(lambda: "/p/p-" in browser.current_url, what="the program page")
    pid = re.search(r"/p/(p-[0-9a-f]{8})", browser.current_url).group(1)
    prog = app.state.workspace.get(pid)
    assert 'cycle: "2027"' in prog.config.read_text()
    j.go(f"/p/{pid}/history")
    assert "No cycle is recorded yet" in browser.page_source
    j.page("history-empty")

    shutil.copy(filled_store, prog.folder / HISTORY_FILE)
    shutil.copy(str(filled_store) + ".secret", str(prog.folder / HISTORY_FILE) + ".secret")
    mid = _mixed_mentor(prog)
    j.go(f"/p/{pid}/history")
    assert len(browser.find_elements("css selector", "main table tbody tr")) == 3
    j.page("history")
    j.find("#mentor-id").send_keys(mid)
    j.find("form[action$='/history/mentor'] button[type=submit]").click()
    j.wait(lambda: f"Mentor {mid} across cycles" in browser.title, what="the mentor page")
    from mentorassess.release.rules import HIDDEN

    assert HIDDEN in j.find("main").text
    j.page("history-mentor")

    j.go(f"/p/{pid}/history/forget")
    j.page("history-forget")
    j.find("#kind-mentor").click()
    j.find("#person").send_keys(mid)
    j.find("form[action$='/history/forget'] button[type=submit]").click()
    j.wait(lambda: "cannot be undone" in browser.page_source, what="the confirmation")
    assert mid in set(_ledger(prog)["unit"])
    j.page("history-forget-confirm")
    j.find("form[action$='/history/forget'] button[type=submit]").click()
    j.wait(lambda: "Done." in browser.page_source, what="the forget result")
    assert mid not in set(_ledger(prog)["unit"])
    j.page("history-forget-done")
    assert len(j.checked) == 6
