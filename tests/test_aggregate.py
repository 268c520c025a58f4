"""Profiles: every number equals an independent plain-pandas computation on the sample data."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from mentorassess.aggregate import GapRule, MentorProfile, Profiles, aggregate
from mentorassess.errors import ConfigError, DataError
from mentorassess.instruments import load_instrument
from mentorassess.sample import generate
from mentorassess.scoring import score

MIN = 3


@lru_cache(maxsize=None)
def _program():
    return generate(seed=20261125, n_mentors=40)


@lru_cache(maxsize=None)
def _profiles(min_raters: int = MIN) -> Profiles:
    prog = _program()
    return aggregate(score(prog.responses, "mca-26"), min_raters=min_raters, roster=prog.roster)


def _plain_competency_scores() -> pd.DataFrame:
    """Competency scores per response computed from the raw responses with plain pandas."""
    prog = _program()
    ins = load_instrument("mca-26")
    r = prog.responses
    out = r[["mentor_id", "rater_role", "wave"]].copy()
    for comp in ins.competencies:
        sub = r[list(comp.items)]
        out[comp.id] = sub.mean(axis=1).where(sub.notna().sum(axis=1) * 2 >= len(comp.items))
    items = r[list(ins.total_item_ids)]
    out["overall"] = items.mean(axis=1).where(items.notna().sum(axis=1) * 2 >= items.shape[1])
    return out


def _independent(long: pd.DataFrame, key: str, shown: pd.DataFrame) -> pd.DataFrame:
    """Mentee n, mean, SD, SE, t CI, pooled CI with the two gates, by plain groupby.

    The release layer may withhold more cells than the two gates (item detail, feasible range):
    the pooled SD is over the cells it shows, so ``shown`` (keys) restricts the cells after the
    gates; the test checks separately that every shown cell passes the gates.
    """
    mentee = long[long["rater_role"] == "mentee"]
    responses = mentee.groupby(["mentor_id", "wave"]).size().rename("responses")
    g = mentee.dropna(subset=["value"]).groupby(["mentor_id", "wave", key])["value"]
    t = pd.DataFrame({"n": g.count(), "mean": g.mean(), "sd": g.std()}).reset_index()
    t = t.merge(responses.reset_index(), on=["mentor_id", "wave"])
    t = t[(t["responses"] >= MIN) & (t["n"] >= MIN)].copy()
    keys = shown[["mentor_id", "wave", key]]
    assert len(keys.merge(t, on=["mentor_id", "wave", key])) == len(keys), "a shown cell fails the gates"
    t = t.merge(keys, on=["mentor_id", "wave", key])
    t["se"] = t["sd"] / np.sqrt(t["n"])
    t["tq"] = stats.t.ppf(0.975, t["n"] - 1)
    pooled = t.groupby(["wave", key]).apply(
        lambda d: pd.Series({"msw": ((d["n"] - 1) * d["sd"] ** 2).sum() / (d["n"].sum() - len(d)),
                             "df": d["n"].sum() - len(d)}), include_groups=False).reset_index()
    t = t.merge(pooled, on=["wave", key])
    t["pse"] = np.sqrt(t["msw"] / t["n"])
    t["plow"] = t["mean"] - stats.t.ppf(0.975, t["df"]) * t["pse"]
    return t


def _check(prof_tab: pd.DataFrame, ind: pd.DataFrame, key: str) -> None:
    shown = prof_tab[~prof_tab["suppressed"]]
    assert len(shown) == len(ind)
    m = shown.merge(ind, on=["mentor_id", "wave", key], validate="one_to_one")
    assert len(m) == len(ind)
    assert m["mentee_n"].isna().all()  # one n per report, none per cell (release rule R7)
    for a, b in (("mentee_mean", "mean"), ("mentee_sd", "sd"), ("mentee_se", "se"), ("pooled_se", "pse"),
                 ("pooled_ci_low", "plow")):
        np.testing.assert_allclose(m[a], m[b], rtol=0, atol=1e-12)
    np.testing.assert_allclose(m["mentee_ci_high"], m["mean"] + m["tq"] * m["se"], atol=1e-12)
    np.testing.assert_allclose(m["mentee_ci_low"], m["mean"] - m["tq"] * m["se"], atol=1e-12)
    np.testing.assert_allclose(m["pooled_df"], m["df"])
    np.testing.assert_allclose(m["pooled_sd"], np.sqrt(m["msw"]), atol=1e-12)
    np.testing.assert_allclose(m["pooled_ci_high"], 2 * m["mean"] - m["plow"], atol=1e-12)


def test_competency_profiles_equal_plain_groupby():
    plain = _plain_competency_scores()
    cols = ["communication", "expectations", "understanding", "independence", "diversity",
            "professional_development", "overall"]
    long = plain.melt(id_vars=["mentor_id", "rater_role", "wave"], value_vars=cols, var_name="competency")
    tab = _profiles().competencies
    _check(tab, _independent(long, "competency", tab[~tab["suppressed"]]), "competency")
    # Self scores: the mentor's own response.
    own = long[long["rater_role"] == "self"].set_index(["mentor_id", "wave", "competency"])["value"]
    tab = _profiles().competencies.set_index(["mentor_id", "wave", "competency"])
    np.testing.assert_allclose(tab["self_score"].reindex(own.index), own, atol=1e-12)
    assert tab.loc[~tab.index.isin(own.index), "self_score"].isna().all()


def test_item_profiles_equal_plain_groupby():
    r = _program().responses
    items = [f"mca{i:02d}" for i in range(1, 27)]
    long = r.melt(id_vars=["mentor_id", "rater_role", "wave"], value_vars=items, var_name="item")
    tab = _profiles().items
    _check(tab, _independent(long, "item", tab[~tab["suppressed"]]), "item")


def test_gap_and_classification():
    tab = _profiles().competencies
    both = tab.dropna(subset=["self_score", "mentee_mean"])
    np.testing.assert_allclose(both["gap"], both["self_score"] - both["mentee_mean"], atol=1e-12)
    blind = (both["gap"] >= 0.5) & (both["self_score"] > both["pooled_ci_high"])
    hidden = (both["gap"] <= -0.5) & (both["self_score"] < both["pooled_ci_low"])
    expected = np.where(blind, "blind_spot", np.where(hidden, "hidden_strength", "aligned"))
    assert (both["gap_class"].to_numpy() == expected).all()
    assert tab.loc[tab["gap"].isna(), "gap_class"].isna().all()
    assert {"blind_spot", "hidden_strength", "aligned"} <= set(both["gap_class"])


def test_gap_rule_configurable():
    rule = GapRule(min_gap=0.0, interval="none")
    assert rule.classify(5.1, 5.0) == "blind_spot"
    assert rule.classify(4.9, 5.0) == "hidden_strength"
    assert GapRule(interval="own").classify(6.0, 5.0, 4.0, 6.5) == "aligned"
    assert GapRule().classify(np.nan, 5.0) is None
    with pytest.raises(ConfigError):
        GapRule(min_gap=-1)
    with pytest.raises(ConfigError):
        GapRule(interval="wide")
    prog = _program()
    prof = aggregate(score(prog.responses, "mca-26"), gap_rule=rule)
    both = prof.competencies.dropna(subset=["gap"])
    assert set(both["gap_class"]) <= {"blind_spot", "hidden_strength"} | ({"aligned"} if (both["gap"] == 0).any()
                                                                          else set())


def test_program_benchmarks_and_percentiles():
    prof = _profiles()
    tab = prof.competencies
    for (wave, comp), g in tab.groupby(["wave", "competency"]):
        means = g["mentee_mean"].dropna().to_numpy()
        row = prof.program[(prof.program["wave"] == wave) & (prof.program["rater_role"] == "mentee")
                           & (prof.program["level"] == "competency") & (prof.program["competency"] == comp)].iloc[0]
        assert row["n_mentors"] == len(means)
        assert row["mean"] == pytest.approx(means.mean(), abs=1e-12)
        assert row["sd"] == pytest.approx(means.std(ddof=1), abs=1e-12)
        # R: quantile(x, c(.25, .5, .75)) (type 7)
        assert row["p25"] == pytest.approx(pd.Series(means).quantile(0.25), abs=1e-12)
        assert row["p75"] == pytest.approx(pd.Series(means).quantile(0.75), abs=1e-12)
        pct = g.dropna(subset=["mentee_mean"])
        for _, r in pct.iterrows():
            # ties are judged on values rounded to 9 decimals (exact ties on paper stay ties)
            rounded, v = np.round(means, 9), round(r["mentee_mean"], 9)
            below = (rounded < v).sum()
            equal = (rounded == v).sum()
            assert r["program_percentile"] == pytest.approx(100 * (below + equal / 2) / len(means))


def test_strongest_weakest_with_ties():
    ins = load_instrument("mca-26")
    rows = []
    for k in range(3):
        row = {"response_id": f"r{k}", "mentor_id": "m1", "rater_role": "mentee", "wave": "pre", "rater_id": f"e{k}"}
        for comp in ins.competencies:
            v = 6.0 if comp.id in ("communication", "diversity") else (2.0 if comp.id == "expectations" else 4.0)
            row.update({i: v for i in comp.items})
        rows.append(row)
    prof = aggregate(score(pd.DataFrame(rows), ins))
    p = prof.profile("m1", "pre")
    assert p.strongest == ("communication", "diversity")
    assert p.weakest == ("expectations",)
    ranks = p.competencies.set_index("competency")["mentee_rank"]
    assert ranks["communication"] == ranks["diversity"] == 1 and ranks["independence"] == 3


def test_profile_object():
    prof = _profiles()
    m = prof.mentors[~prof.mentors["suppressed"]].iloc[0]
    p = prof.profile(m["mentor_id"], m["wave"])
    assert isinstance(p, MentorProfile)
    assert p.name == m["name"] and p.mentee_n == m["mentee_n"]
    assert "program_percentile" not in p.competencies.columns
    assert len(p.competencies) == 7 and len(p.items) == 26
    assert set(p.program_band.columns) == {"competency", "n_mentors", "p25", "p50", "p75"}
    with pytest.raises(DataError):
        prof.profile("nobody", "pre")
    with pytest.raises(AttributeError):
        p.mentor_id = "x"  # frozen


@pytest.mark.parametrize("bad", [0, 1, 2, 2.5, True, "3"])
def test_min_raters_floor(bad):
    sc = score(_program().responses.iloc[:20], "mca-26")
    with pytest.raises(ConfigError):
        aggregate(sc, min_raters=bad)


def test_comment_threshold_never_lower():
    sc = score(_program().responses.iloc[:20], "mca-26")
    with pytest.raises(ConfigError):
        aggregate(sc, min_raters=4, min_raters_comments=3)
    assert aggregate(sc, min_raters=4, min_raters_comments=6).settings.min_raters_comments == 6


def test_roster_mentors_without_responses_get_empty_profiles():
    prog = _program()
    roster = pd.concat([prog.roster, pd.DataFrame([{"mentor_id": "M999", "name": "New Mentor"}])],
                       ignore_index=True)
    prof = aggregate(score(prog.responses, "mca-26"), roster=roster)
    m = prof.mentors[prof.mentors["mentor_id"] == "M999"]
    assert len(m) == 2 and m["suppressed"].all() and not m["self_present"].any()
    with pytest.raises(DataError):
        aggregate(score(prog.responses, "mca-26"), roster=pd.concat([roster, roster]))


@given(st.randoms(use_true_random=False))
@settings(max_examples=5, deadline=None)
def test_row_order_invariance(rnd):
    prog = _program()
    resp = prog.responses
    perm = list(range(len(resp)))
    rnd.shuffle(perm)
    a = aggregate(score(resp, "mca-26"), roster=prog.roster)
    b = aggregate(score(resp.iloc[perm], "mca-26"), roster=prog.roster)
    for name in ("competencies", "items", "comments", "mentors", "program"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=False, rtol=1e-12)


def test_to_frame_is_a_copy_with_both_levels():
    prof = _profiles()
    f = prof.to_frame()
    assert set(f["level"]) == {"competency", "item"}
    f.loc[:, "mentee_mean"] = 0
    assert (prof.competencies["mentee_mean"].dropna() != 0).all()


def test_ranks_and_mentor_rows_equal_plain_computation():
    prof = _profiles()
    tab = prof.competencies[prof.competencies["competency"] != "overall"]
    for (mentor, wave), g in tab.groupby(["mentor_id", "wave"]):
        for col, rank_col in (("mentee_mean", "mentee_rank"), ("self_score", "self_rank")):
            vals = np.round(g[col].to_numpy(float), 9)
            for v, r in zip(vals, g[rank_col]):
                if np.isnan(v):
                    assert pd.isna(r)
                else:
                    assert r == 1 + (vals[~np.isnan(vals)] > v).sum()
        row = prof.mentors[(prof.mentors["mentor_id"] == mentor) & (prof.mentors["wave"] == wave)].iloc[0]
        shown = g.dropna(subset=["mentee_mean"])
        if len(shown) >= 2:
            best = shown.loc[shown["mentee_mean"] == shown["mentee_mean"].max(), "competency"]
            worst = shown.loc[shown["mentee_mean"] == shown["mentee_mean"].min(), "competency"]
            assert row["strongest"] == ";".join(best) and row["weakest"] == ";".join(worst)
        else:
            assert pd.isna(row["strongest"])
    r = _program().responses
    counts = r[r["rater_role"] == "mentee"].groupby(["mentor_id", "wave"]).size()
    for _, row in prof.mentors.iterrows():
        n = counts.get((row["mentor_id"], row["wave"]), 0)
        assert row["suppressed"] == (n < MIN)
        assert (pd.isna(row["mentee_n"]) if n < MIN else row["mentee_n"] == n)  # the sample: keyed, substantive
        assert row["self_present"] == bool(((r["mentor_id"] == row["mentor_id"]) & (r["wave"] == row["wave"])
                                            & (r["rater_role"] == "self")).any())
    roster = _program().roster.set_index("mentor_id")
    assert (prof.mentors["name"].to_numpy() == roster.loc[prof.mentors["mentor_id"], "name"].to_numpy()).all()
    # self percentile: mid-rank among the wave's self scores
    g = prof.competencies[(prof.competencies["wave"] == "pre") & (prof.competencies["competency"] == "overall")]
    v = g["self_score"].dropna().to_numpy()
    for _, x in g.dropna(subset=["self_score"]).iterrows():
        assert x["self_percentile"] == pytest.approx(100 * ((v < x["self_score"]).sum()
                                                            + (v == x["self_score"]).sum() / 2) / len(v))


def test_declared_wave_order():
    resp = _program().responses.copy()
    resp["wave"] = resp["wave"].map({"pre": "2025-fall", "post": "2026-spring"})
    sc = score(resp.iloc[::-1], "mca-26")
    assert aggregate(sc).settings.waves == ("2026-spring", "2025-fall")   # first appearance
    prof = aggregate(sc, wave_order=["2025-fall", "2026-spring"])
    assert prof.settings.waves == ("2025-fall", "2026-spring")
    assert list(prof.mentors["wave"].iloc[:2]) == ["2025-fall", "2026-spring"]
