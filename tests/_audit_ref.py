"""Slow reference of the table audit: the code of ``release.audit`` / ``release._lp`` before the
speed-up (commit 3511bdd), kept verbatim apart from imports, so that tests can compare the fast
code with it on random instances. Not part of the package.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Iterable, Sequence

import numpy as np

from mentorassess.errors import ConfigError, DataError, Problem
from mentorassess.release.audit import Cell, Finding, Suppression, TableAudit, Unit, _describe
from mentorassess.release.feasible import round_mean

_TOL = 1e-7


class _Model:
    """Units, released constraints and connected components of one release."""

    def __init__(self, cells: Sequence, units: Sequence, lo, hi, decimals):
        problems = []
        self.ids = [u.id for u in units]
        self.index = {u: i for i, u in enumerate(self.ids)}
        if len(self.index) != len(self.ids):
            problems.append(Problem("unit ids are not unique", code="duplicate-unit"))
        self.x = np.array([float(u.value) for u in units])
        self.w = np.array([float(u.weight) for u in units])
        if np.any(~np.isfinite(self.x)) or np.any((self.x < lo - _TOL) | (self.x > hi + _TOL)):
            problems.append(Problem(f"a unit value lies outside {lo}..{hi}", code="out-of-range"))
        if np.any(~(self.w > 0)):
            problems.append(Problem("unit weights must be positive", code="bad-weight"))
        self.cells = list(cells)
        self.members: list[np.ndarray] = []
        for c in self.cells:
            bad = [u for u in c.units if u not in self.index]
            if bad:
                problems.append(Problem(f"cell {c.id!r} names unknown units", value=", ".join(map(str, bad[:5])),
                                        code="unknown-unit"))
            self.members.append(np.array(sorted({self.index[u] for u in c.units if u in self.index}), dtype=int))
        if len({c.id for c in self.cells}) != len(self.cells):
            problems.append(Problem("cell ids are not unique", code="duplicate-cell"))
        if problems:
            raise DataError.from_problems(problems, summary="the tables to audit are inconsistent")
        h = 0.0 if decimals is None else 0.5 * 10.0 ** -decimals
        self.bounds = []   # (member idx, weights, low sum, high sum) for shown cells
        for c, m in zip(self.cells, self.members):
            if not c.shown or len(m) == 0:
                continue
            wsum = float(self.w[m].sum())
            true = float(self.w[m] @ self.x[m]) / wsum
            mean = float(round_mean(Fraction(true), decimals)) if c.mean is None else float(c.mean)
            if abs(true - mean) > h + 1e-9:
                raise DataError(f"cell {c.id!r}: released mean {mean} does not match its units ({true:.6g})",
                                value=mean, hint="release means computed from the same units")
            self.bounds.append((m, self.w[m], wsum * (mean - h), wsum * (mean + h)))
        # components linked by shown cells (union-find)
        parent = list(range(len(self.ids)))

        def find(a):
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a
        for m, *_ in self.bounds:
            for b in m[1:]:
                ra, rb = find(m[0]), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
        self.comp = np.array([find(i) for i in range(len(self.ids))], dtype=int)
        self.constrained = {int(self.comp[m[0]]) for m, *_ in self.bounds}
        self.lo, self.hi = float(lo), float(hi)
        self.solves = 0
        self.points: dict[int, list[np.ndarray]] = {}   # feasible points per component (full length)

    def solve(self, comp: int, coef: dict[int, float], sense: int, fixed: dict[int, float]):
        """min (sense=1) or max (sense=-1) of sum coef[i] x_i over component ``comp``."""
        from scipy.optimize import linprog

        if comp not in self.constrained:       # no shown cell: every unit is free in [lo, hi]
            pick = self.lo if sense * 1 > 0 else self.hi
            sol = {g: (fixed[g] if g in fixed else (pick if a >= 0 else self.lo + self.hi - pick))
                   for g, a in coef.items()}
            return sum(a * sol[g] for g, a in coef.items()), sol

        idx = np.flatnonzero(self.comp == comp)
        pos = {g: k for k, g in enumerate(idx)}
        c = np.zeros(len(idx))
        for g, a in coef.items():
            c[pos[g]] = a
        self.solves += 1
        fast = self._fast_lp(comp, idx, pos) if FAST_LP else None
        if fast is not None:
            x, val = fast.solve(c, sense, {pos[g]: v for g, v in fixed.items()})
        else:
            A = self._rows(comp, idx, pos)
            rows = np.vstack([A[0], -A[0]]) if len(A[0]) else None
            rhs = np.concatenate([A[2], -A[1]]) if len(A[0]) else None
            bounds = [(fixed[g], fixed[g]) if g in fixed else (self.lo, self.hi) for g in idx]
            res = linprog(sense * c, A_ub=rows, b_ub=rhs, bounds=bounds, method="highs")
            x, val = (res.x, sense * res.fun) if res.status == 0 else (None, None)
        if x is None:
            raise DataError("the released cells admit no values in the scale (an inconsistent release)")
        sol = dict(zip(idx.tolist(), np.asarray(x, float).tolist()))
        pt = self.x.copy()
        pt[idx] = x
        self.points.setdefault(comp, [self.x.copy()]).append(pt)
        return val, sol

    def _rows(self, comp, idx, pos):
        """The shown cells of one component: (rows, low sums, high sums)."""
        rows, low_s, high_s = [], [], []
        for m, w, low, high in self.bounds:
            if self.comp[m[0]] != comp:
                continue
            r = np.zeros(len(idx))
            r[[pos[g] for g in m]] = w
            rows.append(r)
            low_s.append(low)
            high_s.append(high)
        return np.array(rows), np.array(low_s), np.array(high_s)

    def _fast_lp(self, comp, idx, pos):
        """A persistent HiGHS model for one component (None when the bindings are unavailable)."""
        cache = self.__dict__.setdefault("_fast", {})
        if comp not in cache:
            try:
                cache[comp] = _HighsLP(*self._rows(comp, idx, pos), self.lo, self.hi)
            except Exception:       # scipy's private HiGHS bindings changed: use linprog
                cache[comp] = None
        return cache[comp]


#: Use scipy's bundled HiGHS bindings with one persistent model per component (50x fewer
#: overheads than ``linprog``); False, or any failure to set them up, falls back to ``linprog``.
FAST_LP = True


class _HighsLP:
    """min / max of ``c @ x`` over ``low <= A x <= high``, ``lo <= x <= hi``, re-solved warm."""

    def __init__(self, A, low, high, lo, hi):
        from scipy.optimize._highspy import _core

        self.core = _core
        self.n = A.shape[1]
        self.lo, self.hi = lo, hi
        h = _core._Highs()
        h.setOptionValue("output_flag", False)
        lp = _core.HighsLp()
        lp.num_col_, lp.num_row_ = self.n, A.shape[0]
        lp.col_cost_ = np.zeros(self.n)
        lp.col_lower_ = np.full(self.n, float(lo))
        lp.col_upper_ = np.full(self.n, float(hi))
        lp.row_lower_ = np.asarray(low, float)
        lp.row_upper_ = np.asarray(high, float)
        start, index, value = [0], [], []
        for j in range(self.n):
            nz = np.flatnonzero(A[:, j])
            index += nz.tolist()
            value += A[nz, j].tolist()
            start.append(len(index))
        lp.a_matrix_.format_ = _core.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array(start, np.int32)
        lp.a_matrix_.index_ = np.array(index, np.int32)
        lp.a_matrix_.value_ = np.array(value, float)
        if h.passModel(lp) != _core.HighsStatus.kOk:
            raise RuntimeError("HiGHS refused the model")
        self.h = h
        self.all = np.arange(self.n, dtype=np.int32)
        self.solve(np.zeros(self.n), 1, {})     # exercise every binding now, inside the fallback's try

    def solve(self, c, sense, fixed):
        core, h = self.core, self.h
        h.changeColsCost(self.n, self.all, np.asarray(c, float))
        h.changeObjectiveSense(core.ObjSense.kMinimize if sense == 1 else core.ObjSense.kMaximize)
        if fixed:
            k = np.array(list(fixed), np.int32)
            v = np.array(list(fixed.values()), float)
            h.changeColsBounds(len(k), k, v, v)
        try:
            h.run()
            ok = h.getModelStatus() == core.HighsModelStatus.kOptimal
            x = np.array(h.getSolution().col_value) if ok else None
            val = float(np.dot(c, x)) if ok else None
        finally:
            if fixed:
                h.changeColsBounds(len(k), k, np.full(len(k), float(self.lo)), np.full(len(k), float(self.hi)))
        return x, val


def _range(model: _Model, coef: dict[int, float], fixed: dict[int, float], cache=None, key=None):
    """Min and max of a linear form, summing over components (they are independent)."""
    lo_v = hi_v = 0.0
    by_comp: dict[int, dict[int, float]] = {}
    for g, a in coef.items():
        by_comp.setdefault(int(model.comp[g]), {})[g] = a
    for comp, part in by_comp.items():
        for sense in (1, -1):
            ck = (key, comp, sense)
            hit = cache.get(ck) if cache is not None else None
            reuse = hit is not None and all(abs(hit[1].get(g, v) - v) <= _TOL for g, v in fixed.items()
                                            if model.comp[g] == comp)
            if reuse:
                val = hit[0]
            else:
                val, sol = model.solve(comp, part, sense, {g: v for g, v in fixed.items() if model.comp[g] == comp})
                if cache is not None and not fixed:
                    cache[ck] = (val, sol)
            if sense == 1:
                lo_v += val
            else:
                hi_v += val
    return lo_v, hi_v


def _inner(model: _Model, g: int, u: int | None = None):
    """A range of ``x_g`` that feasible points already prove (inside the true range).

    For an insider ``u`` (fixed at his value ``a``) only points with ``x_u = a`` count: the stored
    points themselves where ``x_u = a``, and the point on each segment between a point above and
    a point below ``a`` where the segment crosses it (convex combinations stay feasible).
    """
    pts = model.points.get(int(model.comp[g]))
    P = np.array(pts) if pts else model.x[None, :]
    if u is None:
        return float(P[:, g].min()), float(P[:, g].max())
    d = P[:, u] - model.x[u]
    vals = list(P[np.abs(d) <= 1e-9, g])
    pos, neg = np.flatnonzero(d > 1e-9), np.flatnonzero(d < -1e-9)
    if len(pos) and len(neg):
        dk, dl = d[pos][:, None], d[neg][None, :]
        mix = (-dl * P[pos, g][:, None] + dk * P[neg, g][None, :]) / (dk - dl)
        vals += [float(mix.min()), float(mix.max())]
    return float(min(vals)), float(max(vals))


def audit_tables(cells: Sequence[Cell], units: Sequence[Unit], *, lo: float = 1, hi: float = 7,
                 decimals: int | None = 1, protection: float = 1.0, insider: bool = True,
                 scope: str = "cells", first_only: bool = False, bounds: str = "decide") -> TableAudit:
    """Feasible range of every hidden cell and every unit, for an outsider and for insiders.

    Parameters
    ----------
    cells, units : sequences of :class:`Cell`, :class:`Unit`
        Every table of one release, as one linked set.
    lo, hi : float
        Scale of the unit values.
    decimals : int or None
        Decimals of released means (None: exact).
    protection : float
        Smallest acceptable width of a feasible range, in scale points (strictly narrower is
        flagged; 1.0 = 'not bounded within a scale point').
    insider : bool
        Also audit, for each unit, an attacker who knows that unit's value.
    scope : {"cells", "component"}
        What the insider pass re-checks (see module notes).
    first_only : bool
        Stop at the first flagged finding (a quick 'does it pass?').
    bounds : {"decide", "exact"}
        ``"decide"``: a unit whose range is already proven at least ``protection`` wide by
        feasible points found so far (``Finding.exact`` False) gets no LP of its own; the verdict
        is the same. ``"exact"``: solve every range.

    Returns
    -------
    TableAudit

    Examples
    --------
    A mean of 7.0 over three mentors pins each of them:

    >>> a = audit_tables([Cell("d", ("a", "b", "c"))], [Unit(u, 7.0) for u in "abc"])
    >>> [(f.target, round(f.low, 2)) for f in a.flagged if f.insider is None]
    [('a', 6.85), ('b', 6.85), ('c', 6.85)]
    """
    if not (isinstance(protection, (int, float)) and protection >= 0):
        raise ConfigError(f"protection must be a number >= 0; got {protection!r}")
    if scope not in ("cells", "component"):
        raise ConfigError(f"scope must be 'cells' or 'component'; got {scope!r}")
    if bounds not in ("decide", "exact"):
        raise ConfigError(f"bounds must be 'decide' or 'exact'; got {bounds!r}")
    model = _Model(cells, units, lo, hi, decimals)
    cache: dict = {}
    out: list[Finding] = []
    hidden = [(c, m) for c, m in zip(model.cells, model.members) if not c.shown and len(m)]

    def cell_form(m, drop=None):
        keep = [g for g in m if g != drop]
        ws = float(model.w[keep].sum())
        return {g: model.w[g] / ws for g in keep}

    def judge(kind, target, ins, rng, exact=True):
        flag = rng[1] - rng[0] < protection - 1e-9
        out.append(Finding(kind, target, ins, float(rng[0]), float(rng[1]), bool(flag), exact))
        if flag and first_only:
            raise _Stop

    try:
        wide = (lambda r: r[1] - r[0] >= protection) if bounds == "decide" else (lambda r: False)
        _run(model, hidden, cell_form=cell_form, judge=judge, cache=cache, insider=insider, scope=scope, wide=wide)
    except _Stop:
        pass
    return TableAudit(tuple(out), float(protection), model.solves, tuple(c.id for c, _ in hidden))


class _Stop(Exception):
    """First flagged finding reached (``first_only``)."""


def _run(model, hidden, *, cell_form, judge, cache, insider, scope, wide):
    """The outsider pass, then the insider pass (see the module notes)."""
    for c, m in hidden:
        judge("cell", c.id, None, _range(model, cell_form(m), {}, cache, ("cell", c.id)))
    # units with the same shown cells and weight are interchangeable in the constraints: same range
    atom = [(tuple(k for k, (m, *_) in enumerate(model.bounds) if g in m), float(model.w[g]))
            for g in range(len(model.ids))]
    memo: dict = {}
    for g, uid in enumerate(model.ids):
        if atom[g] not in memo:
            inner = _inner(model, g) if model.comp[g] in model.constrained else None
            if inner is not None and wide(inner):
                judge("unit", uid, None, inner, exact=False)
                continue
            memo[atom[g]] = _range(model, {g: 1.0}, {}, cache, ("unit", g))
        judge("unit", uid, None, memo[atom[g]])
    if insider:
        cells_of: dict[int, list[np.ndarray]] = {}
        for m in model.members:
            for g in m:
                cells_of.setdefault(int(g), []).append(m)
        for u, uid in enumerate(model.ids):
            comp = model.comp[u]
            if np.count_nonzero(model.comp == comp) == 1:
                continue   # linked to nothing: knowing it tells nothing about others
            fixed = {u: float(model.x[u])}
            if scope == "cells":
                near = {int(g) for m in cells_of.get(u, []) for g in m}
            else:
                near = set(np.flatnonzero(model.comp == comp).tolist())
            for c, m in hidden:
                if not near.intersection(m.tolist()) or (len(m) == 1 and m[0] == u):
                    continue
                form = cell_form(m, drop=u)
                if not any(model.comp[g] == comp for g in form):
                    continue
                judge("cell", c.id, uid, _range(model, form, fixed, cache, ("cell", c.id) if u not in m else None))
            memo = {}
            for g in sorted(near - {u}):
                if model.comp[g] == comp:
                    if atom[g] not in memo:
                        inner = _inner(model, g, u)
                        if wide(inner):
                            judge("unit", model.ids[g], uid, inner, exact=False)
                            continue
                        memo[atom[g]] = _range(model, {g: 1.0}, fixed, cache, ("unit", g))
                    judge("unit", model.ids[g], uid, memo[atom[g]])


def secondary_suppression(cells: Sequence[Cell], units: Sequence[Unit], primary_hidden: Iterable[str], *,
                          lo: float = 1, hi: float = 7, decimals: int | None = 1, protection: float = 1.0,
                          insider: bool = True, scope: str = "cells", max_steps: int | None = None,
                          bounds: str = "decide") -> Suppression:
    """Hide further cells, smallest first, until :func:`audit_tables` passes.

    Parameters
    ----------
    primary_hidden : iterable of str
        Cells hidden by the primary rules (:func:`cell_allowed`, R5); cells given with
        ``shown=False`` are hidden too.
    max_steps : int, optional
        Stop after this many secondary suppressions (default: as many as there are cells).

    Returns
    -------
    Suppression
        ``passes`` is False only when no shown cell linked to a flagged finding is left (or
        ``max_steps`` was reached).
    """
    prim = set(primary_hidden)
    unknown = prim - {c.id for c in cells}
    if unknown:
        raise DataError("primary_hidden names unknown cells", value=", ".join(sorted(map(str, unknown))[:5]))
    order = {c.id: k for k, c in enumerate(cells)}
    state = {c.id: (c.shown and c.id not in prim) for c in cells}
    primary = tuple(c.id for c in cells if not state[c.id])
    uw = {u.id: float(u.weight) for u in units}
    steps: list[tuple[int, str, str]] = []
    limit = len(cells) if max_steps is None else int(max_steps)
    while True:
        cur = [Cell(c.id, c.units, state[c.id], c.mean) for c in cells]
        res = audit_tables(cur, units, lo=lo, hi=hi, decimals=decimals, protection=protection,
                           insider=insider, scope=scope, first_only=True, bounds=bounds)
        if res.passes or len(steps) >= limit:
            break
        pick = _next_cell(cur, units, res.flagged, order, uw, lo, hi, decimals, protection)
        if pick is None:
            break
        pick, why = pick
        state[pick] = False
        steps.append((len(steps) + 1, pick, why))
    hidden = tuple(c.id for c in cells if not state[c.id])
    cur = [Cell(c.id, c.units, state[c.id], c.mean) for c in cells]
    res = audit_tables(cur, units, lo=lo, hi=hi, decimals=decimals, protection=protection, insider=insider,
                       scope=scope, bounds=bounds)
    return Suppression(hidden, primary, tuple(steps), res, res.passes)


def _next_cell(cur, units, flagged, order, uw, lo, hi, decimals, protection):
    """The smallest shown cell linked to the first flagged finding whose hiding widens its range.

    Candidates are the shown cells in the components of the finding's units, smallest first
    (units, weight, given order); if hiding none of them alone widens the range, the smallest.
    """
    model = _Model(cur, units, lo, hi, decimals)
    f = flagged[0]
    by_id = {c.id: c for c in cur}
    touch = set(by_id[f.target].units) if f.kind == "cell" else {f.target}
    comps = {int(model.comp[model.index[u]]) for u in touch}
    if f.insider is not None:
        comps.add(int(model.comp[model.index[f.insider]]))
    cand = [c for c, m in zip(cur, model.members)
            if c.shown and len(m) and int(model.comp[m[0]]) in comps]
    if not cand:
        return None
    cand.sort(key=lambda c: (len(set(c.units)), sum(uw.get(u, 0) for u in set(c.units)), order[c.id]))
    for c in cand:
        trial = [Cell(x.id, x.units, x.shown and x.id != c.id, x.mean) for x in cur]
        tm = _Model(trial, units, lo, hi, decimals)
        fixed = {} if f.insider is None else {tm.index[f.insider]: float(tm.x[tm.index[f.insider]])}
        if f.kind == "cell":
            keep = [tm.index[u] for u in set(by_id[f.target].units) if u != f.insider]
            ws = float(tm.w[keep].sum())
            form = {g: tm.w[g] / ws for g in keep}
        else:
            form = {tm.index[f.target]: 1.0}
        low, high = _range(tm, form, fixed)
        if high - low > f.width + 1e-9:
            return c.id, _describe(f)
    return cand[0].id, _describe(f)


