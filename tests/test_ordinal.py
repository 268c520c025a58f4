"""Ordinal items against lavaan 0.6-14 / psych 2.2.9 / semTools 0.5-6 (tests/reference/ordinal)."""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import ConfigError, DataError, DataQualityWarning, HeywoodWarning, InsufficientDataError
from mentorassess.stats.ordinal import cfa_wlsmv, ordinal_alpha, ordinal_reliability, polychoric
from mentorassess.stats.ordinal._data import prepare
from mentorassess.stats.ordinal._estimate import two_step

REF = Path(__file__).parent / "reference" / "ordinal"
EST, FIT = 1e-4, 1e-3


@lru_cache(maxsize=None)
def ref() -> dict:
    return json.loads((REF / "reference.json").read_text())


def data(name: str) -> pd.DataFrame:
    if name == "bfi":
        b = pd.read_csv(REF.parent / "psych" / "bfi.csv")[[f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]]
        for c in ("A1", "C4", "C5"):
            b[c] = 7 - b[c]
        return b
    return pd.read_csv(REF / f"{name}.csv")


def parse(model: str) -> dict[str, list[str]]:
    out = {}
    for line in model.split("\n"):
        f, rhs = line.split("=~")
        out[f.strip()] = [x.strip() for x in rhs.split("+")]
    return out


# --- polychoric correlations and thresholds ------------------------------------------------

