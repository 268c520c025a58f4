"""Bound-aware audit of linked program tables (mentorassess.release.audit)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from mentorassess.errors import ConfigError, DataError
from mentorassess.release.audit import (HIDDEN, Cell, Unit, audit_tables, cell_allowed, secondary_suppression,
                                        shown_text)


def _ranges(audit, kind, insider=None):
    return {f.target: (f.low, f.high) for f in audit.findings if f.kind == kind and f.insider == insider}


# --- hand-built cases -----------------------------------------------------------------------------------
def test_total_minus_cells_recovers_a_hidden_cell_exactly():
    units = [Unit(f"m{i}", v) for i, v in enumerate([5.0, 6.0, 4.0, 5.5, 6.5, 3.0, 4.0, 4.5, 5.25])]
    cells = [Cell("total", tuple(u.id for u in units)), Cell("A", ("m0", "m1", "m2")),
             Cell("B", ("m3", "m4", "m5")), Cell("C", ("m6", "m7", "m8"), shown=False)]
    exact = audit_tables(cells, units, decimals=None, insider=False)
    low, high = _ranges(exact, "cell")["C"]
    assert low == pytest.approx(np.mean([4.0, 4.5, 5.25]), abs=1e-9) and high == pytest.approx(low, abs=1e-9)
    assert any(f.target == "C" and f.flagged for f in exact.findings)
    rounded = audit_tables(cells, units, decimals=1, insider=False)
    low, high = _ranges(rounded, "cell")["C"]
    assert high - low == pytest.approx((9 * 0.1 + 3 * 0.1 + 3 * 0.1) / 3)     # 0.5: still within a point
    sup = secondary_suppression(cells, units, ["C"], insider=False)
    assert sup.passes and sup.hidden == ("A", "C") and sup.primary == ("C",)
    assert list(sup.to_frame()["cell"]) == ["A"]


def test_mean_of_three_at_seven_pins_every_mentor():
    a = audit_tables([Cell("d", ("a", "b", "c"))], [Unit(u, 7.0) for u in "abc"], insider=False)
    assert {t: round(r[0], 6) for t, r in _ranges(a, "unit").items()} == {"a": 6.85, "b": 6.85, "c": 6.85}
    assert not a.passes
    spread = audit_tables([Cell("d", ("a", "b", "c"))], [Unit("a", 3.0), Unit("b", 5.0), Unit("c", 7.0)],
                          insider=False)
    assert spread.passes


def test_single_mentor_cell():
    assert cell_allowed({"m1": 9}).reason == "too-few-mentors"
    a = audit_tables([Cell("dentistry", ("m1",))], [Unit("m1", 6.8)], insider=False)
    (f,) = [f for f in a.findings if f.target == "m1"]
    assert f.flagged and f.high - f.low == pytest.approx(0.1)


def test_overall_minus_competencies_recovers_the_hidden_competency():
    # one mentor's competency scores weighted by items; the overall mean is the weighted mean
    w = [4, 4, 4, 4, 4, 6]
    vals = [5.5, 6.0, 4.75, 6.25, 5.0, 3.5]
    units = [Unit(f"c{k}", v, weight=wk) for k, (v, wk) in enumerate(zip(vals, w))]
    cells = [Cell("overall", tuple(u.id for u in units))] + \
        [Cell(f"show-c{k}", (f"c{k}",), shown=k != 5) for k in range(6)]
    a = audit_tables(cells, units, decimals=1, insider=False)
    low, high = _ranges(a, "cell")["show-c5"]
    assert high - low < 1 and low <= 3.5 <= high
    assert not a.passes
    alone = audit_tables([c for c in cells if c.id != "overall"], units, insider=False)
    assert all(not f.flagged for f in alone.findings if f.target == "show-c5")


def test_insider_subtracting_himself():
    units = [Unit("a", 4.5), Unit("b", 6.75), Unit("c", 6.75)]
    cells = [Cell("d", ("a", "b", "c"))]
    out = audit_tables(cells, units, insider=False)
    assert out.passes                                  # 6.0 from three: every mentor 4..7 for an outsider
    ins = audit_tables(cells, units)
    flagged = {(f.target, f.insider) for f in ins.flagged}
    assert flagged == {("b", "a"), ("c", "a")}         # a knows his 4.5, so b and c are >= 6.35
    low, high = _ranges(ins, "unit", insider="a")["b"]
    assert low == pytest.approx(13.35 - 7) and high == 7


def test_dash_for_an_all_below_department_reads_like_any_hidden_cell():
    # department X: both mentors below threshold -> no released units at all; department Y: 2 mentors
    below = cell_allowed({})
    few = cell_allowed({"y1": 4, "y2": 5})
    dominated = cell_allowed({"z1": 8, "z2": 1, "z3": 1})
    assert (below.reason, few.reason, dominated.reason) == ("no-data", "too-few-mentors", "dominant-mentor")
    texts = {shown_text(None), shown_text(float("nan")), shown_text(None if not few.allowed else 5.0)}
    assert texts == {HIDDEN}
    # the total covers released units only, so total minus shown cells never names department X
    units = [Unit(u, v) for u, v in [("p1", 5.0), ("p2", 6.0), ("p3", 4.0), ("y1", 6.5), ("y2", 5.5)]]
    cells = [Cell("total", ("p1", "p2", "p3", "y1", "y2")), Cell("P", ("p1", "p2", "p3")),
             Cell("Y", ("y1", "y2"), shown=False), Cell("X", (), shown=False)]
    a = audit_tables(cells, units, insider=False)
    assert "X" not in {f.target for f in a.findings}
    assert any(f.target == "Y" and f.flagged for f in a.findings)
    sup = secondary_suppression(cells, units, ["Y"], insider=False)
    assert sup.passes and "total" in sup.hidden or "P" in sup.hidden


def test_cell_allowed_thresholds():
    assert cell_allowed({"a": 2, "b": 1, "c": 1}).allowed
    assert cell_allowed({"a": 2, "b": 1, "c": 1}, min_raters=5).reason == "too-few-raters"
    assert cell_allowed({"a": 3, "b": 2, "c": 1}).allowed                       # exactly half is allowed
    assert cell_allowed({"a": 4, "b": 2, "c": 1}).reason == "dominant-mentor"
    assert cell_allowed({"a": 1, "b": 1, "c": 1, "d": 0}).mentors == 3
    assert cell_allowed({"a": 2, "b": 2, "c": 2}, distinct_raters=2).reason == "too-few-raters"
    with pytest.raises(ConfigError):
        cell_allowed({"a": 3}, max_mentor_share=0)


def test_bad_tables_are_refused_with_all_problems():
    with pytest.raises(DataError) as e:
        audit_tables([Cell("a", ("x", "nope")), Cell("a", ("x",))], [Unit("x", 9.0)])
    assert len(e.value.problems) == 3
    with pytest.raises(DataError):
        audit_tables([Cell("a", ("x",), mean=3.0)], [Unit("x", 5.0)])
    with pytest.raises(ConfigError):
        audit_tables([], [], protection=-1)


def test_secondary_suppression_is_deterministic_and_ends():
    rng = np.random.default_rng(4)
    units = [Unit(f"m{i}", float(np.round(rng.uniform(3, 7), 2))) for i in range(6)]
    dept = {d: [f"m{i}" for i in range(6) if i % 2 == k] for k, d in enumerate("AB")}
    trained = {t: [f"m{i}" for i in range(6) if (i // 2) % 2 == k] for k, t in enumerate(("yes", "no"))}
    cells = [Cell("total", tuple(u.id for u in units))]
    cells += [Cell(f"dept {d}", tuple(v)) for d, v in dept.items()]
    cells += [Cell(f"trained {t}", tuple(v)) for t, v in trained.items()]
    cells += [Cell(f"{d}x{t}", tuple(sorted(set(dv) & set(tv)))) for d, dv in dept.items() for t, tv in trained.items()]
    primary = [c.id for c in cells if len(c.units) < 2]
    s1 = secondary_suppression(cells, units, primary)
    s2 = secondary_suppression(cells, units, primary)
    assert s1 == s2
    assert s1.passes and s1.audit.passes
    assert set(primary) <= set(s1.hidden)
    again = audit_tables([Cell(c.id, c.units, c.id not in s1.hidden) for c in cells], units)
    assert again.passes


# --- the LP against independent computations --------------------------------------------------------------
def _naive(cells, units, lo, hi, decimals, target, fixed=None):
    """min/max of a linear form over all units with every shown cell, one LP each (no shortcuts)."""
    ids = [u.id for u in units]
    x = np.array([u.value for u in units])
    w = np.array([u.weight for u in units])
    h = 0.5 * 10.0 ** -decimals
    A, b = [], []
    for c in cells:
        if not c.shown or not c.units:
            continue
        m = np.array([u in c.units for u in ids])
        W = w[m].sum()
        mean = float(shown_text(float(w[m] @ x[m]) / W, decimals))
        row = np.where(m, w, 0.0)
        A += [row, -row]
        b += [W * (mean + h), -W * (mean - h)]
    bounds = [(lo, hi)] * len(ids)
    if fixed:
        k = ids.index(fixed)
        bounds[k] = (x[k], x[k])
    out = []
    for sense in (1, -1):
        r = linprog(sense * target, A_ub=np.array(A) if A else None, b_ub=np.array(b) if b else None,
                    bounds=bounds, method="highs")
        out.append(sense * r.fun)
    return tuple(out)


def _vertices(cells, units, lo, hi, decimals, target):
    """Exact min/max by enumerating every vertex of the feasible polytope (tiny cases)."""
    ids = [u.id for u in units]
    n = len(ids)
    x = np.array([u.value for u in units])
    h = 0.5 * 10.0 ** -decimals
    G, g = [], []
    for k in range(n):
        e = np.eye(n)[k]
        G += [e, -e]
        g += [hi, -lo]
    for c in cells:
        if c.shown and c.units:
            m = np.array([u in c.units for u in ids], float)
            W = m.sum()
            mean = float(shown_text(float(m @ x) / W, decimals))
            G += [m, -m]
            g += [W * (mean + h), -W * (mean - h)]
    G, g = np.array(G), np.array(g)
    vals = []
    for rows in itertools.combinations(range(len(G)), n):
        M = G[list(rows)]
        if abs(np.linalg.det(M)) < 1e-12:
            continue
        v = np.linalg.solve(M, g[list(rows)])
        if np.all(G @ v <= g + 1e-9):
            vals.append(float(target @ v))
    return min(vals), max(vals)


@st.composite
def tables(draw, max_units=4):
    n = draw(st.integers(2, max_units))
    vals = draw(st.lists(st.integers(4, 28).map(lambda k: k / 4), min_size=n, max_size=n))
    units = [Unit(f"u{i}", v) for i, v in enumerate(vals)]
    k = draw(st.integers(1, 3))
    cells = []
    for c in range(k):
        mem = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
        cells.append(Cell(f"c{c}", tuple(f"u{i}" for i in sorted(mem)), shown=draw(st.booleans())))
    return cells, units


@settings(max_examples=40, deadline=None)
@given(tables())
def test_lp_ranges_equal_vertex_enumeration(data):
    cells, units = data
    a = audit_tables(cells, units, insider=False, bounds="exact")
    ids = [u.id for u in units]
    for f in a.findings:
        if f.kind == "unit":
            t = np.array([u == f.target for u in ids], float)
        else:
            c = next(c for c in cells if c.id == f.target)
            t = np.array([u in c.units for u in ids], float) / len(set(c.units))
        lo_v, hi_v = _vertices(cells, units, 1, 7, 1, t)
        assert f.low == pytest.approx(lo_v, abs=1e-6) and f.high == pytest.approx(hi_v, abs=1e-6)


@settings(max_examples=20, deadline=None)
@given(tables(max_units=5))
def test_insider_pass_with_shortcuts_equals_naive_lps(data):
    cells, units = data
    a = audit_tables(cells, units, scope="component")
    ids = [u.id for u in units]
    for f in a.findings:
        if f.kind == "unit":
            t = np.array([u == f.target for u in ids], float)
        else:
            c = next(c for c in cells if c.id == f.target)
            keep = [u for u in set(c.units) if u != f.insider]
            t = np.array([u in keep for u in ids], float) / len(keep)
        low, high = _naive(cells, units, 1, 7, 1, t, fixed=f.insider)
        if f.exact:
            assert f.low == pytest.approx(low, abs=1e-6) and f.high == pytest.approx(high, abs=1e-6)
        else:                                  # an inner range, proven by feasible points, wide enough
            assert low - 1e-6 <= f.low <= f.high <= high + 1e-6 and f.width >= 1.0 and not f.flagged
    exact = audit_tables(cells, units, scope="component", bounds="exact")
    assert [(f.kind, f.target, f.insider, f.flagged) for f in exact.findings] == \
        [(f.kind, f.target, f.insider, f.flagged) for f in a.findings]
    assert all(f.exact for f in exact.findings)
    near = audit_tables(cells, units, bounds="exact")  # default scope: a subset of the same findings
    every = {(f.kind, f.target, f.insider): (f.low, f.high) for f in exact.findings}
    for f in near.findings:
        assert every[(f.kind, f.target, f.insider)] == pytest.approx((f.low, f.high), abs=1e-6)


@settings(max_examples=15, deadline=None)
@given(tables(max_units=5))
def test_fast_highs_path_equals_linprog(data):
    import mentorassess.release._lp as lp_mod

    cells, units = data
    fast = audit_tables(cells, units, bounds="exact")
    lp_mod.FAST_LP = False
    try:
        slow = audit_tables(cells, units, bounds="exact")
    finally:
        lp_mod.FAST_LP = True
    assert [(f.kind, f.target, f.insider, f.flagged) for f in fast.findings] == \
        [(f.kind, f.target, f.insider, f.flagged) for f in slow.findings]
    for f, g in zip(fast.findings, slow.findings):
        assert f.low == pytest.approx(g.low, abs=1e-6) and f.high == pytest.approx(g.high, abs=1e-6)
