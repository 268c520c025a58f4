"""Program tables (suppression, change, needs) and the program summary PDF."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mentorassess.program_tables import (PRIMARY, SECONDARY, pre_post_change, subgroup_table, suppress_partition)
from mentorassess.reports.program import fmt1, fmt_pct, program_pdf_bytes
from mentorassess.scoring import OVERALL
from tests._program_helpers import REPORT_DATE, page_count, pdf_text, program_data


@pytest.fixture(scope="module")
def data():
    return program_data()


@pytest.fixture(scope="module")
def pdf(data):
    _, _, _, sc, prof, tables = data
    return program_pdf_bytes(sc, prof, tables, report_date=REPORT_DATE)


@pytest.fixture(scope="module")
def text(pdf):
    return pdf_text(pdf)


# --- suppression -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("counts, expected", [
    ([10, 8], [None, None]),
    ([10, 2, 6, 5], [None, PRIMARY, None, SECONDARY]),
    ([1, 1, 9], [PRIMARY, PRIMARY, SECONDARY]),   # two hidden cells of 1+1 < 3 mentors: hide one more
    ([2, 7], [PRIMARY, SECONDARY]),
    ([0 + 1], [PRIMARY]),
])
def test_suppress_partition(counts, expected):
    assert suppress_partition(counts, 3) == expected


def test_subgroup_cells_equal_plain_groupby_and_hidden_cells_are_protected(data):
    _, _, roster, _, prof, _ = data
    k = prof.settings.min_raters
    tab = subgroup_table(prof, "department").table
    comp = prof.competencies
    vals = comp[comp["mentee_mean"].notna()].merge(roster[["mentor_id", "department"]], on="mentor_id")
    for (w, cid), g in vals.groupby(["wave", "competency"]):
        expect = g.groupby("department")["mentee_mean"].agg(["count", "mean"])
        cells = tab[(tab["wave"] == w) & (tab["competency"] == cid) & (tab["rater_role"] == "mentee")]
        for row in cells.itertuples():
            n, m = expect.loc[row.group, "count"], expect.loc[row.group, "mean"]
            if row.suppressed:
                assert pd.isna(row.mean) and pd.isna(row.n_mentors)
            else:
                assert n >= k and row.n_mentors == n and row.mean == pytest.approx(m, abs=1e-12)
        hidden = cells[cells["suppressed"]]
        if len(hidden):  # never exactly one hidden cell, and hidden cells hold >= k mentors together
            assert len(hidden) >= 2 or len(hidden) == len(cells)
            assert expect.loc[hidden["group"], "count"].sum() >= k or len(hidden) == len(cells)


def test_change_equals_paired_t(data):
    _, _, _, _, prof, _ = data
    ch = pre_post_change(prof, "pre", "post", role="self").table.set_index("competency")
    comp = prof.competencies
    a = comp[comp["wave"] == "pre"].set_index(["mentor_id", "competency"])["self_score"]
    b = comp[comp["wave"] == "post"].set_index(["mentor_id", "competency"])["self_score"]
    both = pd.concat({"a": a, "b": b}, axis=1).dropna().reset_index()
    g = both[both["competency"] == OVERALL]
    d = (g["b"] - g["a"]).to_numpy()
    res = stats.ttest_rel(g["b"], g["a"])
    ci = res.confidence_interval(0.95)
    row = ch.loc[OVERALL]
    assert row["n_pairs"] == len(d)
    assert row["mean_change"] == pytest.approx(d.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert row["d_z"] == pytest.approx(d.mean() / d.std(ddof=1))
    assert row["share_improved"] == pytest.approx((d > 0).mean())


def test_participation_counts(data):
    _, responses, _, _, _, tables = data
    t = tables.participation.table.set_index(["wave", "rater_role"])
    expect = responses.groupby(["wave", "rater_role"]).size()
    for key, n in expect.items():
        assert t.loc[key, "responses"] == n
    mentee = responses[responses["rater_role"] == "mentee"]
    at_min = (mentee.groupby(["wave", "mentor_id"]).size() >= 3).groupby(level=0).sum()
    for w, n in at_min.items():
        assert t.loc[(w, "mentee"), "mentors_at_min"] == n


# --- PDF ---------------------------------------------------------------------------------------------------
def test_program_pdf_pages_and_determinism(data, pdf):
    _, _, _, sc, prof, tables = data
    assert 5 <= page_count(pdf) <= 10
    assert program_pdf_bytes(sc, prof, tables, report_date=REPORT_DATE) == pdf


def test_program_pdf_numbers_equal_the_api(data, text):
    _, _, _, _, _, tables = data
    flat = " ".join(text.split())
    # participation
    for r in tables.participation.table.itertuples():
        assert f"{r.wave} {'mentor self-rating' if r.rater_role == 'self' else 'mentee rating'} {r.responses} " \
               f"{r.mentors} {r.raters} {r.mentors_at_min}" in flat
    assert "qualtrics_mentee.csv 212 199 13" in flat
    # program profile (mean and interval, as rounded in the report)
    prof = tables.profile.dropna(subset=["mean"])
    for r in prof.itertuples():
        assert f"{fmt1(r.mean)} [{fmt1(r.ci_low)}, {fmt1(r.ci_high)}]" in flat
    # change sentence for the overall score
    for ch in tables.changes:
        ov = ch.table.set_index("competency").loc[OVERALL]
        assert f"by {fmt1(abs(ov['mean_change']))} points" in flat
        assert f"95% CI {fmt1(ov['ci_low'])} to {fmt1(ov['ci_high'])}" in flat
        assert f"Φ(d_z) = {fmt_pct(ov['phi_dz'])}" in flat
    # training needs
    for r in tables.training_needs.competencies.itertuples():
        assert f"{fmt1(r.mentee_mean)} {fmt_pct(r.share_below)}" in flat


def test_program_pdf_shows_suppression_and_names_no_mentor(data, text):
    _, _, roster, _, _, tables = data
    flat = " ".join(text.split())
    subs = tables.to_frame()
    overall = subs[(subs["competency"] == OVERALL)]
    if (overall["suppressed_reason"] == PRIMARY).any():
        assert "suppressed (n < 3)" in flat
    if (overall["suppressed_reason"] == SECONDARY).any():
        assert "suppressed (secondary)" in flat
    for name in roster["name"]:
        assert str(name) not in text
    for mid in roster["mentor_id"]:
        assert str(mid) not in text


def test_show_names_adds_the_appendix(data):
    _, _, roster, sc, prof, tables = data
    text = pdf_text(program_pdf_bytes(sc, prof, tables, report_date=REPORT_DATE, show_names=True))
    assert "Appendix: mentors" in text
    assert str(roster["name"].iloc[1]).split()[0] in text


def test_program_command_writes_both_files(tmp_path, data):
    from mentorassess.cli import main
    from mentorassess.io.canonical import write_csv

    _, responses, roster, *_ = data
    write_csv(responses, tmp_path / "responses.csv")
    write_csv(roster, tmp_path / "roster.csv")
    with pytest.raises(SystemExit) as exc:
        main(["program", str(tmp_path / "responses.csv"), "--instrument", "mca-26", "--roster",
              str(tmp_path / "roster.csv"), "--out", str(tmp_path / "out"), "--report-date", "2026-06-30"])
    assert exc.value.code in (0, None)
    assert (tmp_path / "out" / "program_summary.pdf").stat().st_size > 10_000
    assert (tmp_path / "out" / "staff_workbook.xlsx").exists()
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "out" / "staff_workbook.xlsx")
    assert not [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
