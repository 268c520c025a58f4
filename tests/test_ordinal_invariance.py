"""Ordinal invariance (Wu & Estabrook 2016) against semTools::measEq.syntax + lavaan 0.6-14."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import ConfigError, DataError
from mentorassess.stats.ordinal import ordinal_invariance

REF = Path(__file__).parent / "reference" / "ordinal"
CASES = {"bfi": ("bfi_gender.csv", {"agree": ["A1", "A2", "A3", "A4", "A5"]}, "gender"),
         "sim": ("sim_groups.csv", {"f1": ["m1", "m2", "m3"], "f2": ["m4", "m5", "m6"]}, "form")}


@lru_cache(maxsize=None)
def ref() -> dict:
    return json.loads((REF / "invariance.json").read_text())


@lru_cache(maxsize=None)
def result(name: str):
    file, model, group = CASES[name]
    return ordinal_invariance(pd.read_csv(REF / file), model, group)


@pytest.mark.parametrize("name", ["bfi", "sim"])
def test_fit_of_each_step(name):
    res = result(name)
    r = ref()[name]
    assert list(res.groups) == [str(g) for g in r["group_labels"]]
    assert [res.n_obs[g] for g in res.groups] == r["nobs"]
    tab = res.to_frame().set_index("step")
    for step, m in r["models"].items():
        f = m["fit"]
        row = tab.loc[step]
        assert row["npar"] == f["npar"] and row["df"] == f["df"]
        assert row["chisq"] == pytest.approx(f["chisq"], abs=1e-3)
        assert row["chisq_scaled"] == pytest.approx(f["chisq.scaled"], abs=1e-3)
        for mine, theirs in (("cfi_scaled", "cfi.scaled"), ("tli_scaled", "tli.scaled"),
                             ("rmsea_scaled", "rmsea.scaled"), ("srmr", "srmr")):
            assert row[mine] == pytest.approx(f[theirs], abs=1e-3), (step, mine)
        assert row["shift"] == pytest.approx(m["shift"], abs=1e-3)


@pytest.mark.parametrize("name", ["bfi", "sim"])
def test_satorra_2000_difference_tests(name):
    tab = result(name).to_frame().set_index("step")
    for step, t in ref()[name]["lrt"].items():
        assert tab.loc[step, "chisq_diff"] == pytest.approx(t["chisq_diff"], abs=1e-3)
        assert tab.loc[step, "df_diff"] == t["df_diff"]
        assert tab.loc[step, "pvalue_diff"] == pytest.approx(t["pvalue"], abs=1e-4)


@pytest.mark.parametrize("name", ["bfi", "sim"])
def test_parameter_estimates(name):
    res = result(name)
    for step, m in ref()[name]["models"].items():
        pe = pd.DataFrame(m["params"])
        pe = pe[pe.op.isin(["=~", "|", "~1", "~~"]) & (pe.group > 0)].copy()
        pe["group"] = [res.groups[g - 1] for g in pe.group]
        mm = pe.merge(res.estimates[step], on=["group", "lhs", "op", "rhs"], how="left", suffixes=("_r", ""))
        assert mm["est"].notna().all()
        np.testing.assert_allclose(mm["est"], mm["est_r"], atol=1e-4, rtol=0)


def test_decisions_follow_the_tests():
    tab = result("bfi").to_frame().set_index("step")
    assert tab.loc["thresholds", "holds"] and not tab.loc["intercepts", "holds"]
    assert tab.loc["intercepts", "delta_cfi"] == pytest.approx(
        tab.loc["intercepts", "cfi_scaled"] - tab.loc["loadings", "cfi_scaled"])


def test_category_empty_in_one_group_is_named():
    d = pd.read_csv(REF / "sim_groups.csv")
    d.loc[(d.form == "self") & (d.m2 == 1), "m2"] = 2
    if (d[d.form == "mentee"].m2 == 1).sum() == 0:
        d.loc[d.index[0], "m2"] = 1
    with pytest.raises(DataError) as e:
        ordinal_invariance(d, CASES["sim"][1], "form")
    assert e.value.problems[0].column == "m2" and "'self'" in str(e.value)


def test_bad_arguments():
    d = pd.read_csv(REF / "sim_groups.csv")
    with pytest.raises(ConfigError):
        ordinal_invariance(d, CASES["sim"][1], "form", steps=("loadings",))
    with pytest.raises(ConfigError):
        ordinal_invariance(d, CASES["sim"][1], "form", steps=("configural", "metric"))
    with pytest.raises(DataError, match="nope"):
        ordinal_invariance(d, CASES["sim"][1], "nope")
