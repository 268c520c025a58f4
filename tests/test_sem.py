"""Issue 20: CFA from syntax with ML, FIML, MLR; invariance; bifactor omega. References from
lavaan 0.6-14 / semTools 0.5-6: tests/reference/sem/make_sem.R -> sem.json."""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import ConfigError, HeywoodWarning, IdentificationWarning
from mentorassess.stats.sem import fit_sem, parse_model
from mentorassess.stats.sem.invariance import longitudinal_invariance, measurement_invariance
from mentorassess.stats.sem.omega import bifactor_omega

REF = Path(__file__).parent / "reference" / "sem"
M = "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9"
EST_TOL, FIT_TOL = 1e-4, 1e-3


@lru_cache(maxsize=None)
def ref() -> dict:
    return json.loads((REF / "sem.json").read_text())


@lru_cache(maxsize=None)
def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name)


def csv(name: str) -> pd.DataFrame:
    return _csv(name).copy()


def _num(v):
    return np.nan if v == "NA" or v is None else float(v)


def check(fit, r: dict, keys=None, se: bool = True) -> float:
    """Compare fit measures (1e-3; chi-square relative 1e-6) and estimates/SEs (1e-4) with lavaan;
    return the largest absolute difference of an estimate."""
    fm = fit.fit_measures()
    for k, v in r["fit"].items():
        if keys is not None and k not in keys:
            continue
        v = _num(v)
        if k in ("chisq", "baseline.chisq", "chisq.scaled", "baseline.chisq.scaled", "logl",
                 "unrestricted.logl", "aic", "bic"):
            assert fm[k] == pytest.approx(v, rel=1e-6), k
        else:
            assert fm[k] == pytest.approx(v, abs=FIT_TOL), k
    p = fit.parameters
    lab = {g: i + 1 for i, g in enumerate(fit.groups)}
    table = {(a, o, b, lab[g]): (e, s) for a, o, b, g, e, s in
             zip(p["lhs"], p["op"], p["rhs"], p["group"], p["est"], p["se"])}
    worst = 0.0
    par = r["par"]
    for a, o, b, g, e, s in zip(par["lhs"], par["op"], par["rhs"], par["group"], par["est"], par["se"]):
        if o == "~1" and (a, o, "", int(g)) in table:
            key = (a, o, "", int(g))
        elif o == ":=" or o == "==":
            continue
        else:
            key = (a, o, b, int(g)) if (a, o, b, int(g)) in table else (b, o, a, int(g))
        if key not in table:
            assert _num(e) == 0 or o == "~1", key  # lavaan lists fixed-0 latent means; we may not
            continue
        est, sd = table[key]
        assert est == pytest.approx(_num(e), abs=EST_TOL), key
        worst = max(worst, abs(est - _num(e)))
        if se and not np.isnan(_num(s)):
            assert sd == pytest.approx(_num(s), abs=EST_TOL), (key, "se")
    return worst


def test_ml_equals_lavaan():
    check(fit_sem(csv("hs_school.csv"), M), ref()["ml"])


def test_mlr_scaled_statistic_robust_indices_and_sandwich_se():
    fit = fit_sem(csv("hs_school.csv"), M, estimator="MLR")
    check(fit, ref()["mlr"])
    assert fit.scaling_factor == pytest.approx(ref()["mlr"]["fit"]["chisq.scaling.factor"], abs=1e-6)


def test_fiml_equals_lavaan_missing_ml():
    fit = fit_sem(csv("hs_missing.csv"), M, missing="fiml")
    check(fit, ref()["fiml"])
    assert fit.n_patterns == ref()["fiml"]["npatterns"] and fit.n_obs == 301 and fit.n_complete < 301


def test_fiml_with_mlr():
    fit = fit_sem(csv("hs_missing.csv"), M, missing="fiml", estimator="MLR")
    check(fit, ref()["fiml_mlr"])  # includes the FIML-corrected cfi/tli/rmsea.robust (Zhang-Savalei V3)


@pytest.mark.parametrize("name", ["cross", "resid", "second", "fixed", "bifactor"])
def test_syntax_models(name):
    models = {
        "cross": M + "\n visual =~ x9",
        "resid": M + "\n x7 ~~ x8\n x1 ~~ x4",
        "second": M + "\n g =~ visual + textual + speed",
        "fixed": "visual =~ x1 + 0.6*x2 + x3\n textual =~ x4 + x5 + x6\n visual ~~ 0*textual",
        "bifactor": "g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9\n s1 =~ x1 + x2 + x3\n"
                    " s2 =~ x4 + x5 + x6\n s3 =~ x7 + x8 + x9",
    }
    kw = {"std_lv": True, "orthogonal": True} if name == "bifactor" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HeywoodWarning)
        fit = fit_sem(csv("hs_school.csv"), models[name], **kw)
    check(fit, ref()["models"][name])


