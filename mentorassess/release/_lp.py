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
        self.size = np.bincount(self.comp, minlength=len(self.ids))   # units per component (by root)
        self._idx: dict[int, np.ndarray] = {}
        # feasible points per component (full length, rows; the true values first), grown in place,
        # with running column minima and maxima (the outsider's proven range of every unit)
        self._pts: dict[int, np.ndarray] = {}
        self._npts: dict[int, int] = {}
        self._cmin: dict[int, np.ndarray] = {}
        self._cmax: dict[int, np.ndarray] = {}

    def members_of(self, comp: int) -> np.ndarray:
        """Unit indices of component ``comp`` (cached)."""
        idx = self._idx.get(comp)
        if idx is None:
            idx = self._idx[comp] = np.flatnonzero(self.comp == comp)
        return idx

    def points(self, comp: int) -> np.ndarray:
        """Feasible points found so far in ``comp`` (rows, full length; row 0 is the true values)."""
        n = self._npts.get(comp, 0)
        return self._pts[comp][:n] if n else self.x[None, :]

    def _add_point(self, comp: int, pt: np.ndarray) -> None:
        n = self._npts.get(comp, 0)
        if n == 0:
            self._pts[comp] = np.empty((8, len(self.x)))
            self._pts[comp][0] = self.x
            self._cmin[comp] = self.x.copy()
            self._cmax[comp] = self.x.copy()
            n = 1
        buf = self._pts[comp]
        if n == len(buf):
            buf = self._pts[comp] = np.concatenate([buf, np.empty_like(buf)])
        buf[n] = pt
        self._npts[comp] = n + 1
        np.minimum(self._cmin[comp], pt, out=self._cmin[comp])
        np.maximum(self._cmax[comp], pt, out=self._cmax[comp])

    def solve(self, comp: int, coef: dict[int, float], sense: int, fixed: dict[int, float]):
        """min (sense=1) or max (sense=-1) of sum coef[i] x_i over component ``comp``."""
        from scipy.optimize import linprog

        if comp not in self.constrained:       # no shown cell: every unit is free in [lo, hi]
            pick = self.lo if sense * 1 > 0 else self.hi
            sol = {g: (fixed[g] if g in fixed else (pick if a >= 0 else self.lo + self.hi - pick))
                   for g, a in coef.items()}
            return sum(a * sol[g] for g, a in coef.items()), sol

        idx = self.members_of(comp)
        pos = {g: k for k, g in enumerate(idx.tolist())}
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
        self._add_point(comp, pt)
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
    split = cache.get(("split", key)) if cache is not None and key is not None else None
    if split is None:            # a key always names the same form: split it once
        by_comp: dict[int, dict[int, float]] = {}
        for g, a in coef.items():
            by_comp.setdefault(int(model.comp[g]), {})[g] = a
        split = list(by_comp.items())
        if cache is not None and key is not None:
            cache[("split", key)] = split
    for comp, part in split:
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
    comp = int(model.comp[g])
    if u is None:
        if model._npts.get(comp, 0) == 0:
            return float(model.x[g]), float(model.x[g])
        return float(model._cmin[comp][g]), float(model._cmax[comp][g])
    P = model.points(comp)
    d = P[:, u] - model.x[u]
    vals = list(P[np.abs(d) <= 1e-9, g])
    pos, neg = np.flatnonzero(d > 1e-9), np.flatnonzero(d < -1e-9)
    if len(pos) and len(neg):
        dk, dl = d[pos][:, None], d[neg][None, :]
        mix = (-dl * P[pos, g][:, None] + dk * P[neg, g][None, :]) / (dk - dl)
        vals += [float(mix.min()), float(mix.max())]
    return float(min(vals)), float(max(vals))


def _extremes(model: _Model, comp: int, k: int = 6):
    """Row indices of the ``k`` lowest and ``k`` highest stored values of every unit, and those
    values (cached until a new point arrives)."""
    store = model.__dict__.setdefault("_extremes", {})
    n = model._npts.get(comp, 0)
    hit = store.get(comp)
    if hit is None or hit[0] != n:
        P = model.points(comp)
        if len(P) <= k:
            low = high = np.broadcast_to(np.arange(len(P))[:, None], (len(P), P.shape[1]))
        else:
            low = np.argpartition(P, k - 1, axis=0)[:k]
            high = np.argpartition(P, len(P) - k, axis=0)[len(P) - k:]
        hit = store[comp] = (n, low, high, np.take_along_axis(P, low, 0), np.take_along_axis(P, high, 0))
    return hit[1:]


