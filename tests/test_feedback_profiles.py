"""Feedback PDFs from real profiles (score -> aggregate -> render): the suppression matrix.

For rater counts 0 .. min_raters + 1 a mentor's report must hold no mentee value, count or comment
below the threshold, anywhere in the file (text layer and metadata): every decimal number printed
must be a self rating, a program benchmark or a scale value.
"""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from pypdf import PdfReader

from mentorassess.aggregate import aggregate
from mentorassess.instruments import load_instrument
from mentorassess.reports.feedback import ReportOptions, feedback_pdf_bytes, render_feedback
from mentorassess.reports._profile import feedback_data
from mentorassess.sample import generate
from mentorassess.scoring import score

MIN_RATERS = 3
MIN_COMMENTS = 4
COUNTS = list(range(0, MIN_RATERS + 2))  # 0, 1, 2, 3, 4
OPTIONS = ReportOptions(report_date="2026-11-25", program="Test program")


def _marker(k: int, j: int, kind: str) -> str:
    return f"Marker {kind} comment for matrix mentor {k} rater {j}."


@pytest.fixture(scope="module")
def matrix():
    inst = load_instrument("mca-26")
    prog = generate(seed=20261125, n_mentors=14)
    r = prog.responses
    donor = r[(r["mentor_id"] == "M004") & (r["wave"] == "post")]
    mentee = donor[donor["rater_role"] == "mentee"]
    own = donor[donor["rater_role"] == "self"]
    extra = []
    for k in COUNTS:
        block = pd.concat([own, mentee.iloc[:k]]).copy()
        block["mentor_id"] = f"X{k}"
        block["response_id"] = [f"X{k}-{i}" for i in range(len(block))]
        block["rater_id"] = [f"X{k}-r{i}" for i in range(len(block))]
        is_m = block["rater_role"] == "mentee"
        block.loc[is_m, "comment_strengths"] = [_marker(k, j, "strength") for j in range(int(is_m.sum()))]
        block.loc[is_m, "comment_growth"] = [_marker(k, j, "growth") for j in range(int(is_m.sum()))]
        extra.append(block)
    responses = pd.concat([r] + extra, ignore_index=True)
    roster = pd.concat([prog.roster, pd.DataFrame(
        [{"mentor_id": f"X{k}", "name": f"Matrix Mentor {k}", "department": "Testing"} for k in COUNTS])],
        ignore_index=True)
    profiles = aggregate(score(responses, inst), min_raters=MIN_RATERS, min_raters_comments=MIN_COMMENTS,
                         roster=roster)
    out = {}
    for k in COUNTS:
        prof = profiles.profile(f"X{k}", "post")
        pdf = feedback_pdf_bytes(feedback_data(prof, inst, options=OPTIONS, min_raters_comments=MIN_COMMENTS))
        out[k] = (prof, pdf)
    return inst, profiles, out


def _all_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    meta = " ".join(str(v) for v in (reader.metadata or {}).values())
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages) + " " + meta)


def _allowed_numbers(prof) -> set[str]:
    allowed = set()
    for v in prof.competencies["self_score"].dropna():
        allowed.add(f"{v:.1f}")
    for v in prof.items["self_score"].dropna():
        allowed.add(f"{v:.1f}")
    band = prof.program_band
    for col in ("p25", "p75"):
        if col in band:
            allowed |= {f"{v:.1f}" for v in band[col].dropna()}
    return allowed


@pytest.mark.parametrize("k", COUNTS)
def test_suppression_matrix(matrix, k):
    inst, profiles, out = matrix
    prof, pdf = out[k]
    text = _all_text(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) <= 3
    assert "Matrix Mentor" in text
    if k < MIN_RATERS:
        assert prof.suppressed
        assert f"Fewer than {MIN_RATERS} of your mentees responded this round" in text
        assert not re.search(r"\b\d+ mentees?\b", text), "a mentee count is printed"
        for phrase in ("mentees' average", "Mentees (n)", "plausibly", "What your mentees wrote", "Marker"):
            assert phrase not in text, phrase
        printed = set(re.findall(r"(?<![\d.])\d\.\d(?![\d])", text))
        assert printed <= _allowed_numbers(prof), printed - _allowed_numbers(prof)
    else:
        assert not prof.suppressed
        assert f"{k} mentees responded" in text
        shown = prof.competencies[prof.competencies["mentee_mean"].notna() & (prof.competencies["competency"] != "overall")]
        if len(shown) >= 2:  # the release layer may withhold competency values (feasible-range rule)
            assert "Your mentees rated you highest on" in text
            # the number audit has teeth: a report with mentee results prints numbers it would refuse
            printed = set(re.findall(r"(?<![\d.])\d\.\d(?![\d])", text))
            assert printed - _allowed_numbers(prof)
        markers = [_marker(k, j, kind) for j in range(k) for kind in ("strength", "growth")]
        if k >= MIN_COMMENTS:
            assert all(m in text for m in markers)
            # stable order unrelated to submission: sorted as the profile gives them
            pos = [text.index(m) for m in sorted(m for m in markers if "strength" in m)]
            assert pos == sorted(pos)
        else:
            assert "Marker" not in text
            assert f"Comments are shown only when at least {MIN_COMMENTS} mentees" in text


def test_every_rater_count_gives_the_same_suppressed_wording(matrix):
    _, _, out = matrix
    texts = {k: _all_text(out[k][1]) for k in COUNTS if k < MIN_RATERS}
    notices = {re.search(r"Fewer than \d of your mentees responded[^.]*\.", t).group(0) for t in texts.values()}
    assert len(notices) == 1


def test_render_feedback_from_profile_is_deterministic(matrix, tmp_path):
    inst, profiles, _ = matrix
    prev = profiles.profile("M004", "pre")
    prof = profiles.profile("M004", "post")
    a = render_feedback(prof, inst, tmp_path / "a.pdf", options=OPTIONS, previous=prev).read_bytes()
    b = render_feedback(prof, inst, tmp_path / "b.pdf", options=OPTIONS, previous=prev).read_bytes()
    assert a == b
    text = _all_text(a)
    assert "Change since the start of the program" in text


def test_profile_source_matches_the_profiles_api(matrix):
    from mentorassess.reports._profile import ProfileSource

    inst, profiles, _ = matrix
    source = ProfileSource(profiles, inst, options=OPTIONS)
    for mentor_id, wave in [("M004", "post"), ("M002", "pre"), ("X1", "post"), ("X4", "post")]:
        prev = profiles.profile(mentor_id, "pre") if wave == "post" else None
        direct = feedback_data(profiles.profile(mentor_id, wave), inst, options=OPTIONS, previous=prev,
                               min_raters_comments=MIN_COMMENTS)
        assert source.data((mentor_id, wave)) == direct
