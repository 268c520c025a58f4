"""Rendering the feedback PDF from hand-made data: text, names, pages, metadata, determinism."""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from tests._feedback_helpers import COMMENTS, GROWTH, make_data
from mentorassess.errors import ConfidentialityError
from mentorassess.release.filenames import report_file_name
from mentorassess.reports.feedback import feedback_pdf_bytes, render_feedback
from mentorassess.sample import _NAMES


def _text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(p.extract_text() for p in reader.pages)


def _flat(s: str) -> str:
    return re.sub(r"\s+", " ", s)


@pytest.fixture(scope="module")
def full():
    return feedback_pdf_bytes(make_data(n=5, hidden="diversity"))


def test_full_report_has_every_section(full):
    reader, text = _text(full)
    flat = _flat(text)
    assert 2 <= len(reader.pages) <= 4
    for phrase in ("Your mentoring feedback: end of the program", "Zofia Wiśniewska", "5 mentees responded",
                   "At a glance", "Your mentees rated you highest on Maintaining effective communication (6.1, based "
                   "on 5 mentees)", "Your competency profile", "How to read this report", "Not at all skilled",
                   "Extremely skilled", "Your ratings in numbers", "Where your view and your mentees' differ",
                   "A strength you may underrate", "Where your view is higher than your mentees'",
                   "Question by question", "Change since the start of the program",
                   "What your mentees wrote", "What works well", "What could be different",
                   "Take action", "Whom to talk to", "When to look again", "A conversation, not a grade",
                   "evidence linking them to mentee outcomes is still limited", "Methods:",
                   "Mentoring Competency Assessment (26 items), validated questionnaire",
                   "Confidential: prepared for Zofia Wiśniewska", f"page 1 of {len(reader.pages)}"):
        assert phrase in flat, phrase
    for c in COMMENTS + GROWTH:
        assert c in flat, c
    # the hidden competency shows the self rating and a plain sentence, no mentee value
    assert "Addressing diversity: your mentees' ratings are not shown, to protect their anonymity" in flat
    assert "fewer than 3 of your mentees" not in flat  # 5 responded: the hidden cell's wording must not say fewer
    assert "you are" not in flat.lower().replace("you are welcome", "")


def test_comments_in_the_given_stable_order(full):
    _, text = _text(full)
    flat = _flat(text)
    positions = [flat.index(c) for c in sorted(COMMENTS, key=str.casefold)]
    assert positions == sorted(positions)


def test_metadata(full):
    reader, _ = _text(full)
    meta = reader.metadata
    assert meta.title == "Mentoring feedback for Zofia Wiśniewska (end of the program)"
    assert meta.author == "mentorassess"
    assert meta["/CreationDate"].startswith("D:20261125")
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_byte_identical_reruns(tmp_path, monkeypatch):
    data = make_data(n=4)
    a = render_feedback(data, None, tmp_path / "a.pdf").read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the report date wins over the environment
    b = render_feedback(data, None, tmp_path / "b.pdf").read_bytes()
    assert a == b
    other = feedback_pdf_bytes(dataclasses.replace(data, mentor_name="Jordan Smith"))
    assert other != a


@pytest.mark.parametrize("name", [n for n, _ in _NAMES[:6]] + ["Łukasz Żółkiewski", "Siobhán Ní Bhriain"])
def test_names_survive_extraction(name):
    reader, text = _text(feedback_pdf_bytes(make_data(name=name, n=2, change=False)))
    assert reader.metadata.title.startswith(f"Mentoring feedback for {name} (")
    flat = unicodedata.normalize("NFKC", _flat(text))
    if any("\u0600" <= ch <= "\u06ff" for ch in name):
        # Arabic is drawn shaped and in visual order: each word comes back, in logical or visual order
        for word in name.split(" (")[0].split():
            assert word in flat or word[::-1] in flat, word
        assert "(Layla Haddad)" in flat or "Layla Haddad" in flat
    else:
        assert name in flat
        assert f"Confidential: prepared for {name}" in flat


def test_suppressed_report_holds_no_mentee_data():
    data = make_data(n=2)
    reader, text = _text(feedback_pdf_bytes(data))
    flat = _flat(text)
    assert len(reader.pages) <= 3
    assert "Fewer than 3 of your mentees responded this round" in flat
    for phrase in ("mentees' average", "Mentees (n)", "plausible range", "What your mentees wrote",
                   "2 mentees", "2 mentee", "Question by question"):
        assert phrase not in flat, phrase
    for c in COMMENTS + GROWTH:
        assert c not in flat
    # self ratings, benchmark and suggestions are there
    assert "Your own rating" in flat and "Program middle half" in flat and "Take action" in flat


def test_check_refuses_leaky_data():
    data = make_data(n=2)
    comp = dataclasses.replace(data.competencies[0], mean=5.0)
    with pytest.raises(ConfidentialityError):
        feedback_pdf_bytes(dataclasses.replace(data, competencies=(comp,) + data.competencies[1:]))
    with pytest.raises(ConfidentialityError):
        feedback_pdf_bytes(dataclasses.replace(data, n_mentees=2))
    full = make_data(n=5)
    with pytest.raises(ConfidentialityError):
        feedback_pdf_bytes(dataclasses.replace(full, n_mentees=2))


def test_without_band_or_change():
    _, text = _text(feedback_pdf_bytes(make_data(n=4, band=False, change=False, comments=False)))
    flat = _flat(text)
    assert "middle half of mentors in this program" not in flat.replace(
        "The program's middle half is shown once at least 10 mentors", "")
    assert "Change since" not in flat


@pytest.mark.parametrize("mid,name,wave,expected", [
    ("M001", "Zofia Wiśniewska", "post", "m001_zofia-wisniewska_post.pdf"),
    ("M004", "王芳 (Wang Fang)", "pre", "m004_wang-fang-wang-fang_pre.pdf"),
    ("../x", "ليلى", "a b", "x_lyla_a-b.pdf"),
])
def test_report_filename(mid, name, wave, expected):
    assert report_file_name(mid, name, wave) == expected


@pytest.mark.parametrize("n", [2, 5])
def test_without_a_self_assessment(n):
    _, text = _text(feedback_pdf_bytes(make_data(n=n, self_done=False)))
    flat = _flat(text)
    assert "We did not receive a self-assessment from you this round." in flat
    for phrase in ("open diamond", "about the same, given the uncertainty", "Where your view",
                   "shows your self-assessment"):
        assert phrase not in flat, phrase
    assert "Take action" in flat


def test_file_names_transliterate_latin_letters():
    assert report_file_name("M011", "Søren Kierkegaard-Holm", "post") == "m011_soren-kierkegaard-holm_post.pdf"
    assert report_file_name("M009", "Łukasz Żółkiewski", "pre") == "m009_lukasz-zolkiewski_pre.pdf"


def test_unwritable_target_is_a_report_error(tmp_path):
    from mentorassess.errors import ReportError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReportError) as exc:
        render_feedback(make_data(n=2), None, blocker / "sub" / "a.pdf")
    assert exc.value.exit_code == 2


@pytest.mark.parametrize("n", [1, 5])
def test_own_goals_are_shown_with_or_without_mentee_results(n):
    data = dataclasses.replace(make_data(n=n), own_goals=("Hold regular check-ins about career goals.",))
    _, text = _text(feedback_pdf_bytes(data))
    flat = _flat(text)
    assert "What you wrote in your self-assessment:" in flat
    assert "Hold regular check-ins about career goals." in flat
