"""rwg / rwg(j) under the LeBreton & Senter nulls and awg against R multilevel 2.7 (lq2002 and worked examples)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mentorassess.errors import ConfigError
from mentorassess.stats.agreement import rwg, rwg_j
from mentorassess.stats.precision.nulls import NULLS, awg, awg_items, null_variance
from tests._precision_ref import csv, ref

ITEMS = [f"LEAD{i:02d}" for i in range(1, 12)]


def _groups():
    lq = csv("lq2002.csv")
    return [(g, lq[lq["COMPID"] == int(g)]) for g in ref()["lq2002_groups"]]


def _nan_equal(ours, theirs):
    theirs = np.array([np.nan if v is None else v for v in theirs], float)
    np.testing.assert_allclose(np.array(ours, float), theirs, atol=1e-10, equal_nan=True)


@pytest.mark.parametrize("null", NULLS)
def test_rwg_and_rwg_j_per_company_under_each_null(null):
    groups = _groups()
    _nan_equal([rwg(g["LEAD01"], options=5, null=null) for _, g in groups], ref()["rwg_lq2002"][null])
    _nan_equal([rwg_j(g[ITEMS], options=5, null=null) for _, g in groups], ref()["rwgj_lq2002"][null])


def test_awg_single_item_and_items_per_company():
    groups = _groups()
    _nan_equal([awg(g["LEAD01"], scale=(1, 5)) for _, g in groups], ref()["awg_lq2002_item"])
    _nan_equal([awg_items(g[ITEMS], scale=(1, 5)) for _, g in groups], ref()["awg_lq2002_items"])


def test_worked_examples_of_the_reference_notes():
    r = ref()["awg_examples"]
    assert r["a1"] is None and math.isnan(awg([6, 7, 6, 5, 7], scale=(1, 7)))   # mean 6.2 above 5.8
    assert awg([5, 6, 4, 5, 6], scale=(1, 7)) == pytest.approx(r["a2"], abs=1e-12)
    x = np.array([[5, 6, 4], [6, 6, 6], [4, 5, 5], [5, 5, 5], [6, 7, 6]], float)
    assert awg_items(x, scale=(1, 7)) == pytest.approx(r["aj"], abs=1e-12)
    assert rwg_j(x, null=2.14) == pytest.approx(r["rwgj"], abs=1e-12)
    vals = [rwg([6, 7, 6, 5, 7], null=n) for n in NULLS]
    assert vals == pytest.approx([.825000, .758621, .672897, .496403, .666667, .500000], abs=1e-6)
    assert awg([7, 7, 7], scale=(1, 7)) == 1.0 and math.isnan(awg([5], scale=(1, 7)))


def test_null_variances_from_proportions_and_table():
    assert [null_variance(n, 5) for n in NULLS] == pytest.approx([2.0, 1.34, 0.90, 0.44, 1.32, 1.04], abs=1e-9)
    assert [null_variance(n, 7) for n in NULLS] == pytest.approx([4.0, 2.90, 2.14, 1.39, 2.10, 1.40])
    assert null_variance("uniform", 4) == pytest.approx(15 / 12) and null_variance(1.7) == 1.7
    with pytest.raises(ConfigError):
        null_variance("slight_skew", 6)      # not tabled: ask for a number
    with pytest.raises(ConfigError):
        null_variance("bimodal", 7)
    with pytest.raises(ConfigError):
        null_variance(-1.0)