@pytest.mark.parametrize("name", ["ord24", "sim5", "sim7", "bin"])
def test_polychoric_equals_lavcor(name):
    r = ref()[name]["poly"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = polychoric(data(name))
    assert list(res.items) == r["items"]
    np.testing.assert_allclose(res.correlation, np.array(r["lavaan_cor"]), atol=EST, rtol=0)
    th = np.concatenate([res.thresholds[i] for i in res.items])
    np.testing.assert_allclose(th, np.array(list(r["lavaan_th"].values())), atol=1e-10, rtol=0)


@pytest.mark.parametrize("name", ["ord24", "sim5", "sim7"])
def test_polychoric_equals_psych_without_its_continuity_correction(name):
    r = ref()[name]["poly"]
    res = polychoric(data(name))
    np.testing.assert_allclose(res.correlation, np.array(r["psych_rho_correct0"]), atol=5e-5, rtol=0)


def test_psych_default_differs_when_item_maxima_differ():
    """sim5: i6 never uses 5, so psych switches to global = FALSE and corrects empty cells."""
    r = ref()["sim5"]["poly"]
    res = polychoric(data("sim5"))
    assert res.levels["i6"] == (1.0, 2.0, 3.0, 4.0) and len(res.thresholds["i6"]) == 3
    assert np.abs(res.correlation - np.array(r["psych_rho"])).max() > 1e-3
    assert any("fewer observed categories" in n and "i6" in n for n in res.notes)


def test_unused_category_has_no_threshold():
    res = polychoric(data("sim7"))
    assert res.levels["s04"][0] == 2.0 and len(res.thresholds["s04"]) == 5
    assert res.levels["s09"][0] == 3.0 and len(res.thresholds["s09"]) == 4
    tf = res.thresholds_frame()
    assert tf[tf.item == "s09"].between.tolist() == ["3|4", "4|5", "5|6", "6|7"]


def test_pairwise_counts_with_missing_data():
    d = data("sim7")
    res = polychoric(d)
    ok = d.notna().to_numpy().astype(float)
    np.testing.assert_array_equal(res.n_pairs, ok.T @ ok)


def test_two_by_two_zero_cell_rule_reported():
    res = polychoric(data("bin"))
    assert ref()["bin"]["table_b1_b2"][1] == 0
    assert any("b1 x b2" in n or "b2 x b1" in n for n in res.notes)


@pytest.mark.parametrize("name", ["ord24", "sim5"])
def test_nacov_equals_lavaan_gamma(name):
    od = prepare(data(name), what="t", listwise=True)
    g = two_step(od, nacov=True).gamma
    np.testing.assert_allclose(g, np.array(ref()[name]["wlsmv"]["gamma"]), atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", ["sim7", "bfi"])
def test_nacov_diagonal_equals_lavaan(name):
    cols = parse(ref()[name]["wlsmv"]["model"])
    items = [i for v in cols.values() for i in v]
    od = prepare(data(name), items, what="t", listwise=True)
    g = two_step(od, nacov=True).gamma
    np.testing.assert_allclose(np.diag(g), ref()[name]["wlsmv"]["gamma_diag"], rtol=1e-5)


# --- ordinal alpha and omega ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["ord24", "sim5", "sim7"])
def test_ordinal_alpha(name):
    r = ref()[name]["poly"]
    rel = ordinal_reliability(data(name)).to_frame()
    a = float(rel.loc[0, "alpha_ordinal"])
    assert a == pytest.approx(r["alpha_lavaan"], abs=EST)
    assert a == pytest.approx(r["alpha_psych_correct0"], abs=EST)
    assert ordinal_alpha(np.array(r["lavaan_cor"])) == pytest.approx(r["alpha_lavaan"], abs=1e-12)


@pytest.mark.parametrize("name", ["ord24", "sim5", "sim7", "bfi"])
def test_ordinal_omega_equals_comprelsem(name):
    w = ref()[name]["wlsmv"]
    rel = ordinal_reliability(data(name), parse(w["model"])).to_frame().set_index("scale")
    for f, v in w["compRelSEM_latent"].items():
        assert rel.loc[f, "omega_ordinal_latent"] == pytest.approx(v, abs=EST)
    for f, v in w["compRelSEM_ordscale"].items():
        assert rel.loc[f, "omega_ordinal_observed"] == pytest.approx(v, abs=EST)


# --- WLSMV ---------------------------------------------------------------------------------

CASES = [("sim7", "wlsmv"), ("sim7", "wlsmv_2f"), ("sim5", "wlsmv"), ("ord24", "wlsmv"), ("bfi", "wlsmv")]


@lru_cache(maxsize=None)
def fitted(name: str, key: str):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return cfa_wlsmv(data(name), parse(ref()[name][key]["model"]))


@pytest.mark.parametrize("name,key", CASES)
def test_wlsmv_estimates_and_ses(name, key):
    r = ref()[name][key]
    fit = fitted(name, key)
    assert fit.n_obs == r["ntotal"] and fit.fit["npar"] == r["npar"]
    pe = pd.DataFrame(r["params"])
    pe = pe[pe.op.isin(["=~", "|", "~~"])]
    m = pe.merge(fit.to_frame(), on=["lhs", "op", "rhs"], suffixes=("_r", ""), how="left")
    assert m["est"].notna().all(), m[m["est"].isna()]
    np.testing.assert_allclose(m["est"], m["est_r"], atol=EST, rtol=0)
    np.testing.assert_allclose(m["std_all"], m["std_all_r"], atol=EST, rtol=0)
    free = m["se_r"] > 0
    np.testing.assert_allclose(m.loc[free, "se"], m.loc[free, "se_r"], atol=EST, rtol=0)


@pytest.mark.parametrize("name,key", CASES)
def test_wlsmv_fit_measures(name, key):
    r = ref()[name][key]
    fit = fitted(name, key)
    for k, v in r["fit"].items():
        assert fit.fit[k] == pytest.approx(v, abs=FIT, rel=1e-6), k
    assert fit.fit["chisq.shift.parameter"] == pytest.approx(r["shift"], abs=FIT)
    assert fit.fit["trace.UGamma"] == pytest.approx(r["trace_ugamma"], abs=FIT)
    assert fit.fit["trace.UGamma2"] == pytest.approx(r["trace_ugamma2"], abs=FIT)


def test_wlsmv_bfi_matches_published_check_values():
    """psychometrics-2 section 3.3 (bfi A/C): T, T_ss, 1/a, b, scaled and robust indices."""
    f = fitted("bfi", "wlsmv").fit
    assert f["chisq"] == pytest.approx(449.277799, abs=1e-3)
    assert f["chisq.scaled"] == pytest.approx(593.495689, abs=1e-3)
    assert f["chisq.scaling.factor"] == pytest.approx(0.76427581, abs=1e-6)
    assert f["cfi.robust"] == pytest.approx(0.905206910, abs=1e-6)
    assert f["rmsea.scaled"] == pytest.approx(0.0790858, abs=1e-6)


def test_wlsmv_heywood_warns_and_keeps_lavaan_values():
    r = ref()["heywood"]
    assert "negative" in r["warning"]
    with pytest.warns(HeywoodWarning, match="h1"):
        fit = cfa_wlsmv(data("heywood"), {"f": ["h1", "h2", "h3"]})
    assert fit.heywood == ("h1",)
    pe = pd.DataFrame(r["wlsmv"]["params"])
    m = pe[pe.op.isin(["=~", "|", "~~"])].merge(fit.to_frame(), on=["lhs", "op", "rhs"], suffixes=("_r", ""))
    np.testing.assert_allclose(m["est"], m["est_r"], atol=EST, rtol=0)
    assert fit.to_frame().query("lhs == 'h1' and op == '~~'")["est"].iloc[0] < 0


# --- edges: clear errors naming the item ---------------------------------------------------

def test_constant_and_empty_items_are_named():
    d = data("sim5").copy()
    d["i2"] = 3
    d["i5"] = np.nan
    with pytest.raises(DataError) as e:
        polychoric(d)
    cols = {p.column for p in e.value.problems}
    assert cols == {"i2", "i5"} and "constant" in str(e.value)


def test_non_integer_codes_named():
    d = data("sim5").copy().astype(float)
    d.loc[3, "i4"] = 2.5
    with pytest.raises(DataError, match="i4"):
        polychoric(d)


def test_category_emptied_by_listwise_deletion_is_an_error_naming_item():
    d = data("sim5").copy().astype(float)
    only = d.index[d["i1"] == d["i1"].min()]
    d.loc[only, "i2"] = np.nan  # every answer in i1's lowest category is now incomplete
    with pytest.raises(DataError) as e:
        cfa_wlsmv(d, {"f": [f"i{j}" for j in range(1, 7)]})
    assert e.value.problems[0].column == "i1" and "listwise" in str(e.value)


def test_small_n_is_an_error():
    with pytest.raises(InsufficientDataError, match="n=6"):
        polychoric(data("sim5").head(6))


def test_pair_without_common_answers_is_named():
    d = data("sim5").copy().astype(float)
    d.loc[:149, "i1"] = np.nan
    d.loc[150:, "i2"] = np.nan
    with pytest.raises(DataError, match="'i1' and 'i2'|'i2' and 'i1'"):
        polychoric(d)


def test_model_errors():
    d = data("sim5")
    with pytest.raises(ConfigError, match="i3"):
        cfa_wlsmv(d, {"f": ["i1", "i2", "i3"], "g": ["i3", "i4", "i5"]})
    with pytest.raises(ConfigError, match="at least 3"):
        cfa_wlsmv(d, {"f": ["i1", "i2"]})
    with pytest.raises(DataError, match="nope"):
        cfa_wlsmv(d, {"f": ["i1", "i2", "nope"]})


def test_near_one_correlation_warns_with_item_names():
    d = data("sim5").copy()
    d["dup"] = d["i1"]
    with pytest.warns(DataQualityWarning, match="i1 and dup"):
        polychoric(d)


def test_results_are_frozen_and_deterministic():
    a = polychoric(data("ord24"))
    b = polychoric(data("ord24"))
    assert a.to_frame().equals(b.to_frame())
    with pytest.raises(ValueError):
        a.correlation[0, 1] = 0.0
    fit = fitted("ord24", "wlsmv")
    assert fit.to_frame().equals(fit.to_frame()) and set(fit.fit_frame().index) >= {"cfi.scaled", "rmsea.robust"}