@pytest.mark.filterwarnings("ignore::mentorassess.errors.HeywoodWarning")
def test_bifactor_omega():
    fit = fit_sem(csv("hs_school.csv"), "g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9\n s1 =~ x1 + x2 + x3\n"
                  " s2 =~ x4 + x5 + x6\n s3 =~ x7 + x8 + x9", std_lv=True, orthogonal=True)
    om = bifactor_omega(fit, csv("hs_school.csv"), general="g")
    r = ref()["bifactor_omega"]
    assert om.omega_h == pytest.approx(r["omega_h"], abs=EST_TOL)
    assert om.omega_total == pytest.approx(r["omega_t"], abs=EST_TOL)
    assert om.omega_h_model == pytest.approx(r["omega_h_model"], abs=EST_TOL)
    assert om.omega_total_model == pytest.approx(r["omega_t_model"], abs=EST_TOL)


@pytest.mark.parametrize("est", ["ML", "MLR"])
def test_multigroup_invariance_equals_lavaan(est):
    r = ref()["invariance"][est]
    res = measurement_invariance(csv("hs_school.csv"), M, group="school", estimator=est)
    for step in ("configural", "metric", "scalar", "strict"):
        check(res.fits[step], r[step], se=True)
    tab = res.to_frame().set_index("model")
    np.testing.assert_allclose(tab["chisq_diff"].iloc[1:], r["lrt"]["chisq_diff"], rtol=1e-5)
    np.testing.assert_allclose(tab["df_diff"].iloc[1:], r["lrt"]["df_diff"])
    np.testing.assert_allclose(tab["pvalue_diff"].iloc[1:], r["lrt"]["p"], atol=1e-4)
    if est == "ML":
        np.testing.assert_allclose(tab["rmsea_diff"].iloc[1:], r["lrt"]["rmsea"], atol=1e-4)
        assert tab.loc["metric", "decision"].startswith("invariant")
        assert tab.loc["scalar", "delta_cfi"] < -0.01
    part = measurement_invariance(csv("hs_school.csv"), M, group="school", estimator=est,
                                  steps=("configural", "metric", "scalar"), partial=("x3~1", "x7~1"))
    check(part.fits["scalar"], r["partial"])


def test_longitudinal_invariance_equals_semtools_measeq():
    r = ref()["longitudinal"]
    res = longitudinal_invariance(csv("long.csv"), "F =~ i1 + i2 + i3 + i4")
    for step in ("configural", "metric", "scalar", "strict"):
        fm = res.fits[step].fit_measures()
        for k in ("chisq", "df", "cfi", "tli", "rmsea", "srmr"):
            assert fm[k] == pytest.approx(_num(r[step]["fit"][k]), abs=FIT_TOL, rel=1e-6), (step, k)
    tab = res.to_frame()
    np.testing.assert_allclose(tab["chisq_diff"].iloc[1:], r["lrt"]["chisq_diff"], rtol=1e-5)


def test_unidentified_and_bad_syntax():
    with pytest.warns(IdentificationWarning):
        fit = fit_sem(csv("hs_school.csv"), "f =~ x1 + x2")
    assert np.isnan(fit.chisq) and fit.df == -1
    with pytest.raises(ConfigError) as exc:
        parse_model("f =~ x1 + \ny ~ x2\nf := a*b")
    assert len(exc.value.problems) == 3 and exc.value.problems[1].line == 2
    with pytest.raises(ConfigError, match="not in the data"):
        fit_sem(csv("hs_school.csv"), "f =~ x1 + x2 + nope")


@pytest.mark.parametrize("case", ["fiml", "fiml_mlr", "listwise_mlr", "mg_fiml_configural", "mg_fiml_scalar"])
def test_simulated_likert_with_missing_answers(case):
    """1-7 items, 7% missing per item, two forms: FIML, MLR, multigroup FIML (lavaan)."""
    lm = "comm =~ mca01 + mca02 + mca03 + mca04\n expect =~ mca05 + mca06 + mca07 + mca08"
    kw = {"fiml": dict(missing="fiml"), "fiml_mlr": dict(missing="fiml", estimator="MLR"),
          "listwise_mlr": dict(estimator="MLR"),
          "mg_fiml_configural": dict(missing="fiml", group="form"),
          "mg_fiml_scalar": dict(missing="fiml", group="form", group_equal=("loadings", "intercepts"))}[case]
    fit = fit_sem(csv("likert_missing.csv"), lm, **kw)
    check(fit, ref()["likert"][case])
