"""The MILP model of one report for :mod:`mentorassess.release.integer_audit` (private).

:class:`_Report` holds the released figures of one report both as linear constraints over one-hot
answers (for HiGHS) and as an exact integer check of a whole answer matrix (for witnesses).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from fractions import Fraction

import numpy as np

from mentorassess.release.feasible import round_mean



class _Report:
    """The released figures of one report, as linear constraints and as a direct check."""

    def __init__(self, X, groups, *, lo, hi, decimals, item_means, item_n, group_means, min_answered,
                 min_items, may_skip, known_pattern=None):
        self.X, self.lo, self.hi, self.decimals = X, lo, hi, decimals
        self.R, self.I = X.shape
        self.V = hi - lo + 1
        self.skip = may_skip
        self.known = known_pattern
        self.min_items = min_items
        self.D = None if decimals is None else 2 * 10 ** decimals
        ans = ~np.isnan(X)
        # released item means: (item, N_true, num, den of exact mean, strict_lo, strict_hi, n shown)
        self.items = []
        for i in item_means:
            n = int(ans[:, i].sum())
            s = int(np.nansum(X[:, i]))
            self.items.append((i, n, s, bool(item_n)))
        self.groups = []
        for name, cols in groups:
            kmin = max(1, math.ceil(min_answered * len(cols) - 1e-9))
            self.groups.append((name, list(cols), kmin))
        self.released_groups = [g for g in self.groups if g[0] in group_means]
        self.targets = {}
        for i, n, s, _ in self.items:
            self.targets[("item", i)] = self._interval(Fraction(s, n) if n else None)
        for name, cols, kmin in self.released_groups:
            tot, cnt = self._group_value(X, cols, kmin)
            self.targets[("group", name)] = self._interval(tot / cnt if cnt else None)
        self._prepare_checks()

    def _interval(self, true: Fraction | None):
        """(m, strict low, strict high) for a released mean; None when nothing is scored."""
        if true is None:
            return None
        m = round_mean(true, self.decimals)
        if self.decimals is None:
            return (m, False, False)
        h = Fraction(1, self.D)
        return (m, true != m - h, true != m + h)

    @staticmethod
    def _group_value(X, cols, kmin):
        sub = X[:, cols]
        k = (~np.isnan(sub)).sum(axis=1)
        tot, cnt = Fraction(0), 0
        for r in range(X.shape[0]):
            if k[r] >= kmin:
                tot += Fraction(int(np.nansum(sub[r])), int(k[r]))
                cnt += 1
        return tot, cnt

    def _prepare_checks(self):
        """Integer forms of every released figure for :meth:`ok` (exact, fast)."""
        self.checks = []   # (kind, cols, kmin, L, n shown, true n, target)
        for i, n, s, n_shown in self.items:
            self.checks.append(("item", [i], 1, 1, n_shown, n, self.targets[("item", i)]))
        for name, cols, kmin in self.released_groups:
            self.checks.append(("group", cols, kmin, math.lcm(*range(kmin, len(cols) + 1)), False, None,
                                self.targets[("group", name)]))
        self.by_item = {i: [c for c in self.checks if i in c[1]] for i in range(self.I)}
        member = {i: frozenset(k for k, c in enumerate(self.checks) if c[0] == "group" and i in c[1])
                  for i in range(self.I)}
        self.twins = {i: [i2 for i2 in range(self.I) if i2 != i and member[i2] == member[i]] for i in range(self.I)}

    def _check_one(self, Y, chk) -> bool:
        kind, cols, kmin, L, n_shown, n_true, t = chk
        if kind == "item":
            col = Y[:, cols[0]]
            a = ~np.isnan(col)
            cnt = int(a.sum())
            if n_shown and cnt != n_true:
                return False
            tot = int(col[a].sum())
        else:
            sub = Y[:, cols]
            a = ~np.isnan(sub)
            k = a.sum(axis=1)
            sums = np.where(a, sub, 0).sum(axis=1)
            keep = np.flatnonzero(k >= kmin)
            cnt = len(keep)
            tot = sum(int(sums[r]) * (L // int(k[r])) for r in keep)
        if t is None or cnt == 0:
            return t is None and cnt == 0
        m, s_lo, s_hi = t
        val = Fraction(tot, L * cnt)
        if self.decimals is None:
            return val == m
        h = Fraction(1, self.D)
        return (val > m - h if s_lo else val >= m - h) and (val < m + h if s_hi else val <= m + h)

    def ok(self, Y, items: tuple | None = None) -> bool:
        """Does ``Y`` (NaN = skipped) release exactly what the report released?

        With ``items``, ``Y`` differs from a consistent matrix only in answered values of those
        items (no change of skips), and only the figures containing them are checked.
        """
        if items is None:
            ans = ~np.isnan(Y)
            if self.min_items and (ans.sum(axis=1) < self.min_items).any():
                return False
            if not self.skip.all() and (~ans[:, ~self.skip]).any():
                return False
            if self.known is not None and not np.array_equal(~ans, self.known):
                return False
            return all(self._check_one(Y, c) for c in self.checks)
        todo = {id(c): c for i in items for c in self.by_item[i]}
        return all(self._check_one(Y, c) for c in todo.values())

    # --- the MILP -----------------------------------------------------------------------------------
    def build(self):
        """Variables, integrality, bounds and constraint rows (sparse triplets)."""
        R, I, V, lo = self.R, self.I, self.V, self.lo
        known = self.known is not None
        nv = R * I * V
        self.s_idx = {}
        for r in range(R):
            for i in range(I):
                if self.skip[i] and not known:
                    self.s_idx[r, i] = nv
                    nv += 1
        self.zw = {}
        for name, cols, kmin in self.released_groups:
            if known or not self.skip[cols].any():
                continue
            for r in range(R):
                for k in range(len(cols) + 1):
                    self.zw[r, name, k] = (nv, nv + 1)
                    nv += 2
        self.nv = nv
        integ = np.ones(nv)
        lb, ub = np.zeros(nv), np.ones(nv)
        rows, cols_, vals, rlo, rhi = [], [], [], [], []

        def add(coefs: dict, low, high):
            k = len(rlo)
            for c, a in coefs.items():
                if a:
                    rows.append(k)
                    cols_.append(c)
                    vals.append(float(a))
            rlo.append(low)
            rhi.append(high)

        def y(r, i, v):
            return (r * I + i) * V + (v - lo)

        for r in range(R):
            for i in range(I):
                co = {y(r, i, v): 1 for v in range(lo, self.hi + 1)}
                if (r, i) in self.s_idx:
                    co[self.s_idx[r, i]] = 1
                gone = known and self.known[r, i]
                add(co, 0 if gone else 1, 0 if gone else 1)
            if self.min_items:
                add({y(r, i, v): 1 for i in range(I) for v in range(lo, self.hi + 1)}, self.min_items, np.inf)
        for i, n, s, n_shown in self.items:
            t = self.targets[("item", i)]
            S = {y(r, i, v): v for r in range(R) for v in range(lo, self.hi + 1)}
            N = {y(r, i, v): 1 for r in range(R) for v in range(lo, self.hi + 1)}
            if t is None:
                add(N, 0, 0)
                continue
            if known:                                            # N is known: a plain linear mean
                self._mean_rows(add, S, {}, t, self.D or 1, const_n=n)
                continue
            if n_shown:
                add(N, n, n)
            else:
                add(N, 1, np.inf)
            self._mean_rows(add, S, N, t, self.D or 1)
        for name, cols, kmin in self.released_groups:
            t = self.targets[("group", name)]
            g = len(cols)
            if known:                                            # who is scored, and on how many items, is known
                k_r = {r: int((~self.known[r, cols]).sum()) for r in range(R)}
                scored = [r for r in range(R) if k_r[r] >= kmin]
                if t is None or not scored:
                    continue
                lcm = math.lcm(*{k_r[r] for r in scored})
                S = {y(r, i, v): Fraction(v, k_r[r]) for r in scored for i in cols if not self.known[r, i]
                     for v in range(lo, self.hi + 1)}
                self._mean_rows(add, S, {}, t, (self.D or 1) * lcm, const_n=len(scored))
                continue
            if not self.skip[cols].any():
                S = {y(r, i, v): Fraction(v, g) for r in range(R) for i in cols for v in range(lo, self.hi + 1)}
                self._mean_rows(add, S, {}, t, (self.D or 1) * g, const_n=R)
                continue
            S, N = {}, {}
            for r in range(R):
                zs = {}
                for k in range(g + 1):
                    zi, wi = self.zw[r, name, k]
                    zs[zi] = 1
                    integ[wi] = 0
                    lb[wi], ub[wi] = (0, self.hi * k) if k else (0, 0)
                    add({wi: 1, zi: -lo * k}, 0, np.inf)       # w >= lo*k*z
                    add({wi: 1, zi: -self.hi * k}, -np.inf, 0)  # w <= hi*k*z
                    if k >= kmin:
                        S[wi] = Fraction(1, k)
                        N[zi] = 1
                add(zs, 1, 1)
                cnt = {y(r, i, v): 1 for i in cols for v in range(lo, self.hi + 1)}
                for k in range(g + 1):
                    cnt[self.zw[r, name, k][0]] = -k
                add(cnt, 0, 0)                                   # sum_k k z = answered
                tot = {y(r, i, v): v for i in cols for v in range(lo, self.hi + 1)}
                for k in range(1, g + 1):
                    tot[self.zw[r, name, k][1]] = -1
                add(tot, 0, 0)                                   # sum_k w = S_r
            if t is None:
                add(N, 0, 0)
                continue
            add(N, 1, np.inf)                                    # someone is scored: the mean exists
            lcm = math.lcm(*range(kmin, g + 1))
            self._mean_rows(add, S, N, t, (self.D or 1) * (lcm if lcm <= 10 ** 4 else 1), integral=lcm <= 10 ** 4)
        from scipy.sparse import csr_array

        A = csr_array((vals, (rows, cols_)), shape=(len(rlo), nv))
        self.model = (integ, lb, ub, A, np.array(rlo, float), np.array(rhi, float))
        self.yfun = y

    def _mean_rows(self, add, S, N, t, scale, integral=True, const_n=None):
        """Rows for ``m - h < S/N < m + h``, multiplied by ``scale`` (integer rows when ``integral``).

        ``N`` is a linear form, or the constant ``const_n``. A strict side becomes ``>= 1/2`` on
        integer rows; otherwise (exact means, huge denominators) the side is closed.
        """
        m, s_lo, s_hi = t
        if self.decimals is None:
            co = {k: float(a * scale) for k, a in S.items()}
            for k, a in N.items():
                co[k] = co.get(k, 0) - float(m * a * scale)
            rhs = float(m * const_n * scale) if const_n else 0.0
            tol = 1e-6 * max(1.0, abs(rhs))
            add(co, rhs - tol, rhs + tol)
            return
        h = Fraction(1, self.D)
        for bound, strict, sign in ((m - h, s_lo, 1), (m + h, s_hi, -1)):
            co = {k: float(sign * a * scale) for k, a in S.items()}
            for k, a in N.items():
                co[k] = co.get(k, 0) - float(sign * bound * a * scale)
            rhs = float(sign * bound * const_n * scale) if const_n else 0.0
            add(co, rhs + (0.5 if strict and integral else 0.0), np.inf)

    def item_only_values(self, i: int):
        """Values one rater can give item ``i`` judging by that item's released mean alone.

        A superset of the values the whole report allows (None when the item mean is hidden).
        """
        t = self.targets.get(("item", i))
        if t is None:
            return None
        m, s_lo, s_hi = t
        n_true = next(n for k, n, _, _ in self.items if k == i)
        shown_n = next(ns for k, _, _, ns in self.items if k == i)
        ns = [n_true] if shown_n or not self.skip[i] or self.known is not None else range(1, self.R + 1)
        h = Fraction(0) if self.decimals is None else Fraction(1, self.D)
        vals = set()
        for n in ns:
            for tot in range(n * self.lo, n * self.hi + 1):
                v = Fraction(tot, n)
                if self.decimals is None:
                    okv = v == m
                else:
                    okv = (v > m - h if s_lo else v >= m - h) and (v < m + h if s_hi else v <= m + h)
                if okv:
                    rest = n - 1
                    vals.update(range(max(self.lo, tot - rest * self.hi), min(self.hi, tot - rest * self.lo) + 1))
        return vals

    def symmetry_rows(self, groups: list[list[int]]):
        """Rows ordering each group of interchangeable raters by their answer totals (valid cuts)."""
        from scipy.sparse import csr_array

        rows, cols, vals = [], [], []
        k = 0
        for free in groups:
            for a, b in zip(free, free[1:]):
                for i in range(self.I):
                    for v in range(self.lo, self.hi + 1):
                        rows += [k, k]
                        cols += [self.yfun(a, i, v), self.yfun(b, i, v)]
                        vals += [float(v), -float(v)]
                k += 1
        return csr_array((vals, (rows, cols)), shape=(k, self.nv)), np.zeros(k), np.full(k, np.inf)

    def solve(self, c: np.ndarray, fixed_lb: dict, fixed_ub: dict, extra=None, time_limit=None, relax=False):
        from scipy.optimize import Bounds, LinearConstraint, milp

        integ, lb, ub, A, rlo, rhi = self.model
        lb2, ub2 = lb.copy(), ub.copy()
        for k, v in fixed_lb.items():
            lb2[k] = v
        for k, v in fixed_ub.items():
            ub2[k] = v
        cons = [LinearConstraint(A, rlo, rhi)]
        if extra is not None and extra[0].shape[0]:
            cons.append(LinearConstraint(*extra))
        opts = {} if time_limit is None else {"time_limit": float(time_limit)}
        with _quiet():
            return milp(c, integrality=np.zeros_like(integ) if relax else integ, bounds=Bounds(lb2, ub2),
                        constraints=cons, options=opts)

    def decode(self, x) -> np.ndarray:
        Y = np.full((self.R, self.I), np.nan)
        for r in range(self.R):
            for i in range(self.I):
                base = self.yfun(r, i, self.lo)
                seg = x[base:base + self.V]
                k = int(np.argmax(seg))
                if seg[k] > 0.5:
                    Y[r, i] = self.lo + k
        return Y

    def fix_rater(self, j) -> tuple[dict, dict]:
        """Bounds fixing rater ``j``'s answers to the actual ones."""
        flb, fub = {}, {}
        for i in range(self.I):
            a = self.X[j, i]
            for v in range(self.lo, self.hi + 1):
                k = self.yfun(j, i, v)
                on = (not np.isnan(a)) and int(a) == v
                flb[k] = fub[k] = 1.0 if on else 0.0
            if (j, i) in self.s_idx:
                k = self.s_idx[j, i]
                flb[k] = fub[k] = 1.0 if np.isnan(a) else 0.0
        return flb, fub


