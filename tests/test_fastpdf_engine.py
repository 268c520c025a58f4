"""The feedback PDF engine without platypus (:mod:`mentorassess.reports.fastpdf`, issue 24).

reportlab's platypus stays as the reference engine. The fast engine must break lines as reportlab breaks
them, put the same words on the same pages, keep the outline, metadata and language, write a
well-formed file, and give the same bytes for the same report whatever was rendered before.
"""

from __future__ import annotations

import io
import random
import re
import subprocess
import sys
from collections import Counter
from xml.sax.saxutils import escape

import pytest
from pypdf import PdfReader

from mentorassess.reports import fastpdf, feedback, pdf
from mentorassess.reports.fastpdf import layout as L
from mentorassess.reports.fastpdf import text as T
from mentorassess.reports.feedback import ReportOptions, checked_document
from tests._feedback_helpers import make_data
from tests._feedback_kinds import KINDS

_VOCAB = ("the a mentee mentor's answered, averages (6.8 against 5.2); Wiśniewska Nguyễn Thị Hương Łukasz "
          "Żółkiewski Siobhán competencies development: “goals” – about 1.2 to 7.0 independence "
          "communication understanding e-mail@example.org ± ≥ Ærøskøbing résumé naïve "
          "supercalifragilisticexpialidocious-and-even-longer-hyphenated-compound-word").split()


def _reportlab_lines(text: str, style: str, width: float) -> list[str]:
    from reportlab.platypus import Paragraph

    st = pdf.styles()[style]
    p = Paragraph(escape(text), st)
    p.wrap(width, 1e6)
    return [" ".join(str(w) for w in words) for _, words in p.blPara.lines]


@pytest.mark.parametrize("seed", range(4))
def test_line_breaks_are_reportlabs(seed):
    rng = random.Random(seed)
    checked = 0
    for _ in range(400):
        words = [rng.choice(_VOCAB) for _ in range(rng.randint(1, 60))]
        text = " ".join(words)
        style = rng.choice(["body", "small", "cell", "box", "h2", "title"])
        width = rng.uniform(40, 470)
        st = T.STYLES[style]
        ours = T.break_lines(pdf.visual(text), st.font, st.size, width)
        assert ours == _reportlab_lines(text, style, width), (text, style, width)
        checked += len(ours)
    assert checked > 3000


def _word_pages(data: bytes) -> list[Counter]:
    return [Counter(p.extract_text().replace("\u2022", " ").replace("\x7f", " ").split())
            for p in PdfReader(io.BytesIO(data)).pages]


def _char_pages(data: bytes) -> list[Counter]:
    """Characters per page (right-to-left runs come back in another order between engines)."""
    return [Counter(ch for ch in p.extract_text() if not ch.isspace() and ch not in "\u2022\x7f")
            for p in PdfReader(io.BytesIO(data)).pages]


def _sample_documents(n_mentors: int = 12):
    from mentorassess.aggregate import aggregate
    from mentorassess.instruments import load_instrument
    from mentorassess.reports._profile import ProfileSource
    from mentorassess.sample import generate
    from mentorassess.scoring import score

    inst = load_instrument("mca-26")
    prog = generate(seed=20261203, n_mentors=n_mentors)
    profiles = aggregate(score(prog.responses, inst), roster=prog.roster)
    source = ProfileSource(profiles, inst, options=ReportOptions(report_date="2026-11-25"), roster=prog.roster)
    return [checked_document(source.data(k)) for k in source.keys()]


def _varied_documents():
    made = {kind: make() for kind, make in KINDS.items()}
    made.update({
        "long_name": make_data("Maria-Fernanda de los Ángeles Rodríguez-Villanueva y Castellanos-Oyarzún (Dr.)"),
        "cjk_name": make_data("王芳 (Wang Fang)"),
        "arabic_name": make_data("ليلى حداد"),
        "hidden_competency": make_data("Eeva Virtanen", hidden="independence"),
    })
    return {k: checked_document(d) for k, d in made.items()}


def test_each_page_holds_what_reportlab_put_on_it():
    docs = list(_varied_documents().items()) + [(f"sample{i}", d) for i, d in enumerate(_sample_documents())]
    pages = Counter()
    for name, doc in docs:
        ref = feedback._pdf(doc, "mentorassess", "reportlab")
        ours = feedback._pdf(doc, "mentorassess", "fast")
        assert len(PdfReader(io.BytesIO(ours)).pages) == len(PdfReader(io.BytesIO(ref)).pages), name
        if any(pdf._has_rtl(t) for t in (doc.data.mentor_name,)):
            assert _char_pages(ours) == _char_pages(ref), name
        else:
            assert _word_pages(ours) == _word_pages(ref), name
        pages[len(_word_pages(ours))] += 1
    assert len(pages) >= 2  # reports of different lengths were compared


