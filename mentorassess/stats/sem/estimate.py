"""Estimation engine (private): data blocks, ML/FIML discrepancy, Fisher scoring, casewise scores,
observed information, the saturated (EM) and independence models.

A *block* is a set of rows of one group with the same observed items: complete data give one
block per group (means and covariance with divisor n), FIML one block per missing-data pattern.
Every model exposes ``q``, ``ngroups``, ``meanstructure``, ``implied(x, g)`` and
``derivatives(x, g)``, so the same code fits the CFA, the saturated and the baseline model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

__all__: list[str] = []

LN2PI = float(np.log(2 * np.pi))


@dataclass
class Block:
    group: int
    idx: np.ndarray          # observed item positions
    n: int
    ybar: np.ndarray
    s: np.ndarray            # covariance, divisor n
    rows: np.ndarray         # the raw rows (n x len(idx)), for casewise scores


def make_blocks(groups: list[np.ndarray], patterns: bool) -> list[Block]:
    out = []
    for g, x in enumerate(groups):
        if not patterns:
            xb = x.mean(axis=0)
            out.append(Block(g, np.arange(x.shape[1]), x.shape[0], xb, np.cov(x, rowvar=False, bias=True)
                             .reshape(x.shape[1], x.shape[1]), x))
            continue
        obs = ~np.isnan(x)
        keys, inv = np.unique(obs, axis=0, return_inverse=True)
        for k, key in enumerate(keys):
            rows = x[inv.ravel() == k][:, key]
            if rows.size == 0:
                continue
            xb = rows.mean(axis=0)
            e = rows - xb
            out.append(Block(g, np.flatnonzero(key), rows.shape[0], xb, e.T @ e / rows.shape[0], rows))
    return out


class Saturated:
    """The unrestricted model: free means (if meanstructure) and every variance and covariance."""

    def __init__(self, p: int, ngroups: int, meanstructure: bool) -> None:
        self.p, self.ngroups, self.meanstructure = p, ngroups, meanstructure
        self.iu = np.triu_indices(p)
        self.per = len(self.iu[0]) + (p if meanstructure else 0)
        self.q = self.per * ngroups

    def implied(self, x: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
        v = x[g * self.per:(g + 1) * self.per]
        k = len(self.iu[0])
        s = np.zeros((self.p, self.p))
        s[self.iu] = v[:k]
        s = s + s.T - np.diag(np.diag(s))
        mu = v[k:] if self.meanstructure else np.zeros(self.p)
        return s, mu

    def derivatives(self, x: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
        p, k = self.p, len(self.iu[0])
        ds = np.zeros((self.q, p, p))
        dm = np.zeros((self.q, p))
        off = g * self.per
        for a, (i, j) in enumerate(zip(*self.iu)):
            ds[off + a, i, j] = 1.0
            ds[off + a, j, i] = 1.0
        if self.meanstructure:
            dm[off + k + np.arange(p), np.arange(p)] = 1.0
        return ds, dm

    def pack(self, sig: list[np.ndarray], mu: list[np.ndarray]) -> np.ndarray:
        out = []
        for g in range(self.ngroups):
            out.append(sig[g][self.iu])
            if self.meanstructure:
                out.append(mu[g])
        return np.concatenate(out)


class Independence:
    """The baseline model: free variances (and means), zero covariances."""

    def __init__(self, p: int, ngroups: int, meanstructure: bool) -> None:
        self.p, self.ngroups, self.meanstructure = p, ngroups, meanstructure
        self.per = p * (2 if meanstructure else 1)
        self.q = self.per * ngroups

    def implied(self, x: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
        v = x[g * self.per:(g + 1) * self.per]
        return np.diag(v[:self.p]), (v[self.p:] if self.meanstructure else np.zeros(self.p))

    def derivatives(self, x: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        ds = np.zeros((self.q, p, p))
        dm = np.zeros((self.q, p))
        off = g * self.per
        ds[off + np.arange(p), np.arange(p), np.arange(p)] = 1.0
        if self.meanstructure:
            dm[off + p + np.arange(p), np.arange(p)] = 1.0
        return ds, dm


def _sub(ds: np.ndarray, dm: np.ndarray, idx: np.ndarray, full: bool) -> tuple[np.ndarray, np.ndarray]:
    if full:
        return ds, dm
    return ds[:, idx][:, :, idx], dm[:, idx]


def objective(model, x: np.ndarray, blocks: list[Block], ntotal: int) -> float:
    """-2 logl / N without the 2 pi constant (ML fitting function up to a constant)."""
    f = 0.0
    cache = {}
    for b in blocks:
        if b.group not in cache:
            cache[b.group] = model.implied(x, b.group)
        sig, mu = cache[b.group]
        so = sig[np.ix_(b.idx, b.idx)]
        sign, logdet = np.linalg.slogdet(so)
        if sign <= 0:
            return np.inf
        d = b.ybar - mu[b.idx] if model.meanstructure else 0 * b.ybar
        mm = b.s + np.outer(d, d)
        f += b.n * (logdet + np.trace(np.linalg.solve(so, mm)))
    return f / ntotal


def gradient(model, x: np.ndarray, blocks: list[Block], ntotal: int, info: bool = False):
    """Gradient of ``objective`` (and Fisher information of it when ``info``).

    The gradient is linear in the per-pattern weight matrices, so they are summed (embedded in
    p x p) before one contraction with dSigma per group; only the information needs the
    derivatives restricted to each pattern."""
    q = model.q
    grad = np.zeros(q)
    h = np.zeros((q, q)) if info else None
    cache = {}
    acc: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for b in blocks:
        if b.group not in cache:
            sig, mu = model.implied(x, b.group)
            cache[b.group] = (sig, mu, None, None)
            p = sig.shape[0]
            acc[b.group] = (np.zeros((p, p)), np.zeros(p))
        sig, mu, ds, dm = cache[b.group]
        p = sig.shape[0]
        full = len(b.idx) == p
        so = sig[np.ix_(b.idx, b.idx)]
        k = np.linalg.inv(so)
        d = b.ybar - mu[b.idx] if model.meanstructure else np.zeros(len(b.idx))
        w = k @ (so - b.s - np.outer(d, d)) @ k
        wf, vf = acc[b.group]
        wf[np.ix_(b.idx, b.idx)] += b.n / ntotal * w
        vf[b.idx] += b.n / ntotal * (k @ d)
        if info:
            if ds is None:
                ds, dm = model.derivatives(x, b.group)
                cache[b.group] = (sig, mu, ds, dm)
            dso, dmo = _sub(ds, dm, b.idx, full)
            kds = np.matmul(k, dso)                                   # q x po x po
            qn, po = kds.shape[0], kds.shape[1]
            # tr(K dS_a K dS_b) = sum_ij (K dS_a)_ij (K dS_b)_ji, as one matrix product (BLAS)
            h += b.n / ntotal * (kds.reshape(qn, po * po) @ kds.transpose(0, 2, 1).reshape(qn, po * po).T
                                 + 2 * dmo @ k @ dmo.T)
    for g, (wf, vf) in acc.items():
        sig, mu, ds, dm = cache[g]
        if ds is None:
            ds, dm = model.derivatives(x, g)
        grad += ds.reshape(len(ds), -1) @ wf.ravel() - 2 * dm @ vf
    return (grad, h) if info else grad


def fit_model(model, x0: np.ndarray, blocks: list[Block], ntotal: int, maxit: int = 300,
              tol: float = 1e-9) -> tuple[np.ndarray, float, bool, int]:
    """Fisher scoring with step halving, then BFGS if it stalls. Returns (x, f, converged, iters)."""
    x = np.array(x0, dtype=float)
    f = objective(model, x, blocks, ntotal)
    it = 0
    converged = False
    for it in range(1, maxit + 1):
        g, h = gradient(model, x, blocks, ntotal, info=True)
        if np.max(np.abs(g)) < tol:
            converged = True
            break
        try:
            step = -np.linalg.solve(h + 1e-12 * np.eye(len(x)), g)
        except np.linalg.LinAlgError:
            step = -np.linalg.lstsq(h, g, rcond=None)[0]
        t = 1.0
        for _ in range(30):
            cand = x + t * step
            fc = objective(model, cand, blocks, ntotal)
            if np.isfinite(fc) and fc <= f + 1e-14 * abs(f):
                break
            t /= 2
        else:
            break
        x, f = cand, fc
    if not converged:
        res = optimize.minimize(lambda z: objective(model, z, blocks, ntotal), x,
                                jac=lambda z: gradient(model, z, blocks, ntotal), method="BFGS",
                                options={"gtol": tol, "maxiter": 5000})
        if np.isfinite(res.fun) and res.fun <= f:
            x, f = res.x, float(res.fun)
        # relative to the objective's size (a discrepancy summed over groups can be far from 1): a
        # model that stalls at 1.2e-6 with an objective of 8.9 is at lavaan's solution to 5e-12 in chi2
        converged = bool(np.max(np.abs(gradient(model, x, blocks, ntotal))) < 1e-6 * max(1.0, abs(f)))
    return x, f, converged, it


def logl(model, x: np.ndarray, blocks: list[Block], ntotal: int) -> float:
    const = sum(b.n * len(b.idx) for b in blocks) * LN2PI
    return -0.5 * (objective(model, x, blocks, ntotal) * ntotal + const)


def casewise_scores(model, x: np.ndarray, blocks: list[Block]) -> np.ndarray:
    """d logl_i / d x for every row (rows ordered block by block)."""
    out = []
    cache = {}
    for b in blocks:
        if b.group not in cache:
            sig, mu = model.implied(x, b.group)
            ds, dm = model.derivatives(x, b.group)
            cache[b.group] = (sig, mu, ds, dm)
        sig, mu, ds, dm = cache[b.group]
        full = len(b.idx) == sig.shape[0]
        so = sig[np.ix_(b.idx, b.idx)]
        k = np.linalg.inv(so)
        centre = mu[b.idx] if model.meanstructure else b.ybar
        v = (b.rows - centre) @ k                                       # n x po
        dso, dmo = _sub(ds, dm, b.idx, full)
        tr = dso.reshape(len(dso), -1) @ k.T.ravel()
        quad = (np.matmul(v[None, :, :], dso) * v[None, :, :]).sum(axis=2).T
        out.append(-0.5 * tr[None, :] + 0.5 * quad + v @ dmo.T)
    return np.vstack(out)


def observed_information(model, x: np.ndarray, blocks: list[Block], ntotal: int) -> np.ndarray:
    """Per-observation observed information (-Hessian of logl / N) by central differences of the
    analytic gradient (lavaan's ``observed.information = "hessian"`` is numerical as well)."""
    q = len(x)
    hmat = np.empty((q, q))
    for a in range(q):
        h = 1e-5 * max(1.0, abs(x[a]))
        e = np.zeros(q)
        e[a] = h
        hmat[:, a] = (gradient(model, x + e, blocks, ntotal) - gradient(model, x - e, blocks, ntotal)) / (2 * h)
    return 0.25 * (hmat + hmat.T)   # objective = -2 logl / N: half its Hessian, symmetrized


def expected_information(model, x: np.ndarray, blocks: list[Block], ntotal: int) -> np.ndarray:
    return 0.5 * gradient(model, x, blocks, ntotal, info=True)[1]


def em_saturated(groups: list[np.ndarray], tol: float = 1e-10, maxit: int = 5000) -> tuple[list, list, int]:
    """Saturated means and covariances of incomplete data by EM (lavaan's h1 for FIML, iterated to
    convergence). Start: available-case means, diagonal available-case variances (divisor n_j)."""
    sigs, mus = [], []
    iters = 0
    for x in groups:
        n, p = x.shape
        obs = ~np.isnan(x)
        mu = np.nanmean(x, axis=0)
        sig = np.diag(np.nanmean((x - mu) ** 2, axis=0))
        keys, inv = np.unique(obs, axis=0, return_inverse=True)
        inv = inv.ravel()
        pats = [(key, x[inv == k]) for k, key in enumerate(keys)]
        for iters in range(1, maxit + 1):
            t1 = np.zeros(p)
            t2 = np.zeros((p, p))
            for key, rows in pats:
                o, mi = np.flatnonzero(key), np.flatnonzero(~key)
                yo = rows[:, o]
                if mi.size == 0:
                    t1 += yo.sum(axis=0)
                    t2 += yo.T @ yo
                    continue
                soo = sig[np.ix_(o, o)]
                beta = np.linalg.solve(soo, sig[np.ix_(o, mi)]) if o.size else np.zeros((0, mi.size))
                yhat = np.empty((rows.shape[0], p))
                yhat[:, o] = yo
                yhat[:, mi] = mu[mi] + (yo - mu[o]) @ beta
                cvar = sig[np.ix_(mi, mi)] - sig[np.ix_(mi, o)] @ beta
                t1 += yhat.sum(axis=0)
                t2 += yhat.T @ yhat
                t2[np.ix_(mi, mi)] += rows.shape[0] * cvar
            mu_new = t1 / n
            sig_new = t2 / n - np.outer(mu_new, mu_new)
            delta = max(np.abs(mu_new - mu).max(), np.abs(sig_new - sig).max())
            mu, sig = mu_new, sig_new
            if delta < tol:
                break
        sigs.append(sig)
        mus.append(mu)
    return sigs, mus, iters


def _vech_local(idx: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Local (i, j) pairs of the observed items of a pattern, their position in the full vech
    (upper triangle, row-major, as ``Saturated``) and the symmetric-direction factor s (1/2 on the
    diagonal)."""
    li, lj = np.triu_indices(len(idx))
    gi, gj = idx[li], idx[lj]
    pos = gi * p - gi * (gi - 1) // 2 + (gj - gi)          # index of (gi, gj), gi <= gj, in triu order
    s = np.where(li == lj, 0.5, 1.0)
    return li, lj, pos, s


def _f_pair(a: np.ndarray, b: np.ndarray, li, lj, s) -> np.ndarray:
    """F(A, B)_{ab} = tr(A E_a B E_b) for symmetric unit directions E = s (e_i e_j' + e_j e_i')."""
    i, j = li[:, None], lj[:, None]
    k, l = li[None, :], lj[None, :]
    return s[:, None] * s[None, :] * (b[j, k] * a[l, i] + b[j, l] * a[k, i] + b[i, k] * a[l, j] + b[i, l] * a[k, j])


def saturated_information(sat: "Saturated", x: np.ndarray, blocks: list[Block], ntotal: int) -> np.ndarray:
    """Observed information (per observation of N) of the saturated model under missing data, in
    closed form (equal to ``observed_information(sat, ...)``, much faster for many items)."""
    p = sat.p
    nv = len(sat.iu[0])
    info = np.zeros((sat.q, sat.q))
    for b in blocks:
        sig, mu = sat.implied(x, b.group)
        off = b.group * sat.per
        k = np.linalg.inv(sig[np.ix_(b.idx, b.idx)])
        d = b.ybar - mu[b.idx] if sat.meanstructure else np.zeros(len(b.idx))
        m = k @ (b.n * (b.s + np.outer(d, d))) @ k
        li, lj, pos, s = _vech_local(b.idx, p)
        blk = -0.5 * b.n * _f_pair(k, k, li, lj, s) + 0.5 * (_f_pair(m, k, li, lj, s) + _f_pair(k, m, li, lj, s))
        g = off + pos
        info[np.ix_(g, g)] += blk
        if sat.meanstructure:
            gm = off + nv + b.idx
            info[np.ix_(gm, gm)] += b.n * k
            v = k @ d
            cross = b.n * s[None, :] * (k[:, li] * v[lj][None, :] + k[:, lj] * v[li][None, :])
            info[np.ix_(gm, g)] += cross
            info[np.ix_(g, gm)] += cross.T
    return info / ntotal


def saturated_scores(sat: "Saturated", x: np.ndarray, blocks: list[Block]) -> np.ndarray:
    """Casewise scores of the saturated model (rows block by block), in closed form."""
    p = sat.p
    nv = len(sat.iu[0])
    out = []
    for b in blocks:
        sig, mu = sat.implied(x, b.group)
        off = b.group * sat.per
        k = np.linalg.inv(sig[np.ix_(b.idx, b.idx)])
        centre = mu[b.idx] if sat.meanstructure else b.ybar
        u = (b.rows - centre) @ k
        li, lj, pos, s = _vech_local(b.idx, p)
        sc = np.zeros((b.rows.shape[0], sat.q))
        sc[:, off + pos] = (u[:, li] * u[:, lj] - k[li, lj][None, :]) * s[None, :]   # s (u_i u_j - K_ij)
        if sat.meanstructure:
            sc[:, off + nv + b.idx] = u
        out.append(sc)
    return np.vstack(out)
