"""psych parity for KMO, Bartlett, omega, parallel analysis and EFA (bfi, MCA sample, clear-cut data)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import ConfigError, HeywoodWarning, InsufficientDataError
from mentorassess.stats import _rotations
from mentorassess.stats.efa import fit_efa
from mentorassess.stats.factors import bartlett_sphericity, estimate_kmo, parallel_analysis
from mentorassess.stats.omega import estimate_omega
from tests._psych_ref import TOL, arr, data, maxdiff, reference, rmat
from tests.test_reliability import MCA_BLOCKS

MCA_ITEMS = [i for v in MCA_BLOCKS.values() for i in v]


def mca() -> pd.DataFrame:
    d = data("mca26_mentee_pre.csv")[MCA_ITEMS]
    return d.loc[d.notna().any(axis=1)]


# ---------------------------------------------------------------- KMO and Bartlett
@pytest.mark.parametrize("case", ["bfi", "mca"])
def test_kmo_equals_psych(case):
    x = data("bfi.csv") if case == "bfi" else mca()
    ref = reference()[case]["kmo"]
    res = estimate_kmo(x)
    assert abs(res.msa - ref["msa"]) < TOL
    assert maxdiff(res.msa_items, arr(ref["msai"])) < TOL
    assert res.n_obs == len(x)


def test_kmo_cross_check_and_frame():
    res = estimate_kmo(data("bfi.csv"))
    assert round(res.msa, 4) == 0.8459
    assert list(res.to_frame().columns) == ["item", "msa"]
    json.dumps(res.to_dict(), allow_nan=False)


@pytest.mark.parametrize("case", ["bfi", "mca"])
def test_bartlett_equals_psych(case):
    x = data("bfi.csv") if case == "bfi" else mca()
    ref = reference()[case]["bartlett"]
    res = bartlett_sphericity(x)
    assert abs(res.chisq - ref["chisq"]) / ref["chisq"] < 1e-8
    assert res.df == ref["df"]
    assert abs(res.p_value - ref["p"]) < 1e-12


# ---------------------------------------------------------------- omega
@pytest.mark.parametrize("case,nf", [("omega5", 5), ("omega3", 3)])
def test_omega_equals_psych_on_bfi(case, nf):
    ref = reference()["bfi"][case]
    res = estimate_omega(data("bfi.csv"), n_factors=nf)
    for ours, theirs in [("omega_h", "omega_h"), ("omega_total", "omega_t"), ("alpha", "alpha"),
                         ("g6", "G6"), ("omega_limit", "omega_lim"), ("ecv", "ECV")]:
        assert abs(getattr(res, ours) - ref[theirs]) < TOL, ours
    sl = rmat(ref["sl"])
    assert maxdiff(res.loadings.to_numpy(), sl.to_numpy()) < TOL
    assert maxdiff(res.group.to_numpy(), rmat(ref["group"]).to_numpy()) < TOL


def test_omega_cross_check_values_of_the_docs():
    res = estimate_omega(data("bfi.csv"), n_factors=5)
    assert (round(res.omega_total, 4), round(res.omega_h, 4)) == (0.8748, 0.4617)


def test_omega_with_instrument_structure_equals_psych_on_mca():
    ref = reference()["mca"]["omega6"]
    res = estimate_omega(data("mca26_mentee_pre.csv"), MCA_BLOCKS)  # nfactors = 6 competencies
    assert res.n_factors == 6
    assert abs(res.omega_h - ref["omega_h"]) < TOL
    assert abs(res.omega_total - ref["omega_t"]) < TOL
    assert maxdiff(res.loadings.to_numpy(), rmat(ref["sl"]).to_numpy()) < TOL
    json.dumps(res.to_dict(), allow_nan=False)


def test_omega_two_factors_warns_and_uses_equal_loadings():
    x = data("bfi.csv")[[f"A{i}" for i in range(2, 6)] + [f"C{i}" for i in range(1, 4)]]
    with pytest.warns(Warning, match="three factors"):
        res = estimate_omega(x, n_factors=2)
    g = res.g_loadings
    assert abs(abs(g[0]) - abs(g[1])) < 1e-12


# ---------------------------------------------------------------- parallel analysis
@pytest.mark.parametrize("case,file", [("bfi", "bfi.csv"), ("clearcut", "clearcut.csv"), ("mca", None)])
def test_parallel_analysis_observed_values_equal_r(case, file):
    ref = reference()[case]["parallel"]
    x = data(file) if file else mca()
    res = parallel_analysis(x, n_iter=5, rng=3)
    assert maxdiff(res.pc_values, arr(ref["pc_values"])) < TOL
    assert maxdiff(res.fa_values, arr(ref["fa_values"])) < TOL


@pytest.mark.parametrize("case,file,seed", [("bfi", "bfi.csv", 42), ("bfi", "bfi.csv", 7),
                                            ("clearcut", "clearcut.csv", 42), ("clearcut", "clearcut.csv", 1)])
def test_parallel_analysis_suggestion_equals_r_on_clear_data(case, file, seed):
    ref = reference()[case]["parallel"]
    res = parallel_analysis(data(file), n_iter=20, rng=seed)
    assert (res.n_factors, res.n_components) == (ref["nfact"], ref["ncomp"])


def test_parallel_analysis_is_reproducible_and_tidy():
    x = data("clearcut.csv")
    a = parallel_analysis(x, n_iter=4, rng=11)
    b = parallel_analysis(x, n_iter=4, rng=11)
    assert np.array_equal(a.fa_sim_quantile, b.fa_sim_quantile)
    f = a.to_frame()
    assert len(f) == x.shape[1] and "fa_resampled_quantile" in f
    json.dumps(a.to_dict(), allow_nan=False)
    assert a.seed == 11


# ---------------------------------------------------------------- EFA
FA_CASES = ["minres_oblimin", "minres_varimax", "minres_promax", "ml_oblimin", "ml_varimax", "ml_promax"]


@pytest.mark.parametrize("case", FA_CASES)
def test_efa_equals_psych_fa_on_bfi(case):
    method, rotation = case.split("_")
    ref = reference()["bfi"]["fa"][case]
    res = fit_efa(data("bfi.csv"), 5, method=method, rotation=rotation)
    L = rmat(ref["loadings"])
    # psych's factor names and order (a sorted column keeps its pre-sort name, as psych)
    assert list(res.factors) == list(L.columns)
    assert maxdiff(res.loadings, L.to_numpy()) < TOL
    assert maxdiff(res.communalities, arr(ref["communality"])) < TOL
    assert maxdiff(res.uniquenesses, arr(ref["uniquenesses"])) < TOL
    assert maxdiff(res.reduced_eigenvalues, arr(ref["values"])) < TOL
    assert maxdiff(res.eigenvalues, arr(ref["e_values"])) < TOL
    if "phi" in ref:
        assert maxdiff(res.phi, rmat(ref["phi"]).to_numpy()) < TOL
    va = rmat(ref["vaccounted"])
    ours = res.variance_accounted().T.to_numpy()
    assert maxdiff(ours, va.to_numpy()) < TOL


def test_oblique_communalities_are_rowsums_of_pattern_times_structure():
    res = fit_efa(data("bfi.csv"), 5)
    h2 = (res.loadings * res.structure).sum(axis=1)
    assert np.allclose(h2, res.communalities, atol=1e-10)
    # and not the (wrong) row sums of squared pattern loadings
    assert np.abs((res.loadings**2).sum(axis=1) - res.communalities).max() > 0.05


def test_one_factor_efa_equals_psych():
    ref = reference()["bfi"]["fa"]["minres_1"]
    res = fit_efa(data("bfi.csv"), 1)
    assert maxdiff(res.loadings, rmat(ref["loadings"]).to_numpy()) < TOL
    assert res.rotation == "none"


def test_efa_six_factors_on_mca_sample():
    ref = reference()["mca"]["fa6"]
    res = fit_efa(mca(), 6)
    L = rmat(ref["loadings"])
    assert list(res.factors) == list(L.columns)
    assert maxdiff(res.loadings, L.to_numpy()) < TOL
    assert maxdiff(res.phi, rmat(ref["phi"]).to_numpy()) < TOL


def test_heywood_case_is_reported_not_clipped():
    rng = np.random.default_rng(4)
    f = rng.normal(size=(400, 1))
    x = pd.DataFrame(np.c_[f * 0.999 + rng.normal(size=(400, 1)) * 0.01, f * 0.5 + rng.normal(size=(400, 4)) * 0.8])
    x.columns = [f"v{i}" for i in range(5)]
    with pytest.warns(HeywoodWarning):
        res = fit_efa(x, 2)
    assert res.heywood_items and res.notes
    assert res.communalities.max() >= 0.995 - 1e-8


def test_efa_frames_and_errors():
    res = fit_efa(data("bfi.csv")[[f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]], 2)
    f = res.to_frame()
    assert {"item", "h2", "u2"} <= set(f.columns)
    json.dumps(res.to_dict(), allow_nan=False)
    with pytest.raises(ConfigError):
        fit_efa(data("bfi.csv"), 2, method="pa")
    with pytest.raises(ConfigError):
        fit_efa(data("bfi.csv"), 2, rotation="geomin")
    with pytest.raises(InsufficientDataError):
        fit_efa(data("bfi.csv")[["A1", "A2", "A3"]], 3)
    with pytest.raises(InsufficientDataError):
        fit_efa(data("bfi.csv")[["A1", "A2"]], 1)


def test_rotation_ports_match_factor_analyzer_rotator():
    """Our varimax/oblimin ports against factor_analyzer's Rotator (the one usable part of it).

    Rotator does not call sklearn's check_array, so this path works with the pinned versions.
    """
    from factor_analyzer.rotator import Rotator

    rng = np.random.default_rng(0)
    a = rng.normal(size=(12, 3)) * 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fa_obl = Rotator(method="oblimin").fit_transform(a)
        fa_var = Rotator(method="varimax").fit_transform(a)
    assert np.allclose(_rotations.oblimin(a).loadings, fa_obl, atol=1e-6)
    assert np.allclose(_rotations.varimax(a).loadings, fa_var, atol=1e-6)


def test_omega_six_factors_on_simulated_mca():
    ref = reference()["mca_sim"]["omega6"]
    res = estimate_omega(data("mca26_simulated.csv"), MCA_BLOCKS)
    assert abs(res.omega_h - ref["omega_h"]) < TOL
    assert abs(res.omega_total - ref["omega_t"]) < TOL


def test_parallel_analysis_fast_fit_equals_the_full_port():
    # the one-factor fit of parallel analysis runs the same arithmetic as fa_core (bit for bit)
    from mentorassess.stats._parallel import one_factor_values, simulated_correlation
    from mentorassess.stats.efa import fa_core

    gen = np.random.default_rng(4)
    for n in (60, 2000):
        c = simulated_correlation(gen, n, 12)
        assert np.array_equal(one_factor_values(c), fa_core(c, 1, "minres", "none").values)
    x = data("clearcut.csv").to_numpy(float)
    xs = np.take_along_axis(x, gen.integers(0, len(x), size=x.shape[::-1]).T, axis=0)
    c = np.corrcoef(xs, rowvar=False)
    np.fill_diagonal(c, 1.0)
    assert np.array_equal(one_factor_values(c), fa_core(c, 1, "minres", "none").values)


def test_simulated_correlation_has_the_distribution_of_normal_data():
    # Bartlett's Wishart draw: mean off-diagonal r near 0 with variance 1/(n-1), as for n normal rows
    from mentorassess.stats._parallel import simulated_correlation

    gen = np.random.default_rng(5)
    n, p = 50, 8
    off = np.concatenate([simulated_correlation(gen, n, p)[np.tril_indices(p, -1)] for _ in range(400)])
    assert abs(off.mean()) < 0.01
    assert abs(off.var() * (n - 1) - 1) < 0.08