def test_outline_metadata_and_language_are_kept():
    doc = _varied_documents()["full"]
    ref = PdfReader(io.BytesIO(feedback._pdf(doc, "someone", "reportlab")))
    ours = PdfReader(io.BytesIO(feedback._pdf(doc, "someone", "fast")))

    def titles(items):
        out = []
        for it in items:
            out += titles(it) if isinstance(it, list) else [it.title]
        return out

    assert titles(ours.outline) == titles(ref.outline) and len(titles(ours.outline)) > 5
    for key in ("/Title", "/Author", "/Subject", "/Keywords", "/CreationDate"):
        assert ours.metadata[key] == ref.metadata[key], key
    assert ours.trailer["/Root"]["/Lang"] == "en-GB"
    assert bool(ours.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"])


def test_the_file_is_well_formed():
    data = feedback._pdf(_varied_documents()["cjk_name"], "mentorassess", "fast")
    reader = PdfReader(io.BytesIO(data), strict=True)
    # every cross-reference entry points at its object
    xref = data[data.rindex(b"xref\n"):]
    offsets = [int(m.group(1)) for m in re.finditer(rb"(\d{10}) 00000 n", xref)]
    for n, off in enumerate(offsets, start=1):
        assert data[off:off + 20].startswith(b"%d 0 obj" % n)
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert len(font["/Widths"]) == font["/LastChar"] + 1
            assert "/ToUnicode" in font and "/FontFile2" in font["/FontDescriptor"]
    assert "王芳" in reader.pages[0].extract_text()


def test_same_bytes_whatever_was_rendered_before():
    docs = _varied_documents()
    first = {k: feedback._pdf(d, "mentorassess", "fast") for k, d in docs.items()}
    pdf._forget()
    again = {k: feedback._pdf(d, "mentorassess", "fast") for k, d in reversed(list(docs.items()))}
    assert first == again
    assert len(set(first.values())) == len(first)


def test_a_long_table_repeats_its_header_and_a_paragraph_never_leaves_one_line_behind():
    rows = [(f"Question {i}: how often the mentor checks understanding", f"{i % 7 + 1}.0", "5") for i in range(90)]
    story = [L.Para("A table longer than a page", "h2"), L.TableBlock(("Question", "Mean", "n"), rows, (300, 80, 80), (1, 2))]
    story += [L.Para(" ".join(["words of a long paragraph"] * 60)) for _ in range(6)]
    import datetime as dt

    data = fastpdf.document_pdf(story, title="t", author="a", report_date=dt.date(2026, 1, 2))
    reader = PdfReader(io.BytesIO(data))
    texts = [p.extract_text() for p in reader.pages]
    table_pages = [t for t in texts if "Question 1" in t or "Question 8" in t]
    assert len(table_pages) >= 2 and all("Question Mean n" in t for t in table_pages)
    assert all(f"Question {i}:" in "".join(texts) for i in range(90))
    # a split paragraph never leaves its first line alone at the bottom of a page
    from mentorassess.reports.fastpdf.fonts import DocFonts

    fonts = DocFonts()
    para = L.Para(" ".join(["words of a long paragraph"] * 60))
    para.wrap(400, fonts)
    assert para.split(400, para.style.leading * 1.5, fonts) == []  # one line would be left alone
    first, rest = para.split(400, para.style.leading * 3.2, fonts)
    assert len(first.lines) == 3 and first.lines + rest.lines == para.lines


def test_the_engine_can_be_chosen_and_an_unknown_one_is_refused(monkeypatch):
    doc = _varied_documents()["full"]
    monkeypatch.setattr(feedback, "ENGINE", "reportlab")
    assert PdfReader(io.BytesIO(feedback._pdf(doc, "a"))).metadata["/Producer"] == "mentorassess (reportlab)"
    monkeypatch.setattr(feedback, "ENGINE", "fast")
    assert PdfReader(io.BytesIO(feedback._pdf(doc, "a"))).metadata["/Producer"] == "mentorassess"
    with pytest.raises(ValueError, match="unknown PDF engine"):
        feedback._pdf(doc, "a", "typewriter")
    out = subprocess.run([sys.executable, "-c", "from mentorassess.reports import feedback; print(feedback.ENGINE)"],
                         env={**__import__("os").environ, "MENTORASSESS_PDF_ENGINE": "reportlab"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "reportlab"


def test_a_chart_shape_the_engine_does_not_know_is_refused():
    from reportlab.graphics.shapes import Ellipse

    from mentorassess.reports.fastpdf.chart import draw_shapes
    from mentorassess.reports.fastpdf.fonts import DocFonts

    with pytest.raises(TypeError, match="Ellipse"):
        draw_shapes([Ellipse(1, 1, 2, 3)], [], DocFonts())


def test_long_comments_break_pages_as_reportlab_breaks_them():
    """Comments are never cut: a report with many long ones (Arabic and Chinese among them, one longer
    than a page, one with an unbreakable address) is laid out again in its compact form, and each page
    holds what the reportlab engine puts on it."""
    import dataclasses

    from mentorassess.reports._view import CommentGroup

    rng = random.Random(7)
    long_one = " ".join(rng.choice(_VOCAB[:40]) for _ in range(700))
    texts = [" ".join(rng.choice(_VOCAB[:40]) for _ in range(rng.randint(20, 120))) for _ in range(24)]
    texts += [long_one, "أشكرك على دعمك المستمر وعلى الاجتماعات الأسبوعية التي ساعدتني كثيرا",
              "非常感谢导师每周的指导和耐心的解释。", "see https://example.org/" + "a" * 180 + " for the notes"]
    data = dataclasses.replace(make_data("Ana Souza"), comments=(CommentGroup("What works well", tuple(texts)),))
    doc = checked_document(data)
    ref = feedback._pdf(doc, "mentorassess", "reportlab")
    ours = feedback._pdf(doc, "mentorassess", "fast")
    n = len(PdfReader(io.BytesIO(ours)).pages)
    assert n > feedback.MAX_PAGES  # still too long after the compact layout: nothing was cut
    assert n == len(PdfReader(io.BytesIO(ref)).pages)
    assert _char_pages(ours) == _char_pages(ref)
    flat = "".join(p.extract_text() for p in PdfReader(io.BytesIO(ours)).pages)
    assert "非常感谢导师" in flat and "a" * 60 in flat.replace("\n", "")
