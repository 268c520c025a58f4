"""Agreement statistics against R (tests/reference/scoring/make_reference.R) and published values."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import ConfigError, DataError
from mentorassess.instruments import load_instrument
from mentorassess.scoring import score
from mentorassess.stats.agreement import (icc_nested, icc_shrout_fleiss, mean_reliability, rater_agreement, rwg,
                                          rwg_by_mentor, rwg_j, uniform_null_variance)

REF = Path(__file__).parent / "reference" / "scoring"
TOL = 1e-4
SF = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]


@lru_cache(maxsize=None)
def ref() -> dict:
    return json.loads((REF / "reference.json").read_text())


@lru_cache(maxsize=None)
def sample_scores():
    d = pd.read_csv(REF / "sample_responses.csv", dtype={"rater_id": str})
    return score(d, load_instrument("mca-26"))


def _compare_nested(res, r):
    t = res.to_frame().set_index("variable").loc[r["vars"]]
    for ours, theirs in (("ICC1", "ICC1"), ("ICC2", "ICC2"), ("F", "F"), ("ICC1_low", "ci1_low"),
                         ("ICC1_high", "ci1_high"), ("ICC2_low", "ci2_low"), ("ICC2_high", "ci2_high")):
        np.testing.assert_allclose(t[ours].to_numpy(float), np.array(r[theirs], float), rtol=0, atol=TOL,
                                   err_msg=ours)
    return float(np.max(np.abs(t["ICC1"].to_numpy(float) - np.array(r["ICC1"]))))


def test_statsby_toy():
    toy = pd.read_csv(REF / "statsby_toy.csv")
    res = icc_nested(toy, group="mentor", columns=["y", "z"])
    _compare_nested(res, ref()["statsby_toy"])
    # psychometrics.md §10 cross-check values
    t = res.to_frame().set_index("variable")
    assert t.loc["y", "ICC1"] == pytest.approx(0.741049, abs=1e-6)
    assert t.loc["y", "ICC2"] == pytest.approx(0.889047, abs=1e-6)
    assert t.loc["y", "ICC1_low"] == pytest.approx(0.245340, abs=1e-6)
    assert t.loc["y", "ICC1_high"] == pytest.approx(0.965877, abs=1e-6)
    assert t.loc["z", "ICC1"] == pytest.approx(0.721683, abs=1e-6)
    assert t.loc["y", "k_bar"] == pytest.approx(14 / 5)


def test_statsby_public_sat_act_unbalanced():
    sa = pd.read_csv(REF / "sat_act.csv")
    res = icc_nested(sa, group="education", columns=["ACT", "SATV", "SATQ"])
    _compare_nested(res, ref()["statsby_sat_act"])


@pytest.mark.parametrize("wave", ["pre", "post"])
def test_statsby_sample_items_and_competencies(wave):
    res = rater_agreement(sample_scores(), wave=wave)
    _compare_nested(res, ref()[f"statsby_{wave}"])


def test_shrout_fleiss_against_psych_and_published():
    res = icc_shrout_fleiss(SF).to_frame()
    r = ref()["icc_sf"]
    assert list(res["type"]) == r["type"]
    for col in ("ICC", "F", "df1", "df2", "p", "lower", "upper"):
        np.testing.assert_allclose(res[col].to_numpy(float), np.array(r[col], float), rtol=0, atol=TOL, err_msg=col)
    published = [0.1657, 0.2898, 0.7148, 0.4428, 0.6201, 0.9093]  # Shrout & Fleiss (1979), psychometrics.md §10
    np.testing.assert_allclose(res["ICC"], published, atol=5e-5)
    assert list(res["label"]) == ["ICC(1,1)", "ICC(A,1)", "ICC(C,1)", "ICC(1,k)", "ICC(A,k)", "ICC(C,k)"]


def test_shrout_fleiss_equals_pingouin_point_values():
    pg = pytest.importorskip("pingouin")
    long = pd.DataFrame([(i, j, v) for i, row in enumerate(SF) for j, v in enumerate(row)],
                        columns=["t", "j", "v"])
    p = pg.intraclass_corr(long, targets="t", raters="j", ratings="v")
    np.testing.assert_allclose(icc_shrout_fleiss(SF).to_frame()["ICC"], p["ICC"].to_numpy(), atol=1e-12)


def test_shrout_fleiss_validation():
    with pytest.raises(DataError):
        icc_shrout_fleiss([[1, np.nan], [2, 3]])
    with pytest.raises(DataError):
        icc_shrout_fleiss([1, 2, 3])


def test_rwg_toy_and_null():
    assert uniform_null_variance(7) == 4.0
    assert uniform_null_variance(5) == 2.0
    r = ref()["rwg_toy"]
    assert rwg([6, 7, 6, 5, 7]) == pytest.approx(r["rwg"], abs=1e-12)
    m = np.array([[6, 5, 7], [7, 6, 7], [6, 6, 6], [5, 5, 6], [7, 7, 7]])
    assert rwg_j(m) == pytest.approx(r["rwg_j"], abs=1e-12)
    assert np.isnan(rwg([5]))
    assert rwg([1, 7, 1, 7]) == 0.0  # variance above the null: truncated
    with pytest.raises(ConfigError):
        uniform_null_variance(1)


def test_rwg_per_mentor_against_multilevel():
    sc = sample_scores()
    d = sc.items[(sc.items["rater_role"] == "mentee") & (sc.items["wave"] == "pre")]
    r1 = ref()["rwg_mca01"]
    for g, val in zip(r1["grpid"], r1["rwg"]):
        ours = rwg(d.loc[d["mentor_id"] == g, "mca01"])
        if val is None:
            assert np.isnan(ours)
        else:
            assert ours == pytest.approx(val, abs=TOL)
    comm = list(load_instrument("mca-26").competency("communication").items)
    rj = ref()["rwgj_communication"]
    for g, val in zip(rj["grpid"], rj["rwg_j"]):
        ours = rwg_j(d.loc[d["mentor_id"] == g, comm])
        if val is None:
            assert np.isnan(ours)
        else:
            assert ours == pytest.approx(val, abs=TOL)
    res = rwg_by_mentor(sc, wave="pre").to_frame()
    assert (res["n"] >= 3).all()
    assert set(res["kind"]) == {"item", "competency"}


def test_mean_reliability_spearman_brown():
    assert mean_reliability(0.3, 1) == pytest.approx(0.3)
    assert mean_reliability(0.3, 3) == pytest.approx(0.9 / 1.6)
    # ICC2 of statsBy is the reliability at k_bar raters
    toy = pd.read_csv(REF / "statsby_toy.csv")
    t = icc_nested(toy, group="mentor", columns=["z"]).to_frame().iloc[0]
    assert mean_reliability(t["ICC1"], t["k_bar"]) == pytest.approx(t["ICC2"], abs=1e-12)
    np.testing.assert_allclose(mean_reliability(0.3, np.array([3, 5])), [0.5625, 15 * 0.1 / 2.2])
    with pytest.raises(ConfigError):
        mean_reliability(0.3, 0)


def test_nested_degenerate_and_validation():
    d = pd.DataFrame({"g": ["a", "a", "b"], "y": [1.0, 1.0, 2.0], "w": [1.0, np.nan, np.nan]})
    res = icc_nested(d, group="g", columns=["y", "w"])
    assert res.notes
    assert np.isnan(res.to_frame().set_index("variable").loc["w", "ICC1"])
    with pytest.raises(DataError):
        icc_nested(d, group="nope")
    with pytest.raises(DataError):
        icc_nested(d, group="g", columns=["zz"])


def test_profile_reliability_uses_shown_values_only():
    from mentorassess.aggregate import aggregate
    from mentorassess.stats.agreement import profile_reliability

    sc = sample_scores()
    prof = aggregate(sc)
    rel = profile_reliability(sc, prof)
    shown = prof.competencies[~prof.competencies["suppressed"]]
    assert len(rel.mentors) == len(shown)
    row = rel.program[(rel.program["wave"] == "pre") & (rel.program["competency"] == "overall")].iloc[0]
    ok = shown[(shown["wave"] == "pre") & (shown["competency"] == "overall")]["mentor_id"]
    d = sc.scores[(sc.scores["rater_role"] == "mentee") & (sc.scores["wave"] == "pre")
                  & sc.scores["mentor_id"].isin(ok)]
    t = icc_nested(d, group="mentor_id", columns=["overall"]).to_frame().iloc[0]
    assert row["icc1"] == pytest.approx(t["ICC1"]) and row["icc2"] == pytest.approx(t["ICC2"])
    assert row["reliability_at_min"] == pytest.approx(mean_reliability(t["ICC1"], 3))
    m = rel.mentors.iloc[0]
    assert m["reliability"] == pytest.approx(mean_reliability(m["icc1"], m["mentee_n"]))
