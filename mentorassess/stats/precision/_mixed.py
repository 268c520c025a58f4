"""REML for random-intercept models with one nesting factor (private engine).

The models of this subpackage all have the same shape::

    y = X beta + Z_g u_g (group, e.g. mentor) + Z_d u_d (terms nested in the group:
        mentor:item, ...) + Z_r u_r (a rater term nested in the group) + Z_c u_c (crossed terms:
        item) + e

with independent intercepts ``u ~ N(0, sigma^2 theta_k^2 I)``. The criterion is lme4's profiled
REML deviance (Bates et al. 2015, JSS 67(1), eq. 41),
``d(theta) = log|L|^2 + log|R_X|^2 + (n - p) (1 + log(2 pi r^2 / (n - p)))``, with
``L L' = Lambda' Z' Z Lambda + I`` and ``r^2`` the penalized residual sum of squares. Instead of
a general sparse Cholesky factor, the mixed-model matrix is reduced by block elimination in the
order of the design: the rater block is diagonal, the terms nested in a group form one small
dense block per group (all groups are factored at once with batched LAPACK calls on padded
arrays), and what remains is a dense block for the crossed terms and the fixed effects. The
rater elimination depends on ``theta`` only through ``theta_r^2 / (1 + theta_r^2 n_r)``, so the
raters' cross-products are summed once per (group, number of ratings) pair. One evaluation costs
O(J s^3 + P s^2 + G^3) for J groups, s nested levels per group, P such pairs and G crossed levels
plus fixed effects, independent of the number of ratings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse

from mentorassess.errors import DataError, InsufficientDataError
from mentorassess.stats._common import projected_gradient

__all__: list[str] = []


@dataclass(frozen=True)
class Term:
    """One random-intercept term: its name and each observation's level code."""

    name: str
    codes: np.ndarray          # int, per observation
    n_levels: int


