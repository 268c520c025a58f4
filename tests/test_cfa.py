"""lavaan parity of the CFA (Holzinger-Swineford, bfi A+C with missing data, MCA sample)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import ConfigError, HeywoodWarning, InsufficientDataError
from mentorassess.stats.cfa import fit_cfa, published_fit, rmsea_ci
from tests._psych_ref import FIT_TOL, TOL, data, reference
from tests.test_reliability import MCA_BLOCKS

HS = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}
AC = {"agree": [f"A{i}" for i in range(1, 6)], "consc": [f"C{i}" for i in range(1, 6)]}
FIT_KEYS = ["chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli", "rmsea", "rmsea.ci.lower",
            "rmsea.ci.upper", "rmsea.pvalue", "srmr", "logl", "unrestricted.logl", "aic", "bic", "npar", "ntotal",
            "gfi"]
CHI_LIKE = {"chisq", "baseline.chisq", "logl", "unrestricted.logl", "aic", "bic"}


def fit_case(case: str, std_lv: bool = False):
    if case == "hs":
        return fit_cfa(data("hs1939.csv"), HS, std_lv=std_lv), reference()["hs"]["cfa_std_lv" if std_lv else "cfa"]
    if case == "bfi_ac":
        return fit_cfa(data("bfi.csv"), AC), reference()["bfi"]["cfa_AC"]
    if case == "mca_sim":
        return fit_cfa(data("mca26_simulated.csv"), MCA_BLOCKS), reference()["mca_sim"]["cfa"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HeywoodWarning)
        return fit_cfa(data("mca26_mentee_pre.csv"), MCA_BLOCKS), reference()["mca"]["cfa"]


@pytest.mark.parametrize("case,std_lv", [("hs", False), ("hs", True), ("bfi_ac", False), ("mca", False),
                                         ("mca_sim", False)])
def test_fit_measures_equal_lavaan(case, std_lv):
    fit, ref = fit_case(case, std_lv)
    ours = fit.fit_measures()
    assert fit.n_obs == ref["nobs"]
    for key in FIT_KEYS:
        r = ref["fit"][key]
        if key in CHI_LIKE:
            assert abs(ours[key] - r) / abs(r) < 1e-6, key   # chi-square-like: relative 1e-6
        else:
            assert abs(ours[key] - r) < FIT_TOL / 10, key      # indices: well inside 1e-3


@pytest.mark.parametrize("case", ["hs", "bfi_ac", "mca", "mca_sim"])
def test_standardized_solution_and_ses_equal_lavaan(case):
    fit, ref = fit_case(case)
    std = pd.DataFrame(ref["std"])
    est = pd.DataFrame(ref["est"])
    m = std.merge(fit.parameters, on=["lhs", "op", "rhs"], how="left", suffixes=("_r", ""))
    assert not m["std_all"].isna().any()
    assert (m["est_std"] - m["std_all"]).abs().max() < TOL
    assert (m["se_r"] - m["std_all_se"]).abs().max() < TOL
    m2 = est.merge(fit.parameters, on=["lhs", "op", "rhs"], how="left", suffixes=("_r", ""))
    assert (m2["est_r"] - m2["est"]).abs().max() < TOL
    assert (m2["se_r"] - m2["se"]).abs().max() < TOL


@pytest.mark.parametrize("case", ["hs", "mca", "mca_sim"])
def test_composite_reliability_equals_semtools(case):
    fit, ref = fit_case(case)
    ours = fit.composite_reliability()
    for f, v in ref["comprel"].items():
        assert abs(ours[f] - v) < TOL, f


def test_residual_correlations_equal_lavaan():
    fit, ref = fit_case("hs")
    from tests._psych_ref import rmat

    r = rmat(ref["resid_cor"])
    top = fit.residual_correlations(top=None)
    for _, row in top.iterrows():
        assert abs(row["residual"] - r.loc[row["item1"], row["item2"]]) < TOL
    assert top["residual"].abs().is_monotonic_decreasing


def test_cross_check_values_of_the_docs():
    fit = fit_cfa(data("hs1939.csv"), HS)
    assert abs(fit.chisq - 85.305522) < 1e-5
    assert (round(fit.cfi, 6), round(fit.tli, 6), round(fit.rmsea, 6)) == (0.93056, 0.895839, 0.092121)
    assert (round(fit.rmsea_ci_lower, 6), round(fit.rmsea_ci_upper, 6)) == (0.071418, 0.113678)
    assert round(fit.srmr, 6) == 0.065205
    assert (round(fit.aic, 2), round(fit.bic, 2)) == (7517.49, 7595.34)
    ac = fit_cfa(data("bfi.csv"), AC)
    assert ac.n_obs == 2632 and ac.n_rows == 2800


def test_rmsea_ci_reproduces_published_mca_self_form():
    # psychometrics.md section 13: chi2 663.20 on 284 df, N = 283 -> .0687 [.0619, .0755]
    lo, hi = rmsea_ci(663.20, 284, 283)
    assert (round(lo, 4), round(hi, 4)) == (0.0619, 0.0755)


def test_cfa_with_instrument_and_published_fit():
    from mentorassess import load_instrument

    ins = load_instrument("mca-26")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HeywoodWarning)
        fit = fit_cfa(data("mca26_mentee_pre.csv"), ins)
    assert fit.df == 284 and fit.npar == 67
    pub = published_fit(ins, form="mentee")
    assert len(pub) == 1 and pub[0]["df"] == 284 and pub[0]["chisq"] == 840.62
    assert published_fit({"a": ["x", "y"]}) == []


def test_non_positive_definite_factor_covariance_warns():
    with pytest.warns(HeywoodWarning, match="not positive definite"):
        fit = fit_cfa(data("mca26_mentee_pre.csv"), MCA_BLOCKS)
    assert fit.notes


def test_json_and_frames():
    fit = fit_cfa(data("hs1939.csv"), HS)
    d = fit.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["fit_measures"]["df"] == 24
    assert len(fit.standardized_loadings()) == 9
    assert len(fit.factor_correlations()) == 3
    assert fit.to_frame() is not fit.parameters


def test_cfa_errors():
    d = data("hs1939.csv")
    with pytest.raises(InsufficientDataError, match="'solo'"):
        fit_cfa(d, {"solo": ["x1"], "rest": ["x2", "x3", "x4"]})
    with pytest.raises(ConfigError):
        fit_cfa(d, HS, missing="fiml")
    with pytest.raises(ConfigError):
        fit_cfa(d, {"a": ["x1", "x2"], "b": ["x2", "x3"]})
    with pytest.raises(InsufficientDataError, match="complete responses"):
        fit_cfa(d.head(8), HS)


def test_no_semopy_or_factor_analyzer_on_our_paths():
    import subprocess
    import sys

    code = ("import sys, pandas as pd\n"
            "from mentorassess.stats import cfa, efa, factors, omega, reliability, report\n"
            "print(any(m.split('.')[0] in ('semopy', 'factor_analyzer') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("case", ["hs", "bfi_ac", "mca_sim"])
def test_modification_indices_equal_lavaan(case):
    # not on the MCA sample: its factor covariance matrix is not positive definite (50 complete
    # rows), where lavaan's list depends on numerical noise (e.g. MIs for fixed marker loadings)
    fit, ref = fit_case(case)
    r = pd.DataFrame(ref["mi"])
    m = r.merge(fit.modindices, on=["lhs", "op", "rhs"], how="left", suffixes=("_r", ""))
    assert len(r) == len(fit.modindices) and not m["mi"].isna().any()
    # MI is a score statistic, sensitive to where lavaan's optimizer stopped (bfi A+C: 9e-5
    # relative); tolerance as for fit indices, relative 1e-3 (absolute below 1)
    assert ((m["mi_r"] - m["mi"]).abs() / np.maximum(m["mi_r"].abs(), 1)).max() < FIT_TOL
    assert (m["epc_r"] - m["epc"]).abs().max() < TOL
    top = fit.modification_indices(top=3)
    assert top["mi"].is_monotonic_decreasing and len(top) == 3


def test_std_lv_table_has_fixed_variances_and_same_omega():
    a = fit_cfa(data("hs1939.csv"), HS)
    b = fit_cfa(data("hs1939.csv"), HS, std_lv=True)
    fixed = b.parameters[(b.parameters["op"] == "~~") & (b.parameters["lhs"] == "visual")
                         & (b.parameters["rhs"] == "visual")]
    assert len(fixed) == 1 and fixed["est"].iloc[0] == 1.0 and not fixed["free"].iloc[0]
    for f, v in a.composite_reliability().items():
        assert abs(b.composite_reliability()[f] - v) < 1e-8
