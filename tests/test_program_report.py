"""Program figures (participation, profile, change extras) and the program summary PDF."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mentorassess.program import ALL
from mentorassess.program_tables import participation, program_profile, share_below
from mentorassess.reports.program import fmt1, fmt_pct, fmt_signed1, program_pdf_bytes
from mentorassess.scoring import OVERALL
from tests._program_helpers import REPORT_DATE, page_count, pdf_text, program_data


@pytest.fixture(scope="module")
def data():
    return program_data()


@pytest.fixture(scope="module")
def pdf(data):
    _, _, _, sc, prof, tables = data
    return program_pdf_bytes(sc.instrument, prof, tables, report_date=REPORT_DATE)


@pytest.fixture(scope="module")
def flat(pdf):
    return " ".join(pdf_text(pdf).split())


# --- lower-layer helpers of this issue ------------------------------------------------------------------------
def test_participation_counts(data):
    _, responses, _, sc, prof, _ = data
    t = participation(prof).table.set_index(["wave", "rater_role"])
    excluded = set(prof.exclusions["response_id"]) if len(prof.exclusions) else set()
    counted = responses[~responses["response_id"].isin(excluded)]
    for key, n in counted.groupby(["wave", "rater_role"]).size().items():
        assert t.loc[key, "responses"] == n
    released = (~prof.mentors["suppressed"]).groupby(prof.mentors["wave"]).sum()
    for w, n in released.items():
        assert t.loc[(w, "mentee"), "mentors_at_min"] == n
    mentee = counted[counted["rater_role"] == "mentee"]
    at_min = (mentee.groupby(["wave", "mentor_id"]).size() >= 3).groupby(level=0).sum()
    for w, n in at_min.items():  # keyed sample raters: released = at least 3 counted mentees
        assert t.loc[(w, "mentee"), "mentors_at_min"] == n


def test_program_profile_and_share_below_equal_plain_pandas(data):
    _, _, _, _, prof, _ = data
    comp = prof.competencies
    shown = comp[comp["mentee_mean"].notna()]
    got = program_profile(prof).set_index(["wave", "rater_role", "competency"])
    for (w, c), g in shown.groupby(["wave", "competency"]):
        v = g["mentee_mean"].to_numpy()
        half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
        row = got.loc[(w, "mentee", c)]
        assert row["n_mentors"] == len(v)
        assert (row["mean"], row["ci_low"], row["ci_high"]) == pytest.approx((v.mean(), v.mean() - half,
                                                                               v.mean() + half))
    sb = share_below(prof, "post", level=5.0).set_index("competency")
    post = shown[shown["wave"] == "post"]
    for c, g in post.groupby("competency"):
        assert sb.loc[c, "share_below"] == pytest.approx((g["mentee_mean"] < 5.0).mean())


def test_change_extras(data):
    _, _, _, sc, prof, tables = data
    ch = {c.role: c for c in tables.changes}
    selfc = ch["self"].table.set_index("competency").loc[OVERALL]
    assert selfc["phi_dz"] == pytest.approx(stats.norm.cdf(selfc["d_z"]))
    s = sc.scores[sc.scores["rater_role"] == "self"].set_index(["mentor_id", "wave"])[OVERALL].unstack()
    d = (s["post"] - s["pre"]).dropna()
    assert selfc["share_improved"] == pytest.approx((d > 0).mean())
    assert selfc["mentors_compared"] == len(d)
    assert selfc["mean_diff"] == pytest.approx(d.mean())


# --- PDF ---------------------------------------------------------------------------------------------------
def test_program_pdf_pages_and_determinism(data, pdf):
    _, _, _, sc, prof, tables = data
    assert 5 <= page_count(pdf) <= 10
    assert program_pdf_bytes(sc.instrument, prof, tables, report_date=REPORT_DATE) == pdf


def test_program_pdf_numbers_equal_the_api(data, flat):
    _, _, _, _, _, tables = data
    from mentorassess.program_tables import roster_participation

    _, _, _, _, prof, _ = data
    for r in roster_participation(prof).itertuples():  # mentors against the roster, per form and wave
        assert f"{r.wave} {'mentor self-rating' if r.form == 'self' else 'mentee rating'} {r.invited} " \
               f"{r.responded} {r.released} {fmt_pct(r.response_rate)}" in flat
    for r in tables.participation.table.itertuples():  # responses counted (section 8)
        assert f"{r.wave} {'mentor self-rating' if r.rater_role == 'self' else 'mentee rating'} {r.responses} " \
               f"{r.raters}" in flat
    # import accounting is staff detail (workbook), not a released figure of the summary
    assert "qualtrics_mentee.csv" not in flat and "staff workbook" in flat
    for r in tables.profile.dropna(subset=["mean"]).itertuples():
        assert f"{fmt1(r.mean)} [{fmt1(r.ci_low)}, {fmt1(r.ci_high)}]" in flat
    for ch in tables.changes:
        ov = ch.table.set_index("competency").loc[OVERALL]
        assert f"by {fmt_signed1(ov['mean_diff'])} points" in flat
        assert f"95% CI {fmt_signed1(ov['ci_low'])} to {fmt_signed1(ov['ci_high'])}" in flat
        assert f"Φ(d_z) = {fmt_pct(ov['phi_dz'])}" in flat
    needs = tables.training_needs.table
    low = needs[(needs["kind"] == "lowest_mentee_mean") & (needs["level"] == "competency")]
    sb = tables.share_below.set_index("competency")
    for r in low.itertuples():
        assert f"{int(r.n_mentors)} {fmt1(r.value)} {fmt_pct(sb.loc[r.competency, 'share_below'])}" in flat


def test_program_pdf_subgroups_show_suppression_and_values(data, flat):
    _, _, _, _, _, tables = data
    t = tables.subgroups.table
    ov = t[(t["competency"] == OVERALL) & (t["by"] != ALL)]
    shown = ov[~ov["suppressed"] & ov["mean"].notna()]
    for r in shown.itertuples():
        assert f"{fmt1(r.mean)} ({int(r.n_mentors)})" in flat
    assert ov["suppressed"].any(), "the test data should exercise suppression"
    assert "suppressed" not in flat and "secondary" not in flat  # hidden cells read '–' whatever the reason


def test_program_pdf_names_no_mentor(data, pdf):
    _, _, roster, *_ = data
    text = pdf_text(pdf)
    for name in roster["name"]:
        assert str(name) not in text
    for mid in roster["mentor_id"]:
        assert str(mid) not in text


def test_show_names_adds_the_appendix(data):
    _, _, roster, sc, prof, tables = data
    text = pdf_text(program_pdf_bytes(sc.instrument, prof, tables, report_date=REPORT_DATE, show_names=True))
    assert "Appendix: mentors" in text
    assert str(roster["name"].iloc[1]).split()[0] in text


def test_program_command_writes_both_files(tmp_path, data):
    import json

    from openpyxl import load_workbook

    from mentorassess.cli import main
    from mentorassess.io.canonical import write_csv
    from tests._program_helpers import IMPORT_AUDIT

    _, responses, roster, *_ = data
    write_csv(responses, tmp_path / "responses.csv")
    write_csv(roster, tmp_path / "roster.csv")
    (tmp_path / "audit.json").write_text(json.dumps(IMPORT_AUDIT), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(SystemExit) as exc:
            main(["program", str(tmp_path / "responses.csv"), "--instrument", "mca-26", "--roster",
                  str(tmp_path / "roster.csv"), "--out", str(tmp_path / "out"), "--report-date", "2026-06-30",
                  "--audit", str(tmp_path / "audit.json")])
    assert exc.value.code in (0, None)
    assert (tmp_path / "out" / "program_summary.pdf").stat().st_size > 10_000
    wb = load_workbook(tmp_path / "out" / "staff_workbook.xlsx")
    assert not [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert wb["Import audit"]["B3"].value == 212
