"""ML estimation machinery of the CFA (private): parameter layout, discrepancy, Fisher scoring.

The model is simple structure (each item on one factor), all factors correlated, marker
(first loading = 1) or fixed-variance identification, no mean structure (lavaan's default with
complete data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize

__all__: list[str] = []


def trace_products(m1: np.ndarray, m2: np.ndarray) -> np.ndarray:
    """``h[a, b] = tr(m1[a] @ m2[b])`` (``einsum("aij,bji->ab")``) as one matrix product."""
    return m1.reshape(len(m1), -1) @ m2.transpose(0, 2, 1).reshape(len(m2), -1).T


def weighted_sums(w: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``sum_ij w[i, j] * d[a, i, j]`` for each ``a`` (``einsum("ij,aij->a")``)."""
    return d.reshape(len(d), -1) @ w.reshape(-1)


class _Model:
    """Parameter layout of a simple-structure CFA (each item on one factor)."""

    def __init__(self, items: list[str], factor_of: np.ndarray, m: int, std_lv: bool) -> None:
        self.items = items
        self.p = len(items)
        self.m = m
        self.factor_of = factor_of
        self.std_lv = std_lv
        markers = [int(np.flatnonzero(factor_of == k)[0]) for k in range(m)]
        self.markers = markers
        self.free_load = [i for i in range(self.p) if std_lv or i not in markers]
        self.phi_idx = [(j, k) for j in range(m) for k in range(j + 1) if not (std_lv and j == k)]
        self.n_load = len(self.free_load)
        self.n_theta = self.p
        self.q = self.n_load + self.n_theta + len(self.phi_idx)

    def unpack(self, th: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lam = np.zeros((self.p, self.m))
        if not self.std_lv:
            for k, i in enumerate(self.markers):
                lam[i, k] = 1.0
        for a, i in enumerate(self.free_load):
            lam[i, self.factor_of[i]] = th[a]
        theta = th[self.n_load:self.n_load + self.p]
        phi = np.eye(self.m) if self.std_lv else np.zeros((self.m, self.m))
        for a, (j, k) in enumerate(self.phi_idx):
            v = th[self.n_load + self.p + a]
            phi[j, k] = phi[k, j] = v
        return lam, phi, theta

    def sigma(self, th: np.ndarray) -> np.ndarray:
        lam, phi, theta = self.unpack(th)
        return lam @ phi @ lam.T + np.diag(theta)

    def dsigma(self, th: np.ndarray) -> np.ndarray:
        lam, phi, _ = self.unpack(th)
        p = self.p
        out = np.zeros((self.q, p, p))
        lp = lam @ phi
        for a, i in enumerate(self.free_load):
            k = self.factor_of[i]
            out[a, i, :] += lp[:, k]
            out[a, :, i] += lp[:, k]
        for a, i in enumerate(range(p)):
            out[self.n_load + a, i, i] = 1.0
        for a, (j, k) in enumerate(self.phi_idx):
            d = np.outer(lam[:, j], lam[:, k])
            out[self.n_load + p + a] = d + d.T if j != k else d
        return out

    def labels(self, factors: list[str]) -> list[tuple[str, str, str]]:
        lab = [(factors[self.factor_of[i]], "=~", self.items[i]) for i in self.free_load]
        lab += [(it, "~~", it) for it in self.items]
        lab += [(factors[k], "~~", factors[j]) for j, k in self.phi_idx]
        return lab


def _fml(sigma: np.ndarray, s: np.ndarray, logdet_s: float) -> float:
    sign, logdet = np.linalg.slogdet(sigma)
    if sign <= 0:
        return np.inf
    return float(logdet + np.trace(np.linalg.solve(sigma, s)) - logdet_s - s.shape[0])


def _start(model: _Model, s: np.ndarray) -> np.ndarray:
    """Simple starting values: one-factor principal axes per block, theta = diag(S)/2."""
    p, m = model.p, model.m
    lam0 = np.zeros(p)
    for k in range(m):
        idx = np.flatnonzero(model.factor_of == k)
        sub = s[np.ix_(idx, idx)]
        if len(idx) >= 2:
            w, v = np.linalg.eigh(sub - np.diag(np.diag(sub)) / 2)
            load = v[:, -1] * np.sqrt(max(w[-1], 1e-6))
            if load.sum() < 0:
                load = -load
        else:
            load = np.sqrt(np.diag(sub) / 2)
        lam0[idx] = load
    th = np.zeros(model.q)
    scale = np.ones(m)
    if not model.std_lv:
        scale = np.array([lam0[i] for i in model.markers])
        scale = np.where(np.abs(scale) < 1e-3, 1e-3, scale)
    for a, i in enumerate(model.free_load):
        th[a] = lam0[i] / scale[model.factor_of[i]]
    th[model.n_load:model.n_load + p] = np.diag(s) / 2
    # factor covariances from block sums
    sd = np.sqrt(np.diag(s))
    r = s / np.outer(sd, sd)
    for a, (j, k) in enumerate(model.phi_idx):
        if j == k:
            th[model.n_load + p + a] = scale[j] ** 2
        else:
            ij, ik = np.flatnonzero(model.factor_of == j), np.flatnonzero(model.factor_of == k)
            rjk = r[np.ix_(ij, ik)].mean() / np.sqrt(max(r[np.ix_(ij, ij)].mean() * r[np.ix_(ik, ik)].mean(), 1e-6))
            th[model.n_load + p + a] = np.clip(rjk, -0.9, 0.9) * scale[j] * scale[k]
    return th


def _to_marker(model: _Model, std_model: _Model, th_std: np.ndarray) -> np.ndarray:
    """Marker-variable parameters with the same implied Sigma as a fixed-variance solution."""
    lam, phi, theta = std_model.unpack(th_std)
    mk = np.array([lam[i, k] for k, i in enumerate(model.markers)])
    mk = np.where(np.abs(mk) < 1e-8, 1e-8, mk)
    th = np.zeros(model.q)
    for a, i in enumerate(model.free_load):
        k = model.factor_of[i]
        th[a] = lam[i, k] / mk[k]
    th[model.n_load:model.n_load + model.p] = theta
    for a, (j, k) in enumerate(model.phi_idx):
        th[model.n_load + model.p + a] = phi[j, k] * mk[j] * mk[k]
    return th


def _fit(model: _Model, s: np.ndarray, tol: float = 1e-10, maxit: int = 500) -> tuple[np.ndarray, float, bool, int]:
    """Fit; when the marker parameterization stalls (a small marker loading sends the other
    loadings towards infinity, as in misspecified models), refit with fixed factor variances,
    which is well scaled, and carry that solution over (same Sigma); keep the lower objective."""
    with np.errstate(all="ignore"):
        out = _fit_once(model, s, None, tol, maxit)
        if out[2] or model.std_lv:
            return out
        std_model = _Model(model.items, model.factor_of, model.m, True)
        th_std, f_std, conv_std, _ = _fit_once(std_model, s, None, tol, maxit)
        if not np.isfinite(f_std):
            return out
        again = _fit_once(model, s, _to_marker(model, std_model, th_std), tol, maxit)
        if again[1] <= out[1] + 1e-12 or (again[2] and not out[2]):
            return again
        return out


def _fit_once(model: _Model, s: np.ndarray, start: np.ndarray | None, tol: float = 1e-10,
              maxit: int = 500) -> tuple[np.ndarray, float, bool, int]:
    logdet_s = np.linalg.slogdet(s)[1]
    th = _start(model, s) if start is None else np.array(start, dtype=float)
    f = _fml(model.sigma(th), s, logdet_s)
    if not np.isfinite(f):
        th[model.n_load:model.n_load + model.p] = np.diag(s) * 0.9
        f = _fml(model.sigma(th), s, logdet_s)
    converged = False
    it = 0
    for it in range(1, maxit + 1):
        sig = model.sigma(th)
        sinv = np.linalg.inv(sig)
        w = sinv @ (sig - s) @ sinv
        d = model.dsigma(th)
        grad = weighted_sums(w, d)
        msd = np.matmul(sinv, d)
        h = trace_products(msd, msd)
        try:
            step = -np.linalg.solve(h, grad)
        except np.linalg.LinAlgError:
            step = -np.linalg.lstsq(h, grad, rcond=None)[0]
        t = 1.0
        for _ in range(40):
            cand = th + t * step
            fc = _fml(model.sigma(cand), s, logdet_s)
            if fc <= f + 1e-14 * abs(f):
                break
            t /= 2
        else:
            break
        th, f_old, f = cand, f, fc
        if np.max(np.abs(grad)) < tol or (abs(f_old - f) < 1e-15 and np.max(np.abs(t * step)) < 1e-9):
            converged = np.max(np.abs(grad)) < 1e-6
            if np.max(np.abs(grad)) < tol:
                converged = True
                break
    if not converged:
        # fall back to a quasi-Newton polish
        def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
            sig = model.sigma(x)
            val = _fml(sig, s, logdet_s)
            if not np.isfinite(val):
                return 1e10, np.zeros_like(x)
            sinv = np.linalg.inv(sig)
            return val, weighted_sums(sinv @ (sig - s) @ sinv, model.dsigma(x))

        res = optimize.minimize(fun, th, jac=True, method="BFGS", options={"gtol": 1e-9, "maxiter": 5000})
        th, f = res.x, float(res.fun)
        converged = bool(np.max(np.abs(fun(th)[1])) < 1e-6)
    return th, f, converged, it


def modification_indices(model: _Model, th: np.ndarray, s: np.ndarray, n: int, factors: list[str]) -> pd.DataFrame:
    """lavaan's ``modindices()`` for cross-loadings and residual covariances.

    With fx = F_ML/2, gradient g and unit expected information I (free block 1, candidate 2):
    MI = N g^2 / (I22 - I21 I11^-1 I12), EPC = -g / (I22 - I21 I11^-1 I12); sepc.all scales the
    EPC like std.all. Candidates with I22 - I21 I11^-1 I12 < eps^(1/3) are not estimable and
    dropped, as lavaan does (``na.remove = TRUE``). Fixed marker loadings are not candidates
    (lavaan lists them only when numerical noise makes them look estimable).
    """
    lam, phi, theta = model.unpack(th)
    p = model.p
    sig = lam @ phi @ lam.T + np.diag(theta)
    sinv = np.linalg.inv(sig)
    w = sinv @ (sig - s) @ sinv
    lp = lam @ phi
    cands: list[tuple[str, str, str]] = []
    mats = []
    for k in range(model.m):
        for i in range(p):
            if model.factor_of[i] == k:
                continue
            d = np.zeros((p, p))
            d[i, :] += lp[:, k]
            d[:, i] += lp[:, k]
            cands.append((factors[k], "=~", model.items[i]))
            mats.append(d)
    for i in range(p):
        for j in range(i + 1, p):
            d = np.zeros((p, p))
            d[i, j] = d[j, i] = 1.0
            cands.append((model.items[i], "~~", model.items[j]))
            mats.append(d)
    if not cands:
        return pd.DataFrame(columns=["lhs", "op", "rhs", "mi", "epc", "sepc_all"])
    dext = np.array(mats)
    mfree = np.matmul(sinv, model.dsigma(th))
    mext = np.matmul(sinv, dext)
    i11 = 0.5 * trace_products(mfree, mfree)
    i12 = 0.5 * trace_products(mfree, mext)
    i22 = 0.5 * (mext * mext.transpose(0, 2, 1)).sum(axis=(1, 2))
    try:
        sol = np.linalg.solve(i11, i12)
    except np.linalg.LinAlgError:   # information of the free parameters singular (not identified): NA
        sol = np.full_like(i12, np.nan)
    v = i22 - np.einsum("ab,ab->b", i12, sol)
    g = 0.5 * weighted_sums(w, dext)
    v = np.where(v < np.finfo(float).eps ** (1 / 3), np.nan, v)  # lavaan: not estimable -> NA
    mi = n * g**2 / v
    epc = -g / v
    sd = np.sqrt(np.diag(sig))
    sdf = np.sqrt(np.diag(phi))
    sepc = []
    for (lhs, op, rhs), e in zip(cands, epc):
        if op == "=~":
            sepc.append(e * sdf[factors.index(lhs)] / sd[model.items.index(rhs)])
        else:
            a, b = model.items.index(lhs), model.items.index(rhs)
            sepc.append(e / np.sqrt(theta[a] * theta[b]) if theta[a] > 0 and theta[b] > 0 else np.nan)
    out = pd.DataFrame(cands, columns=["lhs", "op", "rhs"])
    out["mi"] = mi
    out["epc"] = epc
    out["sepc_all"] = sepc
    return out.dropna(subset=["mi"]).reset_index(drop=True)  # lavaan's na.remove = TRUE
