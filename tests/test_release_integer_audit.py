"""Exact integer audit of one report (mentorassess.release.integer_audit) against enumeration."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorassess.errors import DataError
from mentorassess.release.feasible import round_mean
from mentorassess.release.integer_audit import audit_report

NAN = float("nan")


def _views(res, item):
    return {r.view: r for r in res.ranges if r.item == item}


# --- hand-built cases -----------------------------------------------------------------------------------
def test_unanimous_item_at_seven_is_pinned_for_everyone():
    res = audit_report(np.array([[7, 4], [7, 6], [7, 2]], float), {"c": [0, 1]}, may_skip=False)
    v = _views(res, 0)
    assert all(r.pinned for r in v.values()) and v["outsider"].low == v["outsider"].high == 7
    assert not res.safe and res.pinned_items() == (0,)


def test_a_known_skip_pattern_is_conservative_and_splits_the_raters():
    X = np.array([[5, 6], [6, NAN], [7, 5], [6, 7]], float)
    known = audit_report(X, {"c": [0, 1]}, exact=True)
    free = audit_report(X, {"c": [0, 1]}, may_skip=True, exact=True, time_limit=None)
    rows = [r for r in known.ranges if r.view == "outsider" and r.item == 0]
    assert sorted(r.raters for r in rows) == [(0, 2, 3), (1,)]       # who skipped item 1 is told apart
    f = next(r for r in free.ranges if r.view == "outsider" and r.item == 0)
    for r in rows:                                                    # the known pattern only narrows
        assert f.low <= r.low and r.high <= f.high
    assert not any(r.item == 1 and 1 in r.raters for r in known.ranges)  # a skipped answer has no row


def test_one_point_three_from_three_raters():
    res = audit_report(np.array([[1], [1], [2]], float), {"c": [0]}, may_skip=False, exact=True)
    out = _views(res, 0)["outsider"]
    assert (out.low, out.high, out.n_values, out.pinned) == (1, 2, 2, True)


def test_six_point_three_is_pinned_only_for_the_insider_who_gave_five():
    res = audit_report(np.array([[5], [7], [7]], float), {"c": [0]}, may_skip=False, exact=True)
    v = _views(res, 0)
    assert not v["outsider"].pinned and (v["outsider"].low, v["outsider"].high) == (5, 7)
    assert v["insider 0"].pinned and (v["insider 0"].low, v["insider 0"].high) == (7, 7)
    assert not v["insider 1"].pinned
    spread = audit_report(np.array([[3], [5], [7]], float), {"c": [0]}, may_skip=False)
    assert spread.safe


def test_competency_mean_minus_shown_items_recovers_a_hidden_item():
    X = np.array([[4, 7], [5, 7], [6, 7]], float)          # item 1 is hidden; competency mean 6.0 shown
    res = audit_report(X, {"c": [0, 1]}, item_means=[0], may_skip=False, overall=False)
    assert res.pinned_items() == (1,)
    without = audit_report(X, {"c": [0, 1]}, item_means=[0], competency_means=False, overall=False,
                           may_skip=False)
    assert 1 not in without.pinned_items()


def test_overall_minus_competencies():
    X = np.array([[4, 7], [5, 7], [6, 7]], float)          # competency b hidden, overall and a shown
    res = audit_report(X, {"a": [0], "b": [1]}, item_means=False, competency_means=["a"], may_skip=False)
    assert res.pinned_items() == (1,)
    res2 = audit_report(X, {"a": [0], "b": [1]}, item_means=False, competency_means=["a"], overall=False,
                        may_skip=False)
    assert res2.safe


def test_item_n_reveals_a_skip_and_narrows_the_rest():
    X = np.array([[6, 5], [7, 6], [NAN, 4]], float)        # rater 3 skipped item 0: n = 2 there
    shown_n = audit_report(X, {"c": [0, 1]}, item_n=True, overall=False, competency_means=False, exact=True)
    out = _views(shown_n, 0)["outsider"]
    assert out.pinned and (out.low, out.high) == (6, 7)
    # hiding n does not help: no 1 or 3 integer answers average 6.45..6.55, so n = 2 is implied
    hidden_n = audit_report(X, {"c": [0, 1]}, item_n=False, overall=False, competency_means=False, exact=True)
    assert _views(hidden_n, 0)["outsider"].pinned
    # an item mean of 6.0 from two answers leaves 5..7 whether or not n is shown
    Y = np.array([[7, 5], [5, 6], [NAN, 4]], float)
    for n_shown in (True, False):
        r = audit_report(Y, {"c": [0, 1]}, item_n=n_shown, overall=False, competency_means=False, exact=True)
        assert not _views(r, 0)["outsider"].pinned


def test_competency_means_only_still_pin_a_unanimous_report():
    X = np.full((3, 4), 7.0)
    res = audit_report(X, {"a": [0, 1], "b": [2, 3]}, item_means=False, may_skip=True, overall=False)
    assert res.pinned_items() == (0, 1, 2, 3)


def test_dataframe_labels_and_bad_input():
    df = pd.DataFrame({"mca01": [7, 7, 7], "mca02": [3, 5, 7]})
    res = audit_report(df, {"c": ["mca01", "mca02"]}, may_skip=False)
    assert res.pinned_items() == ("mca01",)
    assert set(res.to_frame()["item"]) == {"mca01", "mca02"}
    with pytest.raises(DataError) as e:
        audit_report(pd.DataFrame({"a": [1, 9]}), {"c": ["a"]})
    assert e.value.row == 2 and e.value.column == "a"
    with pytest.raises(DataError):
        audit_report(df, {"c": ["nope"]})
    with pytest.raises(DataError):
        audit_report(np.array([[NAN, 3.0]]), {"c": [0, 1]}, may_skip=False)


def test_one_mentor_report_with_26_items_runs():
    rng = np.random.default_rng(7)
    X = np.clip(np.round(rng.normal(5.6, 1.1, size=(5, 26))), 1, 7)
    comps = {f"c{k}": list(range(4 * k, 4 * k + 4)) for k in range(5)} | {"c5": list(range(20, 26))}
    res = audit_report(X, comps, may_skip=False, min_items=13)
    assert len(res.ranges) == 26 * 6
    for r in res.ranges:                                     # every pinned item really has < 3 values seen
        assert not r.pinned or r.n_values < 3


# --- enumeration cross-check ------------------------------------------------------------------------------
def _released(Y, items, groups, kmins, item_n):
    out = {}
    for i in items:
        col = [y for y in Y[:, i] if not math.isnan(y)]
        out[("i", i)] = (Fraction(int(sum(col)), len(col)) if col else None, len(col) if item_n else None)
    for name, cols in groups:
        vals = []
        for r in range(Y.shape[0]):
            ans = [Y[r, c] for c in cols if not math.isnan(Y[r, c])]
            if len(ans) >= kmins[name]:
                vals.append(Fraction(int(sum(ans)), len(ans)))
        out[("g", name)] = (sum(vals) / len(vals) if vals else None, None)
    return out


def _brute(X, groups, items, lo, hi, decimals, item_n, min_answered, min_items, skip, known=False):
    R, I = X.shape
    kmins = {name: max(1, math.ceil(min_answered * len(cols) - 1e-9)) for name, cols in groups}
    truth = _released(X, items, groups, kmins, item_n)
    h = None if decimals is None else Fraction(1, 2 * 10 ** decimals)

    def consistent(Y):
        if min_items and any((~np.isnan(Y[r])).sum() < min_items for r in range(R)):
            return False
        got = _released(Y, items, groups, kmins, item_n)
        for k, (tv, tn) in truth.items():
            gv, gn = got[k]
            if tn != gn or (tv is None) != (gv is None):
                return False
            if tv is None:
                continue
            if decimals is None:
                if gv != tv:
                    return False
            else:
                m = round_mean(tv, decimals)
                if not (m - h < gv < m + h or gv == tv):
                    return False
        return True

    states = [list(range(lo, hi + 1)) + ([NAN] if skip[i] else []) for i in range(I)]
    cells = [([NAN] if math.isnan(X[r, i]) else list(range(lo, hi + 1))) if known else states[i]
             for r in range(R) for i in range(I)]
    sols = []
    for combo in itertools.product(*cells):
        Y = np.array(combo, float).reshape(R, I)
        if consistent(Y):
            sols.append(Y)
    return sols


def _values(sols, item, rows):
    return {int(Y[r, item]) for Y in sols for r in rows if not math.isnan(Y[r, item])}


CONFIGS = [(2, 2, 4), (2, 3, 3), (3, 2, 3), (3, 1, 4), (4, 1, 4), (3, 1, 7)]


@st.composite
def reports(draw):
    R, I, hi = draw(st.sampled_from(CONFIGS))
    skip = [draw(st.booleans()) for _ in range(I)]
    if np.prod([hi + s for s in skip]) ** R > 5000:
        skip = [False] * I
    X = np.array([[draw(st.sampled_from(list(range(1, hi + 1)) + ([NAN] if skip[i] else []))) for i in range(I)]
                  for _ in range(R)], float)
    split = draw(st.integers(1, I))
    comps = {"a": list(range(split))} | ({"b": list(range(split, I))} if split < I else {})
    return dict(X=X, comps=comps, hi=hi, skip=skip, known=draw(st.booleans()),
                decimals=draw(st.sampled_from([None, 0, 1])),
                item_means=draw(st.sampled_from([True, False, [0]])),
                item_n=draw(st.booleans()),
                competency_means=draw(st.booleans()),
                overall=draw(st.booleans()),
                min_answered=draw(st.sampled_from([0.5, 1.0])),
                min_items=draw(st.sampled_from([0, 1])),
                ell=draw(st.sampled_from([2, 3])))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_milp_audit_equals_enumeration(case):
    X, comps, hi = case["X"], case["comps"], case["hi"]
    R, I = X.shape
    if case["min_items"] and (np.isnan(X).sum(axis=1) == I).any():
        return                                   # the actual answers must meet the floor
    res = audit_report(X, comps, lo=1, hi=hi, decimals=case["decimals"], item_means=case["item_means"],
                       item_n=case["item_n"], competency_means=case["competency_means"], overall=case["overall"],
                       min_answered=case["min_answered"], min_items=case["min_items"],
                       may_skip="known" if case["known"] else case["skip"],
                       ell=case["ell"], exact=True, time_limit=None)
    items = list(range(I)) if case["item_means"] is True else ([] if case["item_means"] is False else [0])
    groups = [(k, v) for k, v in comps.items()] if case["competency_means"] else []
    if case["overall"]:
        groups.append(("__overall__", sorted(c for v in comps.values() for c in v)))
    sols = _brute(X, groups, items, 1, hi, case["decimals"], case["item_n"], case["min_answered"],
                  case["min_items"], case["skip"], known=case["known"])
    assert any(np.array_equal(Y, X, equal_nan=True) for Y in sols)
    for r in res.ranges:
        j = None if r.view == "outsider" else int(r.view.split()[1])
        pool = sols if j is None else [Y for Y in sols if np.array_equal(Y[j], X[j], equal_nan=True)]
        assert j not in r.raters and (case["known"] or set(r.raters) == set(range(R)) - {j})
        vals = _values(pool, r.item, list(r.raters))
        assert r.pinned == (len(vals) < case["ell"]), (r, vals)
        if r.count_exact:
            assert r.n_values == len(vals)
        else:
            assert r.n_values <= len(vals)
        if r.bounds_exact and vals:
            assert (r.low, r.high) == (min(vals), max(vals))
