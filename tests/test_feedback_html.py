"""The HTML twin of every feedback report and the PDF's accessibility metadata and layout.

axe-core (WCAG 2.1 A and AA rules) runs on the twin of each kind of report in headless Debian
Chromium driven by Selenium, as in tests/test_web_browser.py (``.ci/run`` installs chromium,
chromedriver and tests/vendor/axe-core/axe.min.js).
"""

from __future__ import annotations

import html as _html
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from mentorassess.aggregate import aggregate
from mentorassess.instruments import load_instrument
from mentorassess.release.manifest import read_manifest, verify_manifest
from mentorassess.reports.feedback import ReportOptions, checked_document, feedback_outputs, render_all
from mentorassess.sample import generate
from mentorassess.scoring import score
from tests._feedback_kinds import KINDS

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FRAME_BOTTOM, FRAME_TOP = 51.0, 797.0  # points: the body frame of an A4 page (footer below)


@pytest.fixture(scope="module")
def outputs():
    return {k: (f(), *feedback_outputs(f())) for k, f in KINDS.items()}


def _plain(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def test_render_all_writes_a_twin_beside_every_pdf_and_lists_it(tmp_path):
    inst = load_instrument("mca-26")
    prog = generate(n_mentors=5)
    profiles = aggregate(score(prog.responses, inst), roster=prog.roster)
    summary = render_all(profiles, inst, tmp_path, options=ReportOptions(report_date="2026-11-25"), wave="post",
                         jobs=1)
    assert len(summary.written) == len(summary.html) == 5
    for pdf, page in zip(summary.written, summary.html):
        assert page == pdf.with_suffix(".html") and page.is_file()
    listed = [e.file for e in read_manifest(tmp_path).entries]
    assert listed == [p.name for pair in zip(summary.written, summary.html) for p in pair]
    assert verify_manifest(tmp_path).verified == 10


@pytest.mark.parametrize("kind", list(KINDS))
def test_twin_has_the_same_content_as_the_pdf(outputs, kind):
    data, pdf, page = outputs[kind]
    doc = checked_document(data)
    text = page.decode("utf-8")
    body = _plain(_html.unescape(re.sub(r"<[^>]+>", " ", text)))
    reader = PdfReader(io.BytesIO(pdf))
    flat = _plain(" ".join(p.extract_text() for p in reader.pages))
    for s in [c.text for c in doc.claims()] + doc.headings():
        assert _plain(s) in body, s
        assert _plain(s) in flat, s
    assert '<html lang="en-GB">' in text and text.count("<h1>") == 1
    assert f"<title>{_html.escape(doc.title, quote=True)}</title>" in text
    levels = [int(h) for h in re.findall(r"<h([1-6])>", text)]
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels  # no skipped heading level
    if "<table>" in text:
        assert '<th scope="col">' in text and "<caption>" in text
    if "<svg" in text:
        assert re.search(r'<svg [^>]*role="img" aria-labelledby="chart1-t chart1-d"', text)
        desc = re.search(r'<desc id="chart1-d">([^<]+)</desc>', text).group(1)
        assert "Dot plot on the scale" in desc


@pytest.mark.parametrize("kind", list(KINDS))
def test_pdf_title_language_bookmarks_and_no_mostly_blank_page(outputs, kind):
    data, pdf, _ = outputs[kind]
    doc = checked_document(data)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == doc.title
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"

    def titles(outline):
        for x in outline:
            yield from (titles(x) if isinstance(x, list) else [x.title])

    marks = list(titles(reader.outline))
    assert marks[0] == doc.headings()[0] and marks[0].startswith("Your mentoring feedback")
    assert [h for h in doc.headings() if h != "A conversation, not a grade" and h != "How to read this report"
            and not h.startswith("Your mentoring feedback")] == marks[1:]
    # no page more than 40% blank except the last: the lowest line of text on each page
    for number, p in enumerate(reader.pages[:-1], 1):
        ys: list[float] = []
        p.extract_text(visitor_text=lambda t, cm, tm, fd, fs: ys.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])
                       if t.strip() else None)
        body = [y for y in ys if y > FRAME_BOTTOM]
        blank = (min(body) - FRAME_BOTTOM) / (FRAME_TOP - FRAME_BOTTOM)
        assert blank <= 0.40, (kind, number, round(blank, 2))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for path, what in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver"), (AXE, "axe-core")):
        assert Path(path).is_file(), f"{path} is missing: .ci/run installs {what}"
    tmp = tmp_path_factory.mktemp("chromium")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp / 'profile'}",
                 "--window-size=1100,900", "--lang=en-GB"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_script_timeout(60)
    yield driver, tmp
    driver.quit()


def test_axe_finds_no_wcag21_aa_violation_in_any_twin(outputs, browser):
    driver, tmp = browser
    axe = AXE.read_text(encoding="utf-8")
    for kind, (_, _, page) in outputs.items():
        path = tmp / f"{kind}.html"
        path.write_bytes(page)
        driver.get(path.as_uri())
        driver.execute_script(axe)
        result = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
            ".then(r => done({passes: r.passes.length, violations: r.violations.map("
            "v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))}))"
            ".catch(e => done({passes: 0, violations: ['axe failed: ' + e]}));", AXE_TAGS)
        assert result["violations"] == [], (kind, result["violations"])
        assert result["passes"] >= 5, (kind, result)
