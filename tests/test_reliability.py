"""psych::alpha parity (bfi, MCA sample) and behaviour of the reliability functions."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorassess.errors import ConfigError, DataError, DataQualityWarning, InsufficientDataError
from mentorassess.stats.reliability import estimate_alpha, estimate_reliability
from tests._psych_ref import TOL, arr, data, maxdiff, reference

MCA_BLOCKS = {
    "communication": [f"mca{i:02d}" for i in range(1, 7)],
    "expectations": [f"mca{i:02d}" for i in range(7, 12)],
    "understanding": [f"mca{i:02d}" for i in range(12, 15)],
    "independence": [f"mca{i:02d}" for i in range(15, 20)],
    "diversity": ["mca20", "mca21"],
    "professional_development": [f"mca{i:02d}" for i in range(22, 27)],
}

TOTAL_MAP = {"raw_alpha": "raw_alpha", "std_alpha": "std.alpha", "g6": "G6(smc)", "average_r": "average_r",
             "signal_noise": "S/N", "ase": "ase", "mean": "mean", "sd": "sd", "median_r": "median_r"}
ITEM_MAP = {"n": "n", "raw_r": "raw.r", "std_r": "std.r", "r_cor": "r.cor", "r_drop": "r.drop",
            "mean": "mean", "sd": "sd"}
DROP_MAP = {"raw_alpha": "raw_alpha", "std_alpha": "std.alpha", "g6": "G6(smc)", "average_r": "average_r",
            "signal_noise": "S/N", "alpha_se": "alpha se", "var_r": "var.r", "median_r": "med.r"}


def check_against_r(res, ref) -> float:
    worst = 0.0
    for ours, theirs in TOTAL_MAP.items():
        worst = max(worst, abs(getattr(res, ours) - ref["total"][theirs]))
    assert res.n_obs == ref["n"]
    for ours, theirs in ITEM_MAP.items():
        worst = max(worst, maxdiff(res.item_stats[ours].to_numpy(), arr(ref["item_stats"][theirs])))
    for ours, theirs in DROP_MAP.items():
        worst = max(worst, maxdiff(res.alpha_drop[ours].to_numpy(), arr(ref["alpha_drop"][theirs])))
    lo, hi = res.confidence_interval(method="feldt")
    worst = max(worst, abs(lo - ref["feldt"][0]), abs(hi - ref["feldt"][1]))
    assert worst < TOL, worst
    return worst


@pytest.mark.parametrize("case,cols,keys", [
    ("alpha_A", [f"A{i}" for i in range(1, 6)], ["A1"]),
    ("alpha_C", [f"C{i}" for i in range(1, 6)], ["C4", "C5"]),
    ("alpha_2items", ["A2", "A3"], []),
])
def test_alpha_equals_psych_on_bfi(case, cols, keys):
    res = estimate_alpha(data("bfi.csv")[cols], keys=keys)
    check_against_r(res, reference()["bfi"][case])


def test_alpha_cross_check_values_of_the_docs():
    # psychometrics.md section 10, independent of our R run
    res = estimate_alpha(data("bfi.csv")[[f"A{i}" for i in range(1, 6)]], keys=["A1"])
    assert round(res.raw_alpha, 4) == 0.7030
    assert round(res.std_alpha, 4) == 0.7130
    assert round(res.g6, 4) == 0.6828
    assert np.allclose(res.confidence_interval(), (0.6853, 0.7201), atol=5e-5)
    assert abs(res.ase - 0.008952) < 5e-7
    assert np.allclose(res.item_stats["r_drop"], [.3084, .5636, .5870, .3944, .4886], atol=5e-5)
    assert np.allclose(res.alpha_drop["raw_alpha"], [.7185, .6172, .6003, .6858, .6430], atol=5e-5)


def test_alpha_per_competency_equals_psych_on_mca_sample():
    d = data("mca26_mentee_pre.csv")
    rel = estimate_reliability(d, MCA_BLOCKS)
    ref = reference()["mca"]["alpha"]
    assert set(rel.scales) == set(ref)
    for name, res in rel.scales.items():
        check_against_r(res, ref[name])


def test_reliability_uses_instrument_and_its_reverse_keys():
    from mentorassess import load_instrument

    ins = load_instrument("mca-26")
    d = data("mca26_mentee_pre.csv")
    rel = estimate_reliability(d, ins)
    assert list(rel.scales) == [c.id for c in ins.competencies] + ["overall"]
    assert rel.instrument == "mca-26"
    # a reversed item (by the scale's 1..7) gives the same alpha as reversing by hand
    d2 = d.copy()
    d2["mca01"] = 8 - d2["mca01"]
    a = estimate_alpha(d2[MCA_BLOCKS["communication"]], keys=["mca01"], reverse_range=(1, 7))
    assert math.isclose(a.raw_alpha, rel["communication"].raw_alpha, rel_tol=1e-12)


def test_frames_and_dict_are_full_precision_and_json_ready():
    import json

    res = estimate_alpha(data("bfi.csv")[["A1", "A2", "A3"]], keys=["A1"], n_boot=20, rng=1)
    f = res.to_frame()
    assert list(f["item"]) == ["A1", "A2", "A3"]
    assert f.loc[0, "r_drop"] == res.item_stats.loc["A1", "r_drop"]
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["raw_alpha"] == res.raw_alpha


def test_bootstrap_is_seeded_and_plausible():
    x = data("bfi.csv")[[f"A{i}" for i in range(1, 6)]]
    a1 = estimate_alpha(x, keys=["A1"], n_boot=200, rng=5)
    a2 = estimate_alpha(x, keys=["A1"], n_boot=200, rng=5)
    assert np.array_equal(a1.boot_alphas, a2.boot_alphas)
    lo, hi = a1.confidence_interval(method="bootstrap")
    flo, fhi = a1.confidence_interval(method="feldt")
    assert lo < a1.raw_alpha < hi
    assert abs(lo - flo) < 0.02 and abs(hi - fhi) < 0.02


def test_duhachek_interval_is_alpha_pm_196_ase():
    res = estimate_alpha(data("bfi.csv")[["A2", "A3", "A4"]])
    lo, hi = res.confidence_interval(method="duhachek")
    assert math.isclose(lo, res.raw_alpha - 1.959963984540054 * res.ase, rel_tol=1e-12)
    assert math.isclose(hi, res.raw_alpha + 1.959963984540054 * res.ase, rel_tol=1e-12)


def test_errors_are_real_exceptions():
    d = data("bfi.csv")
    with pytest.raises(InsufficientDataError, match="at least 2 items"):
        estimate_alpha(d[["A1"]])
    with pytest.raises(InsufficientDataError, match="n=2"):
        estimate_alpha(pd.DataFrame({"a": [1, 2, np.nan, 4], "b": [2, 1, 3, np.nan]}), scale="tiny")
    with pytest.raises(DataError, match="not found"):
        estimate_reliability(d, {"x": ["A1", "nope"]})
    with pytest.raises(InsufficientDataError, match="'solo'"):
        estimate_reliability(d, {"solo": ["A1"], "pair": ["A2", "A3"]})
    with pytest.raises(ConfigError):
        estimate_alpha(d[["A1", "A2"]], keys=["zz"])
    with pytest.raises(ConfigError):
        estimate_alpha(d[["A2", "A3"]]).confidence_interval(method="bootstrap")


def test_zero_variance_item_is_dropped_with_warning():
    d = data("bfi.csv")[["A2", "A3", "A4"]].copy()
    d["K"] = 3.0
    with pytest.warns(DataQualityWarning, match="no variance"):
        res = estimate_alpha(d)
    ref = estimate_alpha(data("bfi.csv")[["A2", "A3", "A4"]])
    assert res.items == ("A2", "A3", "A4")
    assert math.isclose(res.raw_alpha, ref.raw_alpha)
    assert res.notes


def test_negative_item_warns():
    with pytest.warns(DataQualityWarning, match="negatively"):
        estimate_alpha(data("bfi.csv")[[f"A{i}" for i in range(1, 6)]])


matrices = st.integers(min_value=2, max_value=6).flatmap(
    lambda k: st.lists(st.lists(st.integers(1, 7), min_size=k, max_size=k), min_size=6, max_size=30))


@settings(max_examples=40, deadline=None)
@given(matrices)
def test_alpha_ignores_item_and_row_order(rows):
    x = pd.DataFrame(rows, columns=[f"i{j}" for j in range(len(rows[0]))], dtype=float)
    if (x.std() == 0).any():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = estimate_alpha(x)
        b = estimate_alpha(x.iloc[::-1, ::-1])
    assert math.isclose(a.raw_alpha, b.raw_alpha, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(a.std_alpha, b.std_alpha, rel_tol=1e-9, abs_tol=1e-12)
