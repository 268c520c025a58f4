"""Issue 19: the program summary counts mentors throughout, and its intervals are mentor-level.

The change interval and the trained/untrained difference are recomputed here from the released
mentor-level values with scipy alone (not through mentorassess.stats), then found in the PDF and in
the Word copy.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from scipy import stats

from mentorassess.reports.program import fmt_signed1, program_pdf_bytes
from mentorassess.reports.program_docx import program_docx_bytes
from mentorassess.scoring import OVERALL
from tests._program_helpers import REPORT_DATE, pdf_text, program_data


@pytest.fixture(scope="module")
def big():
    """40 mentors: enough trained and untrained mentors released in both waves for the self form."""
    from mentorassess.aggregate import aggregate
    from mentorassess.sample import generate
    from mentorassess.scoring import score
    from mentorassess.stats.program_data import program_tables

    g = generate(seed=5, n_mentors=40)
    sc = score(g.responses, "mca-26")
    prof = aggregate(sc, roster=g.roster)
    tables = program_tables(prof, roster=g.roster)
    pdf = program_pdf_bytes(sc.instrument, prof, tables, report_date=REPORT_DATE)
    docx = program_docx_bytes(sc.instrument, prof, tables, report_date=REPORT_DATE)
    return g, sc, prof, tables, " ".join(pdf_text(pdf).split()), docx


def _docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return " ".join(" ".join(parts).split())


def _mentor_change(prof, col: str) -> np.ndarray:
    c = prof.competencies[(prof.competencies["competency"] == OVERALL) & prof.competencies[col].notna()]
    wide = c.pivot(index="mentor_id", columns="wave", values=col).dropna()
    return (wide["post"] - wide["pre"]).to_numpy(float), wide.index


@pytest.mark.parametrize("role, col", [("mentee", "mentee_mean"), ("self", "self_score")])
def test_change_interval_equals_an_independent_mentor_level_computation(big, role, col):
    _, _, prof, tables, flat, docx = big
    d, _ = _mentor_change(prof, col)
    n = len(d)
    se = d.std(ddof=1) / np.sqrt(n)
    q = stats.t.ppf(0.975, n - 1)
    lo, hi = d.mean() - q * se, d.mean() + q * se
    ch = {c.role: c for c in tables.changes}[role].table.set_index("competency").loc[OVERALL]
    assert (ch["n"], ch["mean_diff"], ch["ci_low"], ch["ci_high"]) == pytest.approx((n, d.mean(), lo, hi), abs=1e-10)
    sentence = f"95% CI {fmt_signed1(lo)} to {fmt_signed1(hi)}; {n} mentors with results released in both waves"
    assert sentence in flat and sentence in _docx_text(docx)


def test_trained_difference_in_differences_is_mentor_level_welch(big):
    _, _, prof, tables, flat, docx = big
    d, mentors = _mentor_change(prof, "self_score")
    trained = prof.mentors.drop_duplicates("mentor_id").set_index("mentor_id")["trained"].reindex(mentors)
    a, b = d[trained.to_numpy(bool)], d[~trained.to_numpy(bool)]
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    did = {t.role: t for t in tables.trained}["self"].table.set_index("competency").loc[OVERALL]
    assert (did["n_trained"], did["n_untrained"]) == (len(a), len(b))
    assert (did["did"], did["ci_low"], did["ci_high"]) == pytest.approx((a.mean() - b.mean(), ci.low, ci.high),
                                                                      abs=1e-10)
    cell = f"{fmt_signed1(did['did'])} [{fmt_signed1(ci.low)}, {fmt_signed1(ci.high)}]"
    assert cell in flat and cell in _docx_text(docx)
    assert "not assigned to training at random" in flat


def test_trained_comparison_hidden_below_min_mentors():
    _, _, _, sc, prof, tables = program_data()
    mentee = {t.role: t for t in tables.trained}["mentee"].table
    small = mentee[(mentee["n_trained"] < 3) | (mentee["n_untrained"] < 3)]
    assert len(small) and small["suppressed"].all() and small[["did", "ci_low", "ci_high"]].isna().all().all()
    assert not mentee.loc[~mentee.index.isin(small.index), "suppressed"].any()
    flat = " ".join(pdf_text(program_pdf_bytes(sc.instrument, prof, tables, report_date=REPORT_DATE)).split())
    part = flat[flat.index("change in mentees' ratings, pre to post"):]
    titles = {c.id: c.title for c in sc.instrument.competencies} | {OVERALL: "Overall (all items)"}
    for cid in small["competency"]:  # a hidden row reads '–' in every cell, no count
        assert f"{titles[cid]} – – – – –" in part
    for r in mentee[~mentee["suppressed"]].itertuples():
        assert f"{r.n_trained} {fmt_signed1(r.change_trained)} {r.n_untrained}" in part


def test_no_statement_mixes_units_and_page_one_has_headlines(big):
    _, _, _, tables, flat, _ = big
    for phrase in ("mentee pairs", "chance of improving", "the same mentee rating the same mentor",
                   "Rows read", "Mentors with ≥"):
        assert phrase not in flat
    page1 = flat[: flat.index("2. Competency profile")]
    assert "Headline findings" in page1 and "95% CI" in page1 and "mentors" in page1
    assert page1.index("Headline findings") < page1.index("1. Who took part")


def test_word_copy_has_the_pdf_content_and_is_deterministic(big):
    _, sc, prof, tables, flat, docx = big
    text = _docx_text(docx)
    for heading in ("Headline findings", "1. Who took part", "2. Competency profile of the program",
                    "Self-ratings against mentees' ratings, per wave", "5. Did scores move between waves?",
                    "6. Subgroups", "7. Methods"):
        assert heading in flat and heading in text
    assert program_docx_bytes(sc.instrument, prof, tables, report_date=REPORT_DATE) == docx
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(docx)).namelist()
    assert sum(n.startswith("word/media/") for n in names) >= 2  # the charts travel as images