def _bincount2(idx: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(idx, weights=weights, minlength=size).astype(float)


class Design:
    """Cross-products of a model, computed once; ``evaluate(theta)`` gives the REML pieces.

    Parameters
    ----------
    y : (n,) float
    X : (n, p) float
    group : (n,) int codes 0..J-1
    nested : list of Term with codes *within* the group (the group intercept is a term with
        one level, code 0 everywhere)
    rater : Term or None, levels nested in the group (each level in exactly one group); this
        term is eliminated first (its block is diagonal), so pass the nested term with the most
        levels per group here (raters, or mentor:item when groups have fewer raters than items)
    crossed : list of Term (levels shared by all groups)

    ``theta`` is ordered nested terms, then rater, then crossed terms (``self.names``).
    """

    def __init__(self, y, X, group, nested, rater=None, crossed=()):
        y = np.asarray(y, float)
        X = np.asarray(X, float)
        group = np.asarray(group, np.int64)
        n, p = X.shape
        self.n, self.p = n, p
        J = int(group.max()) + 1 if n else 0
        self.J = J
        self.names = [t.name for t in nested] + ([rater.name] if rater is not None else []) + [t.name for t in crossed]
        self.n_nested, self.has_rater, self.n_crossed = len(nested), rater is not None, len(crossed)
        # local (nested) positions
        offs = np.cumsum([0] + [t.n_levels for t in nested])
        s = int(offs[-1])
        self.s = s
        self.loc_term = np.repeat(np.arange(len(nested)), [t.n_levels for t in nested])
        pos = [offs[k] + np.asarray(t.codes, np.int64) for k, t in enumerate(nested)]
        # global positions: crossed levels then fixed effects
        goffs = np.cumsum([0] + [t.n_levels for t in crossed])
        gq = int(goffs[-1])
        G = gq + p
        self.gq, self.G = gq, G
        self.glob_term = np.repeat(np.arange(len(crossed)), [t.n_levels for t in crossed])
        gpos = [goffs[k] + np.asarray(t.codes, np.int64) for k, t in enumerate(crossed)]

        T = np.zeros(J * s * s)
        for a in pos:
            for b in pos:
                T += _bincount2((group * s + a) * s + b, J * s * s)
        self.T = T.reshape(J, s, s)
        U = np.zeros((J, s, G))
        for a in pos:
            for k, b in enumerate(gpos):
                U[:, :, :gq] += _bincount2((group * s + a) * gq + b, J * s * gq).reshape(J, s, gq)
            for j in range(p):
                U[:, :, gq + j] += _bincount2(group * s + a, J * s, X[:, j]).reshape(J, s)
        self.U = U
        Zg = self._global_matrix(gpos, X, n)           # (n, G) sparse
        self.V = np.asarray((Zg.T @ Zg).todense()) if G else np.zeros((0, 0))
        self.zy_loc = sum((_bincount2(group * s + a, J * s, y).reshape(J, s) for a in pos), np.zeros((J, s)))
        self.zy_glob = np.asarray(Zg.T @ y).ravel()
        self.yy = float(y @ y)
        self._rater(rater, group, pos, Zg, y, s, G, J)

    @staticmethod
    def _global_matrix(gpos, X, n):
        cols = [sparse.csr_matrix((np.ones(n), (np.arange(n), b)), shape=(n, int(b.max()) + 1 if n else 0))
                for b in gpos]
        blocks = []
        for k, b in enumerate(gpos):
            blocks.append(cols[k])
        Zc = sparse.hstack(blocks, format="csr") if blocks else sparse.csr_matrix((n, 0))
        return sparse.hstack([Zc, sparse.csr_matrix(X)], format="csr")

    def _rater(self, rater, group, pos, Zg, y, s, G, J):
        if rater is None:
            self.pair_n = np.zeros(0)
            return
        r = np.asarray(rater.codes, np.int64)
        R = rater.n_levels
        gr = np.full(R, -1)
        gr[r] = group
        if (np.bincount(r, weights=(gr[r] != group).astype(float), minlength=R) > 0).any():
            raise DataError(f"{rater.name} is not nested in the grouping factor (a level occurs in two groups)")
        nr = np.bincount(r, minlength=R).astype(float)
        keep = nr > 0
        A = np.zeros((R, s))
        for a in pos:
            A += _bincount2(r * s + a, R * s).reshape(R, s)
        Rm = sparse.csr_matrix((np.ones(len(r)), (r, np.arange(len(r)))), shape=(R, len(r)))
        F = np.asarray((Rm @ Zg).todense())           # (R, G)
        ys = np.bincount(r, weights=y, minlength=R)
        # pairs (group, n_r)
        nvals, ncode = np.unique(nr[keep], return_inverse=True)
        K = len(nvals)
        pid_full = gr[keep] * K + ncode
        pairs, pid = np.unique(pid_full, return_inverse=True)
        P = len(pairs)
        self.pair_group = pairs // K
        self.pair_n = nvals[pairs % K]
        self.n_vals = nvals
        Ak, Fk, ysk = A[keep], F[keep], ys[keep]
        ind = sparse.csr_matrix((np.ones(len(pid)), (pid, np.arange(len(pid)))), shape=(P, len(pid)))
        indK = sparse.csr_matrix((np.ones(len(ncode)), (ncode, np.arange(len(ncode)))), shape=(K, len(ncode)))
        GA = np.zeros((P, s * s))
        GU = np.zeros((P, s * G))
        step = max(1, 2_000_000 // max(s * max(s, G), 1))
        for lo in range(0, len(pid), step):
            a = Ak[lo:lo + step]
            f = Fk[lo:lo + step]
            GA += ind[:, lo:lo + step] @ (a[:, :, None] * a[:, None, :]).reshape(len(a), -1)
            GU += ind[:, lo:lo + step] @ (a[:, :, None] * f[:, None, :]).reshape(len(a), -1)
        self.GA = GA.reshape(P, s, s)
        self.GU = GU.reshape(P, s, G)
        self.GV = np.stack([(Fk[ncode == k].T @ Fk[ncode == k]) for k in range(K)]) if G else np.zeros((K, 0, 0))
        self.Gay = np.asarray(ind @ (Ak * ysk[:, None]))
        self.Gfy = np.asarray(indK @ (Fk * ysk[:, None]))
        self.Gyy = np.asarray(indK @ (ysk ** 2)).ravel()
        self.pair_to_group = sparse.csr_matrix((np.ones(P), (self.pair_group, np.arange(P))), shape=(J, P))
        self.pair_k = pairs % K
        self.rater_n = nr[keep]
        self.n_count = np.bincount(ncode, minlength=K).astype(float)

    # ------------------------------------------------------------------------------------------
    def evaluate(self, theta, *, solve: bool = False, grad: bool = False) -> dict:
        """REML pieces at ``theta``: ldL2, ldRX2, pwrss (r^2); with ``solve`` also beta, u and
        the fixed-effects covariance factor ``(R_X' R_X)^{-1}``; with ``grad`` per term
        ``trace`` = sum over its levels of 1 - [A^-1]_aa and ``ss`` = squared spherical BLUPs,
        from which d log|A| / d theta_k = 2 trace_k / theta_k and d r^2 / d theta_k =
        -2 ss_k / theta_k (A the augmented mixed-model matrix)."""
        theta = np.asarray(theta, float)
        nn = self.n_nested
        lam_loc = theta[:nn][self.loc_term] if self.s else np.zeros(0)
        tr = theta[nn] if self.has_rater else 0.0
        lam_g = np.concatenate([theta[nn + self.has_rater:][self.glob_term], np.ones(self.p)])
        T, U, V = self.T, self.U, self.V
        zl, zg = self.zy_loc, self.zy_glob
        ld = 0.0
        yy = self.yy
        if self.has_rater and tr != 0.0:
            wk = tr ** 2 / (1 + tr ** 2 * self.n_vals)
            wp = wk[self.pair_k]
            M = self.pair_to_group
            T = T - (M @ (self.GA.reshape(len(wp), -1) * wp[:, None])).reshape(T.shape)
            U = U - (M @ (self.GU.reshape(len(wp), -1) * wp[:, None])).reshape(U.shape)
            V = V - np.tensordot(wk, self.GV, axes=1)
            zl = zl - M @ (self.Gay * wp[:, None])
            zg = zg - wk @ self.Gfy
            yy = yy - float(wk @ self.Gyy)
            ld += float(np.log1p(tr ** 2 * self.rater_n).sum())
        B = T * (lam_loc[:, None] * lam_loc[None, :]) + np.eye(self.s)
        C = U * lam_loc[None, :, None] * lam_g[None, None, :]
        bl = zl * lam_loc
        H = V * np.outer(lam_g, lam_g)
        H[np.arange(self.gq), np.arange(self.gq)] += 1.0
        bg = zg * lam_g
        if self.s:
            Lb = _batched_cholesky(B)
            ld += 2.0 * float(np.log(np.diagonal(Lb, axis1=1, axis2=2)).sum())
            Li = _batched_inverse_lower(Lb)
            W = np.matmul(Li, np.concatenate([C, bl[:, :, None]], axis=2))
            Wf = W.reshape(-1, W.shape[2])
            WtW = Wf.T @ Wf
            S = H - WtW[:-1, :-1]
            bh = bg - WtW[:-1, -1]
            pw = yy - float(WtW[-1, -1])
        else:
            S, bh, pw = H, bg, yy
        Ls = np.linalg.cholesky(S)
        dg = np.log(np.diag(Ls))
        ld += 2.0 * float(dg[:self.gq].sum())
        ldrx = 2.0 * float(dg[self.gq:].sum())
        z = np.linalg.solve(Ls, bh)
        pw -= float(z @ z)
        out = {"ldL2": ld, "ldRX2": ldrx, "pwrss": pw}
        if not (solve or grad):
            return out
        xg = np.linalg.solve(Ls.T, z)
        Si = np.linalg.inv(S)
        out["beta"] = xg[self.gq:]
        out["RXtRX_inv"] = Si[self.gq:, self.gq:]
        out["glob_spherical"] = xg[:self.gq]
        if self.s:
            WC = W[:, :, :-1]
            xl = np.matmul(Li.transpose(0, 2, 1), (W[:, :, -1] - WC @ xg)[:, :, None])[:, :, 0]
            out["loc_spherical"] = xl
        if not grad:
            return out
        k = len(self.names)
        trace, ss = np.zeros(k), np.zeros(k)
        gi = np.arange(self.gq)
        for j in range(self.n_crossed):
            sel = gi[self.glob_term == j]
            trace[nn + self.has_rater + j] = float((1 - Si[sel, sel]).sum())
            ss[nn + self.has_rater + j] = float((xg[sel] ** 2).sum())
        if self.s:
            Y = np.matmul(Li.transpose(0, 2, 1), WC)                     # B^-1 C  (J, s, G)
            YS = Y @ Si
            dloc = (Li ** 2).sum(axis=1) + (YS * Y).sum(axis=2)          # diag of A^-1, local part
            for j in range(nn):
                sel = self.loc_term == j
                trace[j] = float((1 - dloc[:, sel]).sum())
                ss[j] = float((xl[:, sel] ** 2).sum())
        if self.has_rater and tr != 0.0:
            dk = 1 + tr ** 2 * self.n_vals
            w2 = tr ** 2 / dk ** 2
            wp2 = w2[self.pair_k]
            M = self.pair_to_group
            GA2 = (M @ (self.GA.reshape(len(wp2), -1) * wp2[:, None])).reshape(self.T.shape)
            GU2 = (M @ (self.GU.reshape(len(wp2), -1) * wp2[:, None])).reshape(self.U.shape)
            GV2 = np.tensordot(w2, self.GV, axes=1)
            Gay2 = M @ (self.Gay * wp2[:, None])
            vg = lam_g * xg
            Xgg = GV2 * np.outer(lam_g, lam_g)
            t1 = float((Si * Xgg).sum())
            q = float(vg @ GV2 @ vg) + float(w2 @ self.Gyy) - 2 * float(vg @ (w2 @ self.Gfy))
            if self.s:
                Xll = GA2 * (lam_loc[:, None] * lam_loc[None, :])
                Xlg = GU2 * lam_loc[None, :, None] * lam_g[None, None, :]
                Minv = np.matmul(Li.transpose(0, 2, 1), Li) + np.matmul(YS, Y.transpose(0, 2, 1))
                t1 += float((Minv * Xll).sum()) - 2 * float((YS * Xlg).sum())
                vm = lam_loc * xl
                q += (float(np.einsum("js,jst,jt->", vm, GA2, vm)) - 2 * float((vm * Gay2).sum())
                      + 2 * float(np.einsum("js,jsg,g->", vm, GU2, vg)))
            trace[nn] = float((tr ** 2 * self.n_vals / dk) @ self.n_count) - t1
            ss[nn] = q
        out["trace"], out["ss"] = trace, ss
        return out

    def reml_grad(self, theta) -> tuple[float, np.ndarray]:
        """The REML criterion and its gradient in theta (numerical for theta_k < 1e-5)."""
        theta = np.asarray(theta, float)
        e = self.evaluate(theta, grad=True)
        df = self.n - self.p
        if e["pwrss"] <= 0:
            return np.inf, np.zeros_like(theta)
        f = e["ldL2"] + e["ldRX2"] + df * (1 + np.log(2 * np.pi * e["pwrss"] / df))
        g = np.zeros_like(theta)
        for k, t in enumerate(theta):
            if t >= 1e-5:
                g[k] = (2 * e["trace"][k] - 2 * df * e["ss"][k] / e["pwrss"]) / t
            else:
                h = 1e-6
                tp = theta.copy()
                tp[k] = t + h
                g[k] = (self.reml(tp) - f) / h
        return f, g

    def reml(self, theta) -> float:
        """lme4's REML criterion at ``theta`` (profiled over beta and sigma)."""
        e = self.evaluate(theta)
        df = self.n - self.p
        if e["pwrss"] <= 0:
            return np.inf
        return e["ldL2"] + e["ldRX2"] + df * (1 + np.log(2 * np.pi * e["pwrss"] / df))

    def deviance_varpar(self, varpar) -> float:
        """REML deviance at ``(theta, sigma)`` not profiled (lmerTest ``devfun_vp``)."""
        theta, sigma = np.asarray(varpar[:-1], float), float(varpar[-1])
        e = self.evaluate(np.abs(theta))
        s2 = sigma ** 2
        return (e["ldL2"] + e["pwrss"] / s2 + self.n * np.log(2 * np.pi * s2) + e["ldRX2"]
                - self.p * np.log(2 * np.pi * s2))

    def covbeta_varpar(self, varpar) -> np.ndarray:
        theta, sigma = np.asarray(varpar[:-1], float), float(varpar[-1])
        return sigma ** 2 * self.evaluate(np.abs(theta), solve=True)["RXtRX_inv"]


def _batched_cholesky(B: np.ndarray) -> np.ndarray:
    """Cholesky factors of a stack of small SPD matrices, vectorised over the stack."""
    J, s, _ = B.shape
    if s > 24:
        return np.linalg.cholesky(B)
    L = np.zeros_like(B)
    for j in range(s):
        Lj = L[:, j, :j]
        d = B[:, j, j] - np.einsum("jk,jk->j", Lj, Lj)
        L[:, j, j] = np.sqrt(d)
        if j + 1 < s:
            L[:, j + 1:, j] = (B[:, j + 1:, j] - np.einsum("jik,jk->ji", L[:, j + 1:, :j], Lj)) / L[:, j, j][:, None]
    return L


def _batched_inverse_lower(L: np.ndarray) -> np.ndarray:
    """Inverses of a stack of lower-triangular matrices (J, s, s)."""
    J, s, _ = L.shape
    if s > 24:
        return np.linalg.inv(L)
    Li = np.zeros_like(L)          # inverse of L, column by column of the identity
    d = 1.0 / np.diagonal(L, axis1=1, axis2=2)
    for j in range(s):
        Li[:, j, j] = d[:, j]
        for i in range(j + 1, s):
            Li[:, i, j] = -np.einsum("jk,jk->j", L[:, i, j:i], Li[:, j:i, j]) * d[:, i]
    return Li


@dataclass(frozen=True)
class Fit:
    """A REML fit: ``theta`` (relative SDs), ``sigma``, variances per term, ``beta``, ``vcov``."""

    names: tuple[str, ...]
    theta: np.ndarray
    sigma2: float
    beta: np.ndarray
    vcov: np.ndarray
    reml: float
    n: int
    converged: bool
    evaluations: int

    @property
    def variances(self) -> dict[str, float]:
        return {k: float(self.sigma2 * t ** 2) for k, t in zip(self.names, self.theta)}


def fit(design: Design, *, start=None) -> Fit:
    """Minimise the profiled REML deviance over ``theta >= 0`` (L-BFGS-B, then Nelder-Mead polish).

    Raises
    ------
    InsufficientDataError
        Fewer observations than fixed effects + 1.
    """
    if design.n <= design.p:
        raise InsufficientDataError("too few ratings to estimate the variance components")
    k = len(design.names)
    x0 = np.ones(k) if start is None else np.asarray(start, float)
    count = [0]

    def f(t):
        count[0] += 1
        return design.reml(np.abs(t))

    def fg(t):
        count[0] += 1
        return design.reml_grad(np.abs(t))

    bounds = [(0.0, None)] * k
    opts = {"ftol": 1e-13, "gtol": 1e-7, "maxiter": 300}
    r1 = optimize.minimize(fg, x0, method="L-BFGS-B", bounds=bounds, jac=True, options=opts)
    x, fx, ok = r1.x, r1.fun, _converged(r1)
    # theta_k = 0 is always a stationary point (the deviance is even in theta_k): probe away from it
    for _ in range(3):
        best = None
        for j in np.flatnonzero(x < 1e-4):
            for v in (1e-2, 0.1, 0.3, 1.0):
                xt = x.copy()
                xt[j] = v
                ft = f(xt)
                if ft < fx - 1e-9 and (best is None or ft < best[1]):
                    best = (xt, ft)
        if best is None:
            break
        r = optimize.minimize(fg, best[0], method="L-BFGS-B", bounds=bounds, jac=True, options=opts)
        if r.fun < fx:
            x, fx, ok = r.x, r.fun, _converged(r)
    x0 = np.where(x < 1e-7, 0.0, x)
    if f(x0) <= fx + 1e-10:
        x = x0
    e = design.evaluate(x, solve=True)
    s2 = e["pwrss"] / (design.n - design.p)
    return Fit(names=tuple(design.names), theta=x, sigma2=float(s2), beta=e["beta"], vcov=s2 * e["RXtRX_inv"],
               reml=float(design.reml(x)), n=design.n, converged=ok,
               evaluations=count[0])


def _converged(r) -> bool:
    """L-BFGS-B success, or a line-search stop (rounding noise) with a small projected gradient."""
    if r.success:
        return True
    return bool(np.max(np.abs(projected_gradient(r.x, r.jac, 0.0))) < 1e-3)
