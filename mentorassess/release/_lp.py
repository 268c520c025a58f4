"""Linear programs of the table audit (private to :mod:`mentorassess.release.audit`).

:class:`_Model` turns a release (units, cells) into per-component LPs; :class:`_HighsLP` keeps one
persistent HiGHS model per component through the bindings bundled in scipy (``FAST_LP``), with
``scipy.optimize.linprog`` as the fallback; :func:`_range` and :func:`_inner` give exact and
proven-inner ranges of a linear form.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

import numpy as np

from mentorassess.errors import DataError, Problem
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
