"""R5 feasible-range rule and R6 bands (mentorassess.release.feasible), checked against enumeration."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorassess.errors import ConfigError, DataError
from mentorassess.release.feasible import (DEFAULT_BANDS, Band, band_check, band_statement, consistent_sums,
                                           item_mean_safe, round_mean, score_mean_safe)


# --- fact-sheet cases (disclosure-control R5) ----------------------------------------------------------
@pytest.mark.parametrize("values,shown", [([7, 7, 7], "7"), ([6, 7, 7], "67/10"), ([1, 1, 1], "1"),
                                          ([1, 1, 2], "13/10")])
def test_extreme_means_of_three_fail_for_an_outsider(values, shown):
    r = item_mean_safe(values, insider=False)
    assert str(r.shown) == shown
    assert not r.safe and r.reason == "outsider"


def test_six_point_zero_from_three_raters_passes_for_an_outsider():
    for values in ([6, 6, 6], [5, 6, 7], [4, 7, 7]):
        r = item_mean_safe(values, insider=False)
        assert r.safe and r.outsider_range == (4.0, 7.0)


def test_six_point_three_from_5_7_7_fails_as_insider():
    r = item_mean_safe([5, 7, 7])
    assert item_mean_safe([5, 7, 7], insider=False).safe
    assert (r.safe, r.reason, r.insider_range, r.insider_knows) == (False, "insider", (7.0, 7.0), 0)
    frame = r.to_frame()
    assert list(frame["insider_low"]) == [5.0, 7.0, 7.0]    # the rater who gave 5 learns both others


def test_one_point_three_from_three_raters_is_one_one_two():
    assert consistent_sums(3, 1.3) == (4, 4)
    assert item_mean_safe([1, 2, 1]).outsider_range == (1.0, 2.0)


def test_rounded_mean_pins_the_sum_for_two_to_ten_raters():
    """Fact sheet §2.5: one decimal pins the integer sum of 2..10 raters on 1..7."""
    for n in range(2, 11):
        for total in range(n, 7 * n + 1):
            shown = round_mean(Fraction(total, n), 1)
            assert consistent_sums(n, float(shown)) == (total, total)


def test_round_mean_is_half_even_on_exact_fractions():
    assert round_mean(Fraction(25, 4)) == Fraction(62, 10)     # 6.25 -> 6.2
    assert round_mean(Fraction(127, 20)) == Fraction(64, 10)   # 6.35 -> 6.4 (a float would say 6.3)
    assert round_mean(Fraction(1, 3), None) == Fraction(1, 3)


def test_no_raters_and_bad_input():
    assert item_mean_safe([]).reason == "no-data"
    with pytest.raises(DataError):
        item_mean_safe([7, 8, 7])
    with pytest.raises(DataError):
        score_mean_safe([6.3, 7.0], grid=2)
    with pytest.raises(ConfigError):
        item_mean_safe([5, 6, 7], ell=0)


def test_missing_answers_are_not_raters():
    assert item_mean_safe([7, None, 7, float("nan"), 7]).n == 3


# --- enumeration cross-check -----------------------------------------------------------------------------
def _brute(values, lo, hi, decimals, grid):
    """Feasible values per rater for an outsider and per insider, by enumerating every vector."""
    n, g = len(values), grid
    xs = [round(v * g) for v in values]
    total = sum(xs)
    true = Fraction(total, n * g)
    m = round_mean(true, decimals)
    h = Fraction(0) if decimals is None else Fraction(1, 2 * 10 ** decimals)

    def consistent(vec):
        s = sum(vec)
        if decimals is None:
            return s == total
        mean = Fraction(s, n * g)
        return s == total or (m - h < mean < m + h)

    vecs = [v for v in itertools.product(range(lo * g, hi * g + 1), repeat=n) if consistent(v)]
    outsider = [{v[i] for v in vecs} for i in range(n)]
    insider = {(j, i): {v[i] for v in vecs if v[j] == xs[j]} for j in range(n) for i in range(n) if i != j}
    return outsider, insider


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.lists(st.integers(1, 5), min_size=n, max_size=n)),
       st.sampled_from([None, 0, 1]), st.integers(2, 4))
def test_item_rule_equals_enumeration(values, decimals, ell):
    lo, hi = 1, 5
    r = item_mean_safe(values, decimals=decimals, lo=lo, hi=hi, ell=ell)
    outsider, insider = _brute(values, lo, hi, decimals, 1)
    assert r.outsider_range == (min(outsider[0]), max(outsider[0]))
    assert all(s == set(range(min(s), max(s) + 1)) for s in outsider)           # no holes
    worst_out = min(len(s) for s in outsider)
    worst_in = min((len(s) for s in insider.values()), default=99)
    assert r.safe == (worst_out >= ell and worst_in >= ell)
    for row in r.to_frame().itertuples():
        if row.insider_knows is not None:
            s = insider[(row.insider_knows, row.rater)]
            assert (row.insider_low, row.insider_high) == (min(s), max(s))
            assert len(s) == min(len(insider[(j, row.rater)]) for j in range(len(values)) if j != row.rater)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3).flatmap(lambda n: st.lists(st.integers(2, 8), min_size=n, max_size=n)),
       st.sampled_from([0, 1]))
def test_grid_rule_equals_enumeration(halves, decimals):
    values = [h / 2 for h in halves]                 # competency scores of two items: steps of 0.5
    r = score_mean_safe(values, decimals=decimals, lo=1, hi=4, grid=2)
    outsider, insider = _brute(values, 1, 4, decimals, 2)
    assert r.outsider_range == (min(outsider[0]) / 2, max(outsider[0]) / 2)
    w_out = min(max(s) - min(s) for s in outsider) / 2
    w_in = min((max(s) - min(s) for s in insider.values()), default=99) / 2
    assert r.safe == (w_out >= 2 and w_in >= 2)


def test_conservative_set_is_inside_what_a_rule_aware_attacker_learns():
    """Our consistent totals never exceed those of an attacker who knows the half-even rule."""
    for n in range(1, 7):
        for total in range(n, 7 * n + 1):
            r = item_mean_safe([total // n] * (n - total % n) + [total // n + 1] * (total % n), insider=False)
            rule = consistent_sums(n, float(r.shown))
            lo_v, hi_v = max(1, rule[0] - (n - 1) * 7), min(7, rule[1] - (n - 1))
            assert lo_v <= r.outsider_range[0] and r.outsider_range[1] <= hi_v


def test_continuous_scores():
    r = score_mean_safe([6.5, 7.0, 7.0])                   # 6.8: each rater >= 6.25
    assert r.reason == "outsider" and r.outsider_range == (6.25, 7.0)
    assert score_mean_safe([3.2, 5.9, 4.4, 6.1, 5.0]).safe


# --- bands ------------------------------------------------------------------------------------------------
def test_band_choice_matches_fact_sheet_wording():
    assert band_statement([7, 7, 7, 7, 7], prefer="specific").label == "in the top band: 6.5 or above"
    assert band_statement([7, 7, 7, 7, 7]).label == "in the upper band: 5.5 or above"
    assert band_statement([1, 1, 1, 1, 1], prefer="specific").name == "bottom"
    assert band_statement([1, 1, 1, 1, 1]).name == "low"
    with pytest.raises(ConfigError):
        band_statement([7, 7, 7], prefer="best")
    assert band_statement([7, 7, 7]).name == "high"
    assert band_statement([4, 4, 4, 4, 4]) is None
    assert band_statement([]) is None


def test_both_ends_are_treated_alike():
    for n in range(3, 9):
        for top, bottom in (("top", "bottom"), ("high", "low")):
            t = next(b for b in DEFAULT_BANDS if b.name == top)
            b = next(b for b in DEFAULT_BANDS if b.name == bottom)
            assert band_check([7] * n, t).safe == band_check([1] * n, b).safe


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 4).flatmap(lambda n: st.lists(st.integers(1, 7), min_size=n, max_size=n)))
def test_band_outsider_range_equals_enumeration(values):
    for band in DEFAULT_BANDS + (Band("mid", "3 to 5", 3, 5),):
        r = band_check(values, band)
        if r.reason == "not-in-band":
            assert not band.contains(Fraction(sum(values), len(values)))
            continue
        vecs = [v for v in itertools.product(range(1, 8), repeat=len(values)) if band.contains(Fraction(sum(v), len(v)))]
        s = {v[0] for v in vecs}
        assert r.outsider_range == (min(s), max(s))
        ins = [{v[i] for v in vecs if v[j] == values[j]} for j in range(len(values)) for i in range(len(values)) if i != j]
        assert r.safe == (len(s) >= 3 and min(len(x) for x in ins) >= 3)
