"""Pre/post change against R's t.test and wilcox.test (tests/reference/scoring/make_reference.R)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import ConfigError, DataError, InsufficientDataError
from mentorassess.instruments import load_instrument
from mentorassess.scoring import score
from mentorassess.stats.change import compare_waves, hedges_j, paired_change, welch_change, wilcoxon_signed_rank

REF = Path(__file__).parent / "reference" / "scoring"
TOL = 1e-4


@lru_cache(maxsize=None)
def ref() -> dict:
    return json.loads((REF / "reference.json").read_text())


@lru_cache(maxsize=None)
def sample_responses() -> pd.DataFrame:
    return pd.read_csv(REF / "sample_responses.csv", dtype={"rater_id": str})


@lru_cache(maxsize=None)
def sample_scores():
    return score(sample_responses(), load_instrument("mca-26"))


def test_paired_toy_against_r_and_crosscheck():
    r = ref()["paired_toy"]
    res = paired_change(r["pre"], r["post"])
    for ours, theirs in (("t", "t"), ("df", "df"), ("p", "p"), ("ci_low", "ci_low"), ("ci_high", "ci_high"),
                         ("wilcoxon_V", "V"), ("wilcoxon_p", "wilcox_p")):
        assert res[ours] == pytest.approx(r[theirs], abs=TOL * 1e-2), ours
    # psychometrics.md §10
    assert res["mean_diff"] == pytest.approx(5.083333, abs=1e-6)
    assert res["d_z"] == pytest.approx(1.400509, abs=1e-6)
    assert res["g_z"] == pytest.approx(1.302417, abs=1e-6)  # exact J
    assert res["wilcoxon_exact"] is False


def test_wilcoxon_exact_branch():
    r = ref()["wilcox_exact"]
    v, p, exact = wilcoxon_signed_rank(r["x"])
    assert exact and v == r["V"] and p == pytest.approx(r["p"], abs=1e-12)


def test_hedges_j():
    assert hedges_j(11) == pytest.approx(1.302417 / 1.400509, abs=1e-6)
    assert np.isnan(hedges_j(1))


@pytest.mark.parametrize("role", ["self", "mentee"])
def test_sample_change_against_r(role):
    res = compare_waves(sample_scores(), role=role)
    assert res.method == "paired"
    assert res.pairing == ("mentor_id" if role == "self" else "mentor_id+rater_id")
    t = res.to_frame().set_index("competency")
    r = ref()[f"change_{role}"]
    worst = 0.0
    for comp, vals in r.items():
        row = t.loc[comp]
        assert row["n"] == vals["n"]
        for ours, theirs in (("t", "t"), ("df", "df"), ("p", "p"), ("mean_diff", "mean_diff"), ("ci_low", "ci_low"),
                             ("ci_high", "ci_high"), ("wilcoxon_V", "V"), ("wilcoxon_p", "wilcox_p"), ("d_z", "d_z")):
            assert row[ours] == pytest.approx(vals[theirs], abs=TOL), (comp, ours)
            worst = max(worst, abs(row[ours] - vals[theirs]))
    assert worst < TOL


def test_welch_fallback_without_rater_ids():
    d = sample_responses().copy()
    d["rater_id"] = np.where(d["rater_role"] == "self", d["mentor_id"], None)
    res = compare_waves(score(d, "mca-26"), role="mentee")
    assert res.method == "welch" and res.pairing == "none"
    assert any("Welch" in n for n in res.notes)
    row = res.to_frame().set_index("competency").loc["overall"]
    r = ref()["welch_mentee_overall"]
    for k in ("t", "df", "p", "ci_low", "ci_high"):
        assert row[k] == pytest.approx(r[k], abs=TOL), k
    assert np.isnan(row["d_z"]) and np.isfinite(row["hedges_g"])
    with pytest.raises(ConfigError):
        compare_waves(score(d, "mca-26"), role="mentee", paired=True)


def test_welch_function_direct():
    res = welch_change([1, 2, 3, 4], [2, 4, 5, 7, 8])
    assert res["method"] == "welch" and res["mean_diff"] == pytest.approx(5.2 - 2.5)


def test_per_mentor_change_respects_threshold():
    res = compare_waves(sample_scores(), role="mentee", by_mentor=True, min_raters=3)
    t = res.to_frame()
    hidden = t[t["suppressed"]]
    assert hidden[["t", "p", "mean_diff", "mean_pre", "mean_post", "ci_low", "d_z"]].isna().all().all()
    shown = t[~t["suppressed"]]
    assert (shown["n"] >= 3).all() and len(shown) > 0
    # per mentor equals the program function on that mentor's pairs
    m = shown["mentor_id"].iloc[0]
    sc = sample_scores().scores
    a = sc[(sc["mentor_id"] == m) & (sc["rater_role"] == "mentee") & (sc["wave"] == "pre")]
    b = sc[(sc["mentor_id"] == m) & (sc["rater_role"] == "mentee") & (sc["wave"] == "post")]
    mm = a.merge(b, on="rater_id", suffixes=("_pre", "_post"))
    direct = paired_change(mm["overall_pre"], mm["overall_post"])
    row = shown[(shown["mentor_id"] == m) & (shown["competency"] == "overall")].iloc[0]
    assert row["t"] == pytest.approx(direct["t"]) and row["n"] == direct["n"]
    with pytest.raises(ConfigError):
        compare_waves(sample_scores(), min_raters=2, by_mentor=True)


def test_self_per_mentor_is_a_difference():
    t = compare_waves(sample_scores(), role="self", by_mentor=True).to_frame()
    one = t[(t["competency"] == "overall") & t["n"].eq(1)]
    assert len(one) > 0 and one["t"].isna().all() and one["mean_diff"].notna().all()


def test_wave_order_and_retrospective():
    sc = sample_scores()
    with pytest.raises(ConfigError):
        compare_waves(sc, pre="post", post="pre")
    with pytest.raises(ConfigError):
        compare_waves(sc, pre="pre", post="follow_up")
    with pytest.raises(ConfigError):
        compare_waves(sc, pre="pre", post="pre")
    # a retrospective pre-test collected at post, compared with post of the same raters
    d = sample_responses().copy()
    retro = d[d["wave"] == "post"].copy()
    retro["wave"] = "retrospective_pre"
    retro["response_id"] = "R" + retro["response_id"]
    items = [f"mca{i:02d}" for i in range(1, 27)]
    retro[items] = (retro[items] - 1).clip(lower=1)
    both = pd.concat([d, retro], ignore_index=True)
    res = compare_waves(score(both, "mca-26"), pre="retrospective_pre", post="post", role="mentee")
    assert res.retrospective and any("retrospective" in n for n in res.notes)
    assert (res.to_frame()["mean_diff"] > 0).all()
    # a declared order wins over the default
    res = compare_waves(sc, pre="pre", post="post", wave_order=["pre", "post"])
    assert res.pre == "pre"


def test_duplicate_pair_keys_rejected():
    d = sample_responses().copy()
    dup = d[(d["rater_role"] == "mentee") & (d["wave"] == "pre")].iloc[[0]].copy()
    dup["response_id"] = "DUP1"
    with pytest.raises(DataError):
        compare_waves(score(pd.concat([d, dup], ignore_index=True), "mca-26"))


def test_missing_role_wave():
    d = sample_responses()
    d = d[~((d["rater_role"] == "self") & (d["wave"] == "post"))]
    with pytest.raises(InsufficientDataError):
        compare_waves(score(d, "mca-26"), role="self")
