"""Shrunken scores and the multilevel change built from released Profiles (issue 21).

References: tests/reference/precision/released/ (lme4 and lmerTest fitted in R to the raw mentee
ratings behind the sample's released means) and tests/reference/precision/reference.json.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests._precision_ref import csv, ref

ROOT = Path(__file__).resolve().parent.parent
REL = ROOT / "tests" / "reference" / "precision" / "released"
TOL = 1e-4


@lru_cache(maxsize=None)
def sample():
    from mentorassess.aggregate import aggregate
    from mentorassess.instruments import load_instrument
    from mentorassess.io.canonical import read_responses
    from mentorassess.io.roster import read_roster
    from mentorassess.scoring import score
    from mentorassess.stats.program_data import program_tables

    ins = load_instrument("mca-26")
    roster = read_roster(ROOT / "data" / "sample" / "roster.csv")
    sc = score(read_responses(ROOT / "data" / "sample" / "responses.csv", ins), ins)
    prof = aggregate(sc, roster=roster)
    return ins, roster, prof, program_tables(prof, roster=roster)


@lru_cache(maxsize=None)
def released_ref() -> dict:
    return json.loads((REL / "released.json").read_text())


def released_ratings() -> pd.DataFrame:
    return pd.read_csv(REL / "released_ratings.csv", dtype={"mentor": str})


# --- the pure functions: summaries give the fit of the ratings -------------------------------------------
def _summ(d: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return d.groupby(keys)["score"].agg(n="count", mean="mean", sd="std").reset_index()


def test_shrunken_from_summaries_equals_lme4_on_the_ratings():
    from mentorassess.stats.precision.summaries import shrunken_from_summaries

    pp = csv("sim_prepost.csv")
    eb = shrunken_from_summaries(_summ(pp[pp["wave"] == "pre"], ["mentor"])).table
    r = ref()["eb_sim"]
    assert eb["mentor"].tolist() == r["mentor"]
    np.testing.assert_allclose(eb["blup"], r["blup"], atol=TOL)
    np.testing.assert_allclose(eb["cond_sd"], r["cond_sd"], atol=TOL)


def test_prepost_from_summaries_equals_lmertest_on_the_ratings():
    from mentorassess.stats.precision.summaries import prepost_from_summaries

    pp = csv("sim_prepost.csv")
    ch = prepost_from_summaries(_summ(pp, ["mentor", "wave"]), waves=("pre", "post"))
    r = ref()["pp_sim"]
    for k in ("estimate", "se", "df", "t", "p", "intercept"):
        assert getattr(ch, k) == pytest.approx(r[k], abs=TOL), k
    assert ch.tau2 == pytest.approx(r["mentor"], abs=TOL) and ch.sigma2 == pytest.approx(r["Residual"], abs=TOL)


def test_ratings_from_summaries_keep_count_mean_and_sd_and_reject_bad_rows():
    from mentorassess.errors import DataError
    from mentorassess.stats.precision.summaries import ratings_from_summaries

    s = pd.DataFrame({"mentor": ["a", "b", "c"], "n": [1, 2, 7], "mean": [3.0, 4.5, 6.25], "sd": [np.nan, 0.7, 1.3]})
    r = ratings_from_summaries(s).groupby("mentor")["score"].agg(["count", "mean", "std"])
    assert r["count"].tolist() == [1, 2, 7]
    np.testing.assert_allclose(r["mean"], [3.0, 4.5, 6.25], atol=1e-12)
    np.testing.assert_allclose(r["std"].iloc[1:], [0.7, 1.3], atol=1e-12)
    with pytest.raises(DataError):
        ratings_from_summaries(s.assign(n=[1, 0, 3]))


# --- shrunken profiles from the release layer ------------------------------------------------------------
def test_released_reference_inputs_are_the_release_layers_cells():
    """The R input holds exactly the released cells, with the n and mean the profiles release."""
    from mentorassess.stats.precision.released import _cell_n

    _, _, prof, _ = sample()
    d = released_ratings()
    got = d.groupby(["mentor", "wave", "competency"])["score"].agg(["count", "mean"])
    comp = prof.competencies.assign(_n=_cell_n(prof.competencies, prof.mentors))
    shown = comp[comp["mentee_mean"].notna()].set_index(["mentor_id", "wave", "competency"])
    assert set(got.index) == set(shown.index)
    shown = shown.reindex(got.index)
    assert (got["count"].to_numpy() == shown["_n"].to_numpy()).all()
    np.testing.assert_allclose(got["mean"], shown["mentee_mean"].astype(float), atol=1e-12)


def test_shrunken_profiles_equal_lme4_on_the_released_ratings():
    from mentorassess.stats.precision.released import SHOWN, shrunken_profiles

    _, _, prof, _ = sample()
    sp = shrunken_profiles(prof)
    t = sp.table.set_index(["wave", "competency", "mentor_id"]).sort_index()
    mods = sp.models.set_index(["wave", "competency"])
    checked = 0
    for key, r in released_ref()["eb"].items():
        w, s = key.split("/")
        sub = t.xs((w, s), level=["wave", "competency"]).reindex(r["mentor"])
        assert (sub["status"] == SHOWN).all()
        np.testing.assert_allclose(sub["eb_score"], r["eb_score"], atol=TOL)
        np.testing.assert_allclose(sub["eb_sd"], r["cond_sd"], atol=TOL)
        assert mods.loc[(w, s), "tau2"] == pytest.approx(r["tau2"], abs=TOL)
        assert mods.loc[(w, s), "mu"] == pytest.approx(r["mu"], abs=TOL)
        checked += len(r["mentor"])
    assert checked == int((sp.table["status"] == SHOWN).sum())
    rel = sp.table["reliability"].dropna()
    assert ((rel > 0) & (rel < 1)).all()


def test_shrunken_value_withheld_exactly_where_the_raw_mean_is():
    from mentorassess.release.rules import HIDDEN
    from mentorassess.stats.precision.released import shrunken_profiles

    _, _, prof, _ = sample()
    sp = shrunken_profiles(prof)
    raw = prof.competencies.set_index(["mentor_id", "wave", "competency"])
    t = sp.table.set_index(["mentor_id", "wave", "competency"]).reindex(raw.index)
    hidden = raw["mentee_mean"].isna()
    assert hidden.any() and (~hidden).any()
    assert t.loc[hidden, ["eb_score", "eb_sd", "eb_ci_low", "eb_ci_high", "reliability"]].isna().all().all()
    assert (t.loc[hidden, "status"] == HIDDEN).all()
    assert t.loc[~hidden, "eb_score"].notna().all()
    assert t["suppressed"].equals(raw["suppressed"])
    assert t["suppressed_reason"].fillna("").equals(raw["suppressed_reason"].fillna(""))
    rows = sp.to_dict()["rows"]
    assert all(all(r[c] is None for c in ("mentee_mean", "eb_score", "eb_sd", "reliability"))
               for r in rows if r["status"] == HIDDEN)
    json.dumps(sp.to_dict())


def test_too_few_released_mentors_gives_no_shrunken_score():
    from mentorassess.stats.precision.released import shrunken_profiles

    _, _, prof, _ = sample()
    sp = shrunken_profiles(prof, min_mentors=10_000)
    shown = prof.competencies["mentee_mean"].notna().to_numpy()
    assert (sp.table.loc[shown, "status"] == "not_estimated").all()
    assert sp.table["eb_score"].isna().all()


# --- the program summary's change --------------------------------------------------------------------------
def test_program_change_equals_lmertest_on_the_released_ratings():
    _, _, _, tables = sample()
    (ml,) = tables.multilevel
    t = ml.table.set_index("competency")
    for s, r in released_ref()["change"].items():
        row = t.loc[s]
        assert not row["suppressed"]
        assert int(row["n_mentors"]) == r["n_mentors"]
        for k in ("estimate", "se", "df", "p", "ci_low", "ci_high", "tau2", "sigma2", "d_total"):
            assert float(row[k]) == pytest.approx(r[k], abs=TOL), (s, k)


def test_program_change_equals_statsmodels_mixedlm_reml():
    """An independent implementation (statsmodels MixedLM, REML) on the raw ratings: estimate and SE."""
    import warnings

    import statsmodels.formula.api as smf

    _, _, _, tables = sample()
    (ml,) = tables.multilevel
    row = ml.table.set_index("competency").loc["overall"]
    d = released_ratings()
    d = d[d["competency"] == "overall"]
    both = set(d.loc[d["wave"] == "pre", "mentor"]) & set(d.loc[d["wave"] == "post", "mentor"])
    d = d[d["mentor"].isin(both)].assign(post=lambda x: (x["wave"] == "post").astype(float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # method="bfgs": statsmodels' default lbfgs stops at tau2 = 0 here (llf inf)
        f = smf.mixedlm("score ~ post", d, groups=d["mentor"]).fit(reml=True, method="bfgs")
    assert float(row["estimate"]) == pytest.approx(f.fe_params["post"], abs=TOL)
    assert float(row["se"]) == pytest.approx(f.bse_fe["post"], abs=TOL)


def test_program_change_respects_the_program_cell_rules():
    from mentorassess.stats.precision.released import multilevel_change

    _, _, prof, _ = sample()
    many = multilevel_change(prof, pre="pre", post="post", min_mentors=10_000)
    assert many.table["suppressed"].all() and many.table[["estimate", "n_mentors"]].isna().all().all()
    dominant = multilevel_change(prof, pre="pre", post="post", max_mentor_share=0.05)
    assert dominant.table["suppressed"].all()
    ok = multilevel_change(prof, pre="pre", post="post")
    assert not ok.table["suppressed"].any()


def test_program_summary_states_the_model_estimate_ci_df_and_effect():
    from mentorassess.reports.program import _blocks

    ins, _, prof, tables = sample()
    r = released_ref()["change"]["overall"]
    blocks = _blocks(ins, prof, tables, report_date=dt.date(2026, 6, 30), program_name=None, show_names=False)

    def texts(bs):
        for b in bs:
            yield b.text
            yield from texts(b.children)
    text = "\n".join(texts(blocks))
    sign = lambda v: f"{v:+.1f}".replace("-", "−")  # noqa: E731
    statement = (f"estimated change {sign(r['estimate'])} points on the 1–7 scale (95% CI {sign(r['ci_low'])} to "
                 f"{sign(r['ci_high'])}; Satterthwaite df {r['df']:.1f}; standardised change d = {r['d_total']:.2f}), "
                 f"over {r['n_mentors']} mentors released in both waves.")
    assert text.count(statement) == 2  # headline and section 5
    assert "score ~ wave + (1 | mentor)" in text and "Satterthwaite" in text


@pytest.mark.parametrize("lo,hi,word", [(0.12, 0.9, "rose"), (0.04, 0.9, "did not clearly change"),
                                        (-0.8, -0.06, "fell"), (-0.8, -0.04, "did not clearly change"),
                                        (-0.3, 0.3, "did not clearly change")])
def test_words_follow_the_printed_interval(lo, hi, word):
    from mentorassess.reports._program_change import multilevel_sentence

    row = {"estimate": (lo + hi) / 2, "ci_low": lo, "ci_high": hi, "df": 40.0, "d_total": 0.2, "n_mentors": 9}
    s = multilevel_sentence(row, pre="pre", post="post", scale_max=7)
    assert f"Mentees' ratings {word} between pre and post" in s
    printed = [float(x.replace("−", "-")) for x in re.search(r"95% CI (\S+) to (\S+);", s).groups()]
    includes_zero = printed[0] <= 0 <= printed[1]
    assert ("The interval includes zero." in s) == includes_zero == (word == "did not clearly change")


def test_headline_falls_back_to_the_paired_change_when_the_model_is_withheld():
    from dataclasses import replace

    from mentorassess.reports.program import _headlines
    from mentorassess.stats.precision.released import multilevel_change

    ins, _, prof, tables = sample()
    withheld = replace(tables, multilevel=(multilevel_change(prof, pre="pre", post="post", min_mentors=10_000),))
    heads = _headlines(ins, prof, withheld, {})
    assert not any("Satterthwaite" in h for h in heads)
    assert any(h.startswith("Mentees' ratings, pre to post: overall change") for h in heads)


# --- the staff workbook ----------------------------------------------------------------------------------------
def _sheet(wb, name: str) -> pd.DataFrame:
    rows = list(wb[name].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "mentor_id")
    return pd.DataFrame(rows[head + 1:], columns=rows[head])


def test_workbook_shrunken_sheet_follows_the_raw_sheets_release_decisions(tmp_path):
    import openpyxl

    from mentorassess.reports.workbook import write_staff_workbook
    from mentorassess.stats.precision.released import shrunken_profiles

    ins, _, prof, tables = sample()
    path = write_staff_workbook(prof, tables, tmp_path / "wb.xlsx", report_date=dt.date(2026, 6, 30), instrument=ins)
    wb = openpyxl.load_workbook(path)
    raw, eb = _sheet(wb, "Mentor profiles"), _sheet(wb, "Shrunken scores")
    key = ["mentor_id", "wave", "competency"]
    m = raw[key + ["status", "mentee_mean"]].merge(eb, on=key, how="outer", suffixes=("_raw", ""), indicator=True)
    assert (m["_merge"] == "both").all() and len(m) == len(prof.competencies)
    assert (m["status_raw"] == m["status"]).all()
    empty = m["mentee_mean_raw"].isna()
    assert empty.any() and (~empty).any()
    for c in ("mentee_mean", "eb_score", "eb_sd", "eb_ci_low", "eb_ci_high", "reliability"):
        assert (m[c].isna() == empty).all(), c
    api = shrunken_profiles(prof).table
    api = api[api["eb_score"].notna()]
    got = m[~empty].sort_values(["mentor_id", "wave"]).set_index(["mentor_id", "wave"])
    assert len(got) == len(api)
    np.testing.assert_allclose(np.sort(got["eb_score"].astype(float)), np.sort(api["eb_score"]), atol=1e-12)
    (ml,) = tables.multilevel
    mlw = _sheet_any(wb, "Multilevel change")
    np.testing.assert_allclose(mlw["estimate"].astype(float), ml.table["estimate"].astype(float), atol=1e-12)


def _sheet_any(wb, name: str) -> pd.DataFrame:
    rows = list(wb[name].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "role")
    return pd.DataFrame(rows[head + 1:], columns=rows[head]).dropna(how="all")
