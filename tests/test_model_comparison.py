"""Issue 19: one-factor, correlated and second-order CFA models and item-level agreement equal R.

References: tests/reference/models/make_models.R (lavaan 0.6-14 cfa(), standardizedSolution())
and make_agreement.R (psych::statsBy, multilevel::rwg) on tests/reference/psych/mca26_mentee_pre.csv.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import HeywoodWarning
from mentorassess.stats.sem.compare import compare_models, standardized_loadings

REF = Path(__file__).parent / "reference" / "models"
DATA = Path(__file__).parent / "reference" / "psych" / "mca26_mentee_pre.csv"
TOL, FIT_TOL = 1e-4, 1e-3
FIT_KEYS = {"npar": "npar", "chisq": "chisq", "df": "df", "pvalue": "pvalue", "cfi": "cfi", "tli": "tli",
            "rmsea": "rmsea", "rmsea.ci.lower": "rmsea_ci_low", "rmsea.ci.upper": "rmsea_ci_high", "srmr": "srmr",
            "aic": "aic", "bic": "bic"}


@pytest.fixture(scope="module")
def models():
    ref = json.loads((REF / "models.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HeywoodWarning)
        cmp = compare_models(pd.read_csv(DATA), _instrument())
    return cmp, ref


def _instrument():
    from mentorassess import load_instrument

    return load_instrument("mca-26")


@pytest.mark.parametrize("name", ["one_factor", "correlated", "second_order"])
def test_fit_indices_equal_lavaan(models, name):
    cmp, ref = models
    row = cmp.to_frame().set_index("model").loc[name]
    assert row["n_obs"] == ref[name]["ntotal"] and bool(row["converged"]) is ref[name]["converged"]
    for k, col in FIT_KEYS.items():
        want = ref[name]["fit"][k]
        tol = FIT_TOL * max(1.0, abs(want)) if k in ("chisq", "aic", "bic") else FIT_TOL
        assert row[col] == pytest.approx(want, abs=tol), k


@pytest.mark.parametrize("name", ["one_factor", "correlated", "second_order"])
def test_standardised_loadings_equal_lavaan(models, name):
    cmp, ref = models
    got = cmp.model(name).loadings().set_index(["lhs", "rhs"])["std_all"]
    want = pd.DataFrame(ref[name]["loadings"]).set_index(["lhs", "rhs"])["std_all"]
    assert set(got.index) == set(want.index)  # the second-order rows (general =~ competency) included
    assert np.abs(got.loc[want.index] - want).max() < TOL


def test_second_order_loadings_and_item_table(models):
    cmp, ref = models
    hi = cmp.higher_order().set_index("factor")["std_all"]
    want = pd.DataFrame(ref["second_order"]["loadings"])
    want = want[want["lhs"] == "general"].set_index("rhs")["std_all"]
    assert np.abs(hi.loc[want.index] - want).max() < TOL
    assert (hi > 1).any()  # this sample's second-order solution is improper (lavaan warns, too)
    wide = cmp.loadings().set_index("item")
    assert list(wide.columns) == ["factor", "one_factor", "correlated", "second_order"]
    assert wide.loc["mca20", "factor"] == "diversity"


def test_std_all_equals_fit_cfa(models):
    """The correlated model's std.all from the parameter table equals fit_cfa's own standardisation."""
    from mentorassess.stats.cfa import fit_cfa

    cmp, _ = models
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HeywoodWarning)
        ref = fit_cfa(pd.read_csv(DATA), _instrument()).standardized_loadings()
    got = cmp.model("correlated").loadings().set_index(["lhs", "rhs"])["std_all"]
    col = "std_all" if "std_all" in ref.columns else "std.all"
    for r in ref.itertuples(index=False):
        assert got[(r.lhs, r.rhs)] == pytest.approx(getattr(r, col), abs=1e-6)


def test_identification_rules():
    rng = np.random.default_rng(3)
    f = rng.normal(size=(300, 2))
    x = pd.DataFrame(np.repeat(f, 3, axis=1) + rng.normal(size=(300, 6)) * 0.7, columns=list("abcdef"))
    two = compare_models(x, {"F1": ["a", "b", "c"], "F2": ["d", "e", "f"]})
    frame = two.to_frame().set_index("model")
    assert np.isnan(frame.loc["second_order", "chisq"])
    assert frame.loc["second_order", "reason"].startswith("not identifiable")
    assert frame.loc["correlated", "df"] == 8 and frame.loc["one_factor", "df"] == 9
    one = compare_models(x, {"F1": list("abcdef")})
    assert one.model("correlated").reason.startswith("not applicable") and one.model("one_factor").fitted
    tiny = compare_models(x.head(5), {"F1": ["a", "b", "c"], "F2": ["d", "e", "f"]})
    assert [m.reason.split(":")[0] for m in tiny.models] == ["not fitted", "not fitted", "not identifiable"]
    # a general factor name that clashes with a competency is made unique
    assert compare_models(x, {"general": list("abc"), "F2": list("def")}).general == "general_"


def test_standardized_loadings_of_a_second_order_table():
    """std.all of g =~ F from a hand-made table: beta * sd(g) / sd(F), sd(F)^2 = beta^2 var(g) + psi_F."""
    p = pd.DataFrame({"lhs": ["F", "F", "g", "a", "b", "F", "g"], "op": ["=~", "=~", "=~", "~~", "~~", "~~", "~~"],
                      "rhs": ["a", "b", "F", "a", "b", "F", "g"], "est": [1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0]})
    s = standardized_loadings(p).set_index(["lhs", "rhs"])["std_all"]
    assert s[("g", "F")] == pytest.approx(2 / np.sqrt(5))
    assert s[("F", "a")] == pytest.approx(np.sqrt(5) / np.sqrt(6))


def test_item_agreement_equals_r():
    from mentorassess.scoring import score
    from mentorassess.stats.item_agreement import item_agreement

    ref = json.loads((REF / "agreement.json").read_text())
    d = pd.read_csv(DATA, dtype={"mentor_id": str, "response_id": str})
    ag = item_agreement(score(d, "mca-26"), wave="pre")
    items = ag.items.set_index("item")
    for key in ("icc1", "icc2", "rwg_median"):
        for it, want in ref[key].items():
            assert items.loc[it, key] == pytest.approx(want, abs=TOL), (key, it)
    assert items["rwg_mentors"].to_dict() == ref["rwg_mentors"]
    scales = ag.scales.set_index("scale")
    assert "overall" in scales.index and scales["rwg_j_median"].between(0, 1).all()
    assert ag.to_frame()["kind"].value_counts().to_dict() == {"item": 26, "scale": 7}