def _proven_wide(model: _Model, gs: np.ndarray, u: int, protection: float) -> np.ndarray:
    """For each unit of ``gs``: True if some of the values :func:`_inner` ``(g, u)`` takes its
    minimum and maximum over already span ``protection`` (so its range does; False: unknown).

    Every value used is one of :func:`_inner`'s, computed by the same expressions, so the verdict is
    exact. First, among each unit's six lowest (highest) stored points, those that leave ``x_u``
    untouched and the crossing of the lowest (highest) above ``a`` with the lowest (highest) below;
    then, for the units still unknown, the crossings of the segments from the highest
    (lowest) point above ``a`` to every point below it and from every point above to the highest
    (lowest) point below.
    """
    gs = np.asarray(gs, dtype=int)
    if len(gs) == 0:
        return np.zeros(0, dtype=bool)
    comp = int(model.comp[u])
    P = model.points(comp)
    d = P[:, u] - model.x[u]
    still = np.abs(d) <= 1e-9
    low, high, vlow, vhigh = _extremes(model, comp)   # all columns; gs taken at the end
    x = model.x
    lo_q = np.minimum(x, np.where(still[low], vlow, np.inf).min(axis=0))
    hi_q = np.maximum(x, np.where(still[high], vhigh, -np.inf).max(axis=0))
    pos_r, neg_r = d > 1e-9, d < -1e-9
    cols = np.arange(P.shape[1])
    for rows, V, red, arg, fill in ((high, vhigh, np.maximum, np.argmax, -np.inf),
                                    (low, vlow, np.minimum, np.argmin, np.inf)):
        # the crossing of the best point above and the best point below among the extremes
        ia, ib = arg(np.where(pos_r[rows], V, fill), axis=0), arg(np.where(neg_r[rows], V, fill), axis=0)
        ka, kb = rows[ia, cols], rows[ib, cols]
        ok = pos_r[ka] & neg_r[kb]
        dk, dl, a, b = d[ka], d[kb], V[ia, cols], V[ib, cols]
        with np.errstate(divide="ignore", invalid="ignore"):
            mix = np.where(ok, (-dl * a + dk * b) / (dk - dl), fill)
        if red is np.maximum:
            hi_q = red(hi_q, mix)
        else:
            lo_q = red(lo_q, mix)
    hi_q, lo_q = hi_q[gs], lo_q[gs]
    xg = x[gs]
    proven = hi_q - lo_q >= protection
    # a crossing lies between its two ends (up to rounding): columns whose stored values all lie
    # within less than ``protection`` (with a margin far above rounding) cannot be proven by them
    cmin, cmax = (model._cmin[comp][gs], model._cmax[comp][gs]) if comp in model._cmin else (xg, xg)
    margin = 1e-9 * (1.0 + np.maximum(np.abs(cmin), np.abs(cmax)))
    rest = np.flatnonzero(~proven & (cmax - cmin + margin >= protection))
    pos, neg = np.flatnonzero(d > 1e-9), np.flatnonzero(d < -1e-9)
    if len(rest) == 0 or not (len(pos) and len(neg)):
        return proven
    gr = gs[rest]
    Z = P[still][:, gr]
    hi_q, lo_q = Z.max(axis=0), Z.min(axis=0)
    A, B = P[pos][:, gr], P[neg][:, gr]
    dp, dn = d[pos], d[neg]
    cols = np.arange(len(gr))
    for pick, red in ((np.argmax, np.max), (np.argmin, np.min)):
        k, l = pick(A, axis=0), pick(B, axis=0)
        dk, a = dp[k], A[k, cols]              # best point above, against every point below
        m1 = (-dn[:, None] * a[None, :] + dk[None, :] * B) / (dk[None, :] - dn[:, None])
        dl, b = dn[l], B[l, cols]              # every point above, against the best below
        m2 = (-dl[None, :] * A + dp[:, None] * b[None, :]) / (dp[:, None] - dl[None, :])
        if red is np.max:
            hi_q = np.maximum(hi_q, np.maximum(m1.max(axis=0), m2.max(axis=0)))
        else:
            lo_q = np.minimum(lo_q, np.minimum(m1.min(axis=0), m2.min(axis=0)))
    proven[rest] = hi_q - lo_q >= protection
    return proven


class _Twins:
    """A range every unit keeps for any insider, from one exchange with an interchangeable unit.

    Two units of one atom (the same shown cells, the same weight) can trade value: ``x_g + t`` and
    ``x_v - t`` leave every shown cell's weighted sum unchanged, so with an insider ``u`` other
    than ``g`` and ``v`` fixed, ``x_g`` still ranges at least over ``x_g - min(x_g - lo, hi - x_v)``
    .. ``x_g + min(hi - x_g, x_v - lo)`` (exact feasible points, not a heuristic). For each unit the
    two best partners among up to ``k`` per atom (those nearest the middle of the scale) are kept,
    so the bound for an insider is O(1): the best partner, or the second when the insider is it.
    """

    def __init__(self, model: _Model, atom: list, k: int = 32):
        n = len(model.ids)
        self.best_v = np.full(n, -1)
        self.best_w = np.zeros(n)
        self.second_w = np.zeros(n)
        lo, hi, x = model.lo, model.hi, model.x
        groups: dict = {}
        for g, a in enumerate(atom):
            groups.setdefault(a, []).append(g)
        mid = (lo + hi) / 2
        for members in groups.values():
            if len(members) < 2:
                continue
            m = np.array(members)
            cand = m[np.argsort(np.abs(x[m] - mid), kind="stable")[:k]]
            xg, xv = x[m][:, None], x[cand][None, :]
            width = np.minimum(hi - xg, xv - lo) + np.minimum(xg - lo, hi - xv)
            width = np.where(m[:, None] == cand[None, :], -np.inf, width)   # not with itself
            order = np.argsort(-width, axis=1, kind="stable")[:, :2]
            rows = np.arange(len(m))
            self.best_v[m] = cand[order[:, 0]]
            self.best_w[m] = np.maximum(width[rows, order[:, 0]], 0)
            if order.shape[1] > 1:
                self.second_w[m] = np.maximum(width[rows, order[:, 1]], 0)

    def wide(self, gs: np.ndarray, u: int, protection: float) -> np.ndarray:
        """For each unit of ``gs``: True if its range with ``u`` fixed is at least ``protection`` wide."""
        w = np.where(self.best_v[gs] == u, self.second_w[gs], self.best_w[gs])
        return w >= protection
