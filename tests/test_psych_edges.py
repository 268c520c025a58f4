"""Issue 20, edges: each case equals R, or raises a clear error, or warns and returns the
documented value. References: tests/reference/edges/make_edges.R -> edges.json."""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import (
    DataQualityWarning,
    HeywoodWarning,
    IdentificationWarning,
    InsufficientDataError,
)
from mentorassess.stats._common import cor_smooth, pairwise_cor
from mentorassess.stats.cfa import fit_cfa
from mentorassess.stats.efa import _minres_obj, fit_efa
from mentorassess.stats.factors import bartlett_sphericity, estimate_kmo, parallel_analysis
from mentorassess.stats.omega import estimate_omega

REF = Path(__file__).parent / "reference" / "edges"
HS = Path(__file__).parent / "reference" / "psych" / "hs1939.csv"


@lru_cache(maxsize=None)
def ref() -> dict:
    return json.loads((REF / "edges.json").read_text())


def csv(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name)


def hs() -> pd.DataFrame:
    return pd.read_csv(HS)


def caught(fn, *args, **kw):
    """Run fn; return (result, warnings). Any numpy RuntimeWarning fails the test."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn(*args, **kw)
    bare = [x for x in w if issubclass(x.category, RuntimeWarning)]
    assert not bare, [str(x.message) for x in bare]
    return out, w


def test_underidentified_cfa_is_nan_with_a_warning_like_lavaan():
    r = ref()["underidentified"]
    assert r["fit"]["chisq"] == "NA" and r["fit"]["df"] == -1 and "not be inverted" in r["warnings"]
    fit, w = caught(fit_cfa, hs(), {"f": ["x1", "x2"]})
    assert any(issubclass(x.category, IdentificationWarning) for x in w)
    fm = fit.fit_measures()
    assert fm["df"] == r["fit"]["df"] and fm["npar"] == r["fit"]["npar"]
    for k in ("chisq", "cfi", "tli", "pvalue", "rmsea"):
        assert np.isnan(fm[k]), k
    free = fit.parameters[fit.parameters["free"]]
    assert free["se"].isna().all()  # lavaan: NA standard errors
    # the implied matrix reproduces S exactly, as lavaan's (SRMR 2e-8)
    assert fm["srmr"] == pytest.approx(r["fit"]["srmr"], abs=1e-6)
    assert any("not identified" in n for n in fit.notes)


def test_kmo_numerically_duplicated_item_uses_psych_fallback_with_warning():
    r = ref()["kmo_duplicate"]
    d = csv("kmo_duplicate.csv")
    res, w = caught(estimate_kmo, d)
    msgs = [str(x.message) for x in w if issubclass(x.category, DataQualityWarning)]
    assert msgs and "x1-x5" in msgs[0]
    assert res.msa == pytest.approx(r["msa"], abs=1e-12)
    np.testing.assert_allclose(res.msa_items, r["msai"], atol=1e-12)
    assert res.inverted is False


def test_kmo_exact_duplicate_same_fallback():
    d = hs()[["x1", "x2", "x3", "x4"]].copy()
    d["x5"] = d["x1"]
    res, w = caught(estimate_kmo, d)
    assert res.msa == pytest.approx(0.5, abs=1e-12)
    assert any("x1-x5" in str(x.message) for x in w)


def test_fewer_responses_than_items_warns_and_matches_psych():
    r = ref()["small_n"]
    x = csv("small_n.csv")
    assert r["min_eigen"] < 1e-15 and "smoothing" in r["smooth_warnings"]
    corr = pairwise_cor(x)
    sm = cor_smooth(corr)
    np.testing.assert_allclose(sm, np.array(r["smooth"]), atol=1e-10)  # psych::cor.smooth
    for nf, key in ((1, "fa1"), (3, "fa3")):
        res, w = caught(fit_efa, x, nf)
        assert any(issubclass(a.category, DataQualityWarning) and "not positive definite" in str(a.message)
                   for a in w)
        assert res.smoothed
        ru = np.array(r[key]["uniq"])
        np.testing.assert_allclose(res.uniquenesses, ru, atol=1e-4)
        # the minimum we reach is at least as low as psych's (documented: never higher)
        assert _minres_obj(res.uniquenesses, corr, nf) <= _minres_obj(ru, corr, nf) + 1e-12
    om, w = caught(estimate_omega, x, n_factors=3)
    assert any("not positive definite" in str(a.message) for a in w)
    assert om.omega_h == pytest.approx(r["omega"]["omega_h"], abs=1e-4)
    assert om.omega_total == pytest.approx(r["omega"]["omega_t"], abs=1e-4)


def test_heywood_warning_reaches_omega():
    r = ref()["heywood"]
    h = csv("heywood.csv")
    res, w = caught(fit_efa, h, 3)
    assert any(issubclass(a.category, HeywoodWarning) for a in w) and res.heywood_items == ("x5",)
    np.testing.assert_allclose(res.communalities, r["communality"], atol=1e-4)
    om, w = caught(estimate_omega, h, n_factors=3)
    assert any(issubclass(a.category, HeywoodWarning) for a in w)
    assert any("Heywood" in n for n in om.notes)
    assert om.omega_h == pytest.approx(r["omega_h"], abs=1e-4)
    assert om.omega_total == pytest.approx(r["omega_t"], abs=1e-4)


def test_misspecified_cfa_reaches_lavaans_improper_solution():
    r = ref()["misspecified"]
    model = {"a": ["x4", "x1", "x8"], "b": ["x5", "x6", "x9"], "c": ["x7", "x3", "x2"]}
    fit, w = caught(fit_cfa, hs(), model)
    assert any(issubclass(a.category, HeywoodWarning) for a in w)  # lavaan: cov.lv not PD
    fm = fit.fit_measures()
    for k in ("chisq", "cfi", "tli", "rmsea", "srmr"):
        assert fm[k] == pytest.approx(r["fit"][k], abs=1e-3), k
    p = fit.parameters.set_index(["lhs", "op", "rhs"])["est"]
    for lhs, op, rhs, est in zip(r["lhs"], r["op"], r["rhs"], r["est"]):
        key = (lhs, op, rhs) if (lhs, op, rhs) in p.index else (rhs, op, lhs)
        assert p[key] == pytest.approx(est, abs=1e-3 * max(1, abs(est))), key


def test_misassigned_models_converge_to_lavaans_chisq():
    d = hs()
    cases = ref()["misassigned"]
    # 23 and 26 stalled before the fixed-variance refit; the others are a spread of the forty
    for case in [cases[i] for i in (23, 26, 0, 9, 18, 36)]:
        it = case["items"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", HeywoodWarning)
            fit = fit_cfa(d, {"a": it[:3], "b": it[3:6], "c": it[6:]})
        assert fit.converged
        assert fit.chisq == pytest.approx(case["chisq"], rel=1e-6), it


@pytest.mark.parametrize("kind", ["constant", "empty"])
def test_constant_and_all_missing_items_are_named(kind):
    d = hs()
    d["x3"] = 4.0 if kind == "constant" else np.nan
    calls = [lambda: estimate_kmo(d), lambda: bartlett_sphericity(d), lambda: fit_efa(d, 2),
             lambda: estimate_omega(d, n_factors=3), lambda: parallel_analysis(d, n_iter=2),
             lambda: fit_cfa(d, {"a": ["x1", "x2", "x3"], "b": ["x4", "x5", "x6"]})]
    for call in calls:
        with pytest.raises(InsufficientDataError) as exc:
            call()
        assert "x3" in str(exc.value)
        assert exc.value.problems and exc.value.problems[0].column == "x3"


@pytest.mark.parametrize("seed", ["2", "4", "14", "16"])
def test_ultra_heywood_second_order_warns_and_reaches_a_lower_minimum(seed):
    """psych stops at a higher minres objective on these flat second-order problems; we reach a
    lower one (documented), so omega_h may differ by a few 1e-3 - always with the warning."""
    from mentorassess.stats.efa import fa_core

    r = ref()["ultra_heywood"][seed]
    assert r["ultra"]  # psych: "An ultra-Heywood case was detected"
    phi = np.array(r["phi"])
    ours = fa_core(phi, 1, "minres", "none")
    g = np.array(r["gloading"])
    res = phi - np.outer(g, g)
    assert ours.objective <= float((res[np.tril_indices(3, -1)] ** 2).sum()) + 1e-12
    om, w = caught(estimate_omega, csv(f"ultra_heywood_{seed}.csv"), n_factors=3)
    assert any(issubclass(a.category, HeywoodWarning) and "ultra-Heywood" in str(a.message) for a in w)
    assert om.omega_total == pytest.approx(r["omega_t"], abs=1e-4)
    assert om.omega_h == pytest.approx(r["omega_h"], abs=5e-3)


def test_alpha_names_constant_and_empty_items_it_drops():
    from mentorassess.stats.reliability import estimate_alpha

    d = hs()[["x1", "x2", "x3", "x4"]].copy()
    d["x2"] = 3.0
    d["x4"] = np.nan
    res, w = caught(estimate_alpha, d)
    msg = " ".join(str(a.message) for a in w if issubclass(a.category, DataQualityWarning))
    assert "no answers for x4" in msg and "constant answers) for x2" in msg
    assert res.n_items == 2


def test_bartlett_on_a_duplicated_item_is_a_clear_error():
    with pytest.raises(InsufficientDataError, match="x1-x5"):
        bartlett_sphericity(csv("kmo_duplicate.csv"))


def test_fit_sem_reaches_lavaan_on_the_stalling_misassignments():
    from mentorassess.stats.sem import fit_sem

    d = hs()
    for i in (23, 26):
        it = ref()["misassigned"][i]["items"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", HeywoodWarning)
            fit = fit_sem(d, f"a =~ {' + '.join(it[:3])}\nb =~ {' + '.join(it[3:6])}\nc =~ {' + '.join(it[6:])}")
        assert fit.chisq == pytest.approx(ref()["misassigned"][i]["chisq"], rel=1e-6)
        # lavaan converges here; so does this fit (on an AMD EPYC machine case 26 stopped at a gradient
        # of 1.2e-6 with an objective of 8.9 and was reported as not converged)
        assert fit.converged
