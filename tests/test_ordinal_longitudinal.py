"""Ordinal invariance across two waves of the same raters against semTools::measEq.syntax (longFacNames,
long.equal; residuals correlated across waves) + lavaan, and the waves-as-groups approximation."""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import ConfigError, DataError, DataQualityWarning, InsufficientDataError
from mentorassess.stats.ordinal import (ordinal_invariance, ordinal_longitudinal_invariance, STEPS,
                                        waves_as_groups)
from mentorassess.stats.ordinal.longitudinal import INDEPENDENCE

REF = Path(__file__).parent / "reference" / "ordinal"
CASES = {"long1": {"f": ["x1", "x2", "x3", "x4"]}, "long2": {"f1": ["m1", "m2", "m3"], "f2": ["m4", "m5", "m6"]}}


@lru_cache(maxsize=None)
def ref() -> dict:
    return json.loads((REF / "longitudinal.json").read_text())


@lru_cache(maxsize=None)
def data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / f"{name}.csv")


@lru_cache(maxsize=None)
def result(name: str):
    return ordinal_longitudinal_invariance(data(name), CASES[name], wave="wave", id="rater", waves=["pre", "post"])


@pytest.mark.parametrize("name", list(CASES))
def test_fit_of_each_step(name):
    res, r = result(name), ref()[name]
    assert res.waves == ("pre", "post") and res.n_pairs == r["nobs"]
    assert res.n_pairs + res.n_dropped == r["n_raters"]
    tab = res.to_frame().set_index("step")
    assert list(tab.index) == list(STEPS)
    for step, m in r["models"].items():
        f, row = m["fit"], tab.loc[step]
        assert m["converged"]
        assert row["npar"] == f["npar"] and row["df"] == f["df"], step
        for mine, theirs in (("chisq", "chisq"), ("chisq_scaled", "chisq.scaled"),
                             ("baseline_chisq_scaled", "baseline.chisq.scaled"), ("cfi_scaled", "cfi.scaled"),
                             ("tli_scaled", "tli.scaled"), ("rmsea_scaled", "rmsea.scaled"), ("srmr", "srmr"),
                             ("scaling_factor", "chisq.scaling.factor")):
            assert row[mine] == pytest.approx(f[theirs], abs=1e-3), (step, mine)
        assert row["pvalue_scaled"] == pytest.approx(f["pvalue.scaled"], abs=1e-4)
        assert row["shift"] == pytest.approx(m["shift"], abs=1e-3)


@pytest.mark.parametrize("name", list(CASES))
def test_satorra_2000_difference_tests(name):
    tab = result(name).to_frame().set_index("step")
    for step, t in ref()[name]["lrt"].items():
        assert tab.loc[step, "chisq_diff"] == pytest.approx(t["chisq_diff"], abs=1e-3)
        assert tab.loc[step, "df_diff"] == t["df_diff"]
        assert tab.loc[step, "pvalue_diff"] == pytest.approx(t["pvalue"], abs=1e-4)


@pytest.mark.parametrize("name", list(CASES))
def test_parameter_estimates_including_the_residual_covariances_across_waves(name):
    res = result(name)
    for step, m in ref()[name]["models"].items():
        pe = pd.DataFrame({k: m["params"][k] for k in ("lhs", "op", "rhs", "est")})
        pe = pe[pe.op.isin(["=~", "|", "~1", "~~"])].fillna({"rhs": ""})
        mine = res.estimates[step]
        mm = pe.merge(mine, on=["lhs", "op", "rhs"], how="outer", suffixes=("_r", ""), indicator=True)
        assert (mm["_merge"] == "both").all(), mm[mm["_merge"] != "both"]  # the same parameters, by name
        np.testing.assert_allclose(mm["est"], mm["est_r"], atol=1e-4, rtol=0)
        items = CASES[name]
        names = [f"{i}.pre" for v in items.values() for i in v]
        auto = mine[(mine.op == "~~") & mine.lhs.isin(names) & mine.rhs.str.endswith(".post")]
        assert list(auto.rhs) == [n.replace(".pre", ".post") for n in names]  # item.pre ~~ item.post for each item
        assert (auto["est"].abs() > 0.05).all()  # the simulated residual correlation (0.3) is estimated