@contextlib.contextmanager
def _quiet():
    """Silence HiGHS's own prints (it writes debug lines to the C-level stdout/stderr)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved + [null]:
            os.close(fd)


def _moves(rep: _Report, Y: np.ndarray, others: list[int], item: int):
    """Answer matrices a step away from ``Y`` on ``item``, with the items they touch.

    A transfer moves ``d`` points on ``item`` from one rater to another (item sum kept); a
    rectangle also moves ``d`` back on an item ``i2`` that lies in exactly the same released
    groups, so every rater's group sums are kept too (always consistent when in range).
    """
    lo, hi = rep.lo, rep.hi
    for a in others:
        for b in others:
            if a == b or np.isnan(Y[a, item]) or np.isnan(Y[b, item]):
                continue
            for d in range(1, hi - lo + 1):
                if Y[a, item] + d > hi or Y[b, item] - d < lo:
                    break
                Z = Y.copy()
                Z[a, item] += d
                Z[b, item] -= d
                yield Z, (item,)
                for i2 in rep.twins[item]:
                    if np.isnan(Y[a, i2]) or np.isnan(Y[b, i2]) or Y[a, i2] - d < lo or Y[b, i2] + d > hi:
                        continue
                    W = Z.copy()
                    W[a, i2] -= d
                    W[b, i2] += d
                    yield W, (item, i2)