def test_the_drifting_item_breaks_scalar_invariance_and_the_decision_says_so():
    # long1: item x4's latent response is shifted at post (R script: drift_item = 4). Under Wu &
    # Estabrook's identification the shift is absorbed by the free intercept until intercepts are
    # constrained equal, so the scalar step is the one rejected.
    tab = result("long1").to_frame().set_index("step")
    assert tab.loc["thresholds", "holds"] and tab.loc["loadings", "holds"]
    assert not tab.loc["intercepts", "holds"] and tab.loc["intercepts", "pvalue_diff"] < 1e-6
    assert tab.loc["intercepts", "delta_cfi"] < -0.01
    tab2 = result("long2").to_frame().set_index("step")  # no drift: the scalar step holds
    assert tab2.loc["intercepts", "holds"] and tab2.loc["residuals", "holds"]
    assert tab.loc["loadings", "delta_cfi"] == pytest.approx(tab.loc["loadings", "cfi_scaled"]
                                                             - tab.loc["thresholds", "cfi_scaled"])


def test_pairs_are_found_by_id_whatever_the_row_order():
    d = data("long2").sample(frac=1.0, random_state=3)
    res = ordinal_longitudinal_invariance(d, CASES["long2"], wave="wave", id="rater", waves=["pre", "post"],
                                          steps=("configural",))
    assert res.to_frame()["chisq"].iloc[0] == pytest.approx(result("long2").to_frame()["chisq"].iloc[0], abs=1e-9)
    assert res.to_dict()["n_pairs"] == result("long2").n_pairs
    split = d.assign(mentor_id=d.rater.str[:3], rater_id=d.rater.str[3:])  # a key of two columns
    two = ordinal_longitudinal_invariance(split, CASES["long2"], wave="wave", id=("mentor_id", "rater_id"),
                                          steps=("configural",))
    assert two.n_pairs == res.n_pairs and two.to_frame()["chisq"].iloc[0] == pytest.approx(
        res.to_frame()["chisq"].iloc[0], abs=1e-9)


def test_bad_input_is_named():
    d = data("long1")
    with pytest.raises(ConfigError, match="exactly two waves"):
        ordinal_longitudinal_invariance(d.assign(wave=d.wave.where(d.index % 3 != 0, "mid")), CASES["long1"],
                                        wave="wave", id="rater")
    with pytest.raises(DataError, match="repeat a rater") as e:
        ordinal_longitudinal_invariance(pd.concat([d, d.iloc[:1]]), CASES["long1"], wave="wave", id="rater")
    assert e.value.value == "R0001"
    with pytest.raises(DataError, match="'who'"):
        ordinal_longitudinal_invariance(d, CASES["long1"], wave="wave", id="who")
    with pytest.raises(ConfigError):
        ordinal_longitudinal_invariance(d, CASES["long1"], wave="wave", id="rater", steps=("loadings",))
    post1 = d.copy()
    post1.loc[(post1.wave == "post") & (post1.x2 == 1), "x2"] = 2
    with pytest.raises(DataError) as e:
        ordinal_longitudinal_invariance(post1, CASES["long1"], wave="wave", id="rater")
    assert e.value.problems[0].column == "x2" and "'post'" in e.value.problems[0].message
    with pytest.raises(InsufficientDataError):
        few = d[d.rater.isin(sorted(set(d.rater))[:5])]
        ordinal_longitudinal_invariance(few, CASES["long1"], wave="wave", id="rater")


def test_waves_as_groups_warns_about_independence_and_is_the_group_model():
    d = data("long2")
    with pytest.warns(DataQualityWarning, match="independent groups") as rec:
        res = waves_as_groups(d, CASES["long2"], "wave", steps=("configural", "thresholds"))
    assert "same raters" in str(rec[0].message) and INDEPENDENCE in res.notes
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = ordinal_invariance(d, CASES["long2"], "wave", steps=("configural", "thresholds"))
    pd.testing.assert_frame_equal(res.to_frame(), plain.to_frame())
    # the groups model uses every row (not only pairs) and ignores the dependence: a different test
    assert sum(res.n_obs.values()) > 2 * result("long2").n_pairs
    assert res.to_frame()["chisq_diff"].iloc[1] != pytest.approx(
        result("long2").to_frame()["chisq_diff"].iloc[1], abs=1e-3)
