"""Thresholds, two-step polychoric correlations and their asymptotic covariance (lavaan's way).

Every item pair is handled at once: the bivariate tables come from one matrix product of the
items' one-hot codes, the cell probabilities from one vectorised bivariate normal call, and
each pair's correlation from a safeguarded Newton iteration run on all pairs together.

Sources followed (lavaan 0.6-14): ``lav_uvord.R`` (thresholds, casewise threshold scores),
``lav_bvord.R`` (cell probabilities floored at sqrt(machine eps), the 2x2 zero-cell rules,
casewise scores), ``lav_samplestats_step2.R`` and ``lav_muthen1984.R`` (A11, A21, A22 and
Gamma = N B^-1 INNER B^-T).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from ._bvn import bvn_cdf, bvn_pdf
from ._data import OrdinalData

_FLOOR = float(np.sqrt(np.finfo(float).eps))
_BOUND = 0.999  # lavaan's nlminb bounds for rho
_BIG = 100.0    # lavaan's offsets for the outer categories in score computations


@dataclass(frozen=True)
class TwoStep:
    """Internal: everything the public results and WLSMV need."""

    thresholds: tuple[np.ndarray, ...]
    rho: np.ndarray               # (p, p)
    pairs: np.ndarray             # (P, 2): (i, j) with i > j, lavaan's vech order
    rho_vec: np.ndarray           # (P,)
    n_pairs: np.ndarray           # (P,) complete pairs per table
    zero_cells: np.ndarray        # (P,) bool: table has an empty cell
    two_by_two_rule: tuple[str, ...]  # per pair: "" or the special rule used
    not_converged: np.ndarray     # (P,) bool
    gamma: np.ndarray | None      # NACOV of (thresholds, rho_vec), N times the ACOV
    n: int


def thresholds_of(od: OrdinalData) -> tuple[np.ndarray, ...]:
    """tau = qnorm(cumulative proportions) per item, over its own non-missing answers."""
    out = []
    for j, lv in enumerate(od.levels):
        c = od.codes[:, j]
        counts = np.bincount(c[c >= 0], minlength=len(lv)).astype(float)
        cum = np.cumsum(counts)[:-1] / counts.sum()
        out.append(ndtri(cum))
    return tuple(out)


def vech_pairs(p: int) -> np.ndarray:
    """Pairs (i, j), i > j, in lavaan's order: lower triangle by column."""
    return np.array([(i, j) for j in range(p - 1) for i in range(j + 1, p)], dtype=np.int64).reshape(-1, 2)


def _ext(th: tuple[np.ndarray, ...], kmax: int, big: float = np.inf) -> np.ndarray:
    """(p, kmax + 1) boundaries [-big, tau..., +big, +big...] (padding beyond an item's categories)."""
    out = np.full((len(th), kmax + 1), big)
    for j, t in enumerate(th):
        out[j, 0] = -big
        out[j, 1:len(t) + 1] = t
    return out


def _grid(a: np.ndarray) -> np.ndarray:
    """Cell values from corner values: a[1:,1:] - a[:-1,1:] - a[1:,:-1] + a[:-1,:-1] (last two axes)."""
    return a[..., 1:, 1:] - a[..., :-1, 1:] - a[..., 1:, :-1] + a[..., :-1, :-1]


class _Pairs:
    """Vectorised bivariate probit pieces for all pairs (padded to kmax x kmax tables)."""

    def __init__(self, th: tuple[np.ndarray, ...], pairs: np.ndarray, kmax: int) -> None:
        ext = _ext(th, kmax)
        self.h = ext[pairs[:, 0]][:, :, None]  # (P, kmax+1, 1)
        self.k = ext[pairs[:, 1]][:, None, :]  # (P, 1, kmax+1)
        ncat = np.array([len(t) + 1 for t in th])
        ka, kb = ncat[pairs[:, 0]], ncat[pairs[:, 1]]
        idx = np.arange(kmax)
        self.valid = (idx[None, :, None] < ka[:, None, None]) & (idx[None, None, :] < kb[:, None, None])

    def pi(self, rho: np.ndarray) -> np.ndarray:
        r = rho[:, None, None]
        bi = bvn_cdf(self.h, self.k, r)
        p = _grid(bi)
        p = np.where(self.valid, np.maximum(p, _FLOOR), 1.0)
        return p

    def dpi(self, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """d pi / d rho and d2 pi / d rho2 per cell (Olsson 1979, lavaan's corrected A2)."""
        r = rho[:, None, None]
        d = bvn_pdf(self.h, self.k, r)
        hh = np.where(np.isfinite(self.h), self.h, 0.0)
        kk = np.where(np.isfinite(self.k), self.k, 0.0)
        one = 1.0 - r * r
        guv = (hh * kk * one - r * (hh * hh - 2 * r * hh * kk + kk * kk) + r * one) / (one * one)
        return _grid(d), _grid(d * guv)


def _two_by_two(freq: np.ndarray, th1: np.ndarray, th2: np.ndarray) -> tuple[np.ndarray, float | None, str]:
    """lavaan's zero.add = c(0.5, 0) with zero.keep.margins for 2 x 2 tables, and its special cases."""
    f = freq[:2, :2].astype(float).copy()
    zeros = np.flatnonzero(f.ravel(order="F") == 0)  # R's column-major cell numbers - 1
    if zeros.size == 2:
        return freq, (1.0 if f[0, 0] > 0 else -1.0), "two empty cells: rho = +/-1"
    rule = ""
    if zeros.size == 1:
        if zeros[0] in (0, 3):
            f += np.array([[0.5, -0.5], [-0.5, 0.5]])
        else:
            f += np.array([[-0.5, 0.5], [0.5, -0.5]])
        rule = "0.5 added to the empty cell, margins kept"
    if f[0, 0] * f[1, 1] == f[0, 1] * f[1, 0]:
        return f, 0.0, "ad = bc: rho = 0"
    if th1[0] == 0 and th2[0] == 0:
        return f, float(-np.cos(2 * np.pi * f[0, 0] / f.sum())), "equal margins: rho = -cos(2 pi p11)"
    return f, None, rule


def two_step(od: OrdinalData, *, nacov: bool = False) -> TwoStep:
    """Thresholds, then every polychoric correlation by ML with thresholds fixed (Olsson 1979)."""
    codes = od.codes
    n, p = codes.shape
    th = thresholds_of(od)
    ncat = np.array([len(t) + 1 for t in th])
    kmax = int(ncat.max())
    offs = np.concatenate([[0], np.cumsum(ncat)])
    onehot = np.zeros((n, offs[-1]))
    ok = codes >= 0
    r_i, c_i = np.nonzero(ok)
    onehot[r_i, offs[c_i] + codes[r_i, c_i]] = 1.0
    joint = onehot.T @ onehot
    pairs = vech_pairs(p)
    npair = len(pairs)
    # padded (P, kmax, kmax) tables gathered from the joint one-hot cross-product
    kk = np.arange(kmax)
    ri = offs[pairs[:, 0]][:, None] + kk[None, :]
    ci = offs[pairs[:, 1]][:, None] + kk[None, :]
    vi = kk[None, :] < ncat[pairs[:, 0]][:, None]
    vj = kk[None, :] < ncat[pairs[:, 1]][:, None]
    valid = vi[:, :, None] & vj[:, None, :]
    freq = np.where(valid, joint[np.minimum(ri, offs[-1] - 1)[:, :, None], np.minimum(ci, offs[-1] - 1)[:, None, :]], 0.0)
    n_pairs = freq.sum(axis=(1, 2))
    zero_cells = ((freq == 0) & valid).any(axis=(1, 2))

    fixed = np.full(npair, np.nan)
    rules = [""] * npair
    for q, (i, j) in enumerate(pairs):
        if ncat[i] == 2 and ncat[j] == 2:
            f2, val, rule = _two_by_two(freq[q], th[i], th[j])
            freq[q, :2, :2] = f2[:2, :2]
            rules[q] = rule
            if val is not None:
                fixed[q] = val

    geo = _Pairs(th, pairs, kmax)
    rho = _start(codes, pairs)
    rho = np.where(np.isnan(fixed), rho, fixed)
    free = np.isnan(fixed)
    rho, not_conv = _newton(geo, freq, rho, free)
    full = np.eye(p)
    full[pairs[:, 0], pairs[:, 1]] = rho
    full[pairs[:, 1], pairs[:, 0]] = rho
    gamma = _nacov(od, th, pairs, rho, geo, freq, ncat, offs, onehot) if nacov else None
    return TwoStep(th, full, pairs, rho, n_pairs, zero_cells, tuple(rules), not_conv, gamma, n)


def _start(codes: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Pearson correlation of the codes (pairwise), lavaan's starting value; 0 if undefined."""
    ok = (codes >= 0).astype(float)
    x = np.where(codes >= 0, codes, 0).astype(float)
    n = ok.T @ ok
    sx = x.T @ ok          # sum of x_i over rows where j is observed
    sxx = (x * x).T @ ok
    sxy = x.T @ x
    with np.errstate(all="ignore"):
        cov = sxy - sx * sx.T / n
        vi = sxx - sx * sx / n
        r = cov / np.sqrt(vi * vi.T)
    out = r[pairs[:, 0], pairs[:, 1]]
    out = np.where(np.isfinite(out) & (np.abs(out) < 1) & (n[pairs[:, 0], pairs[:, 1]] > 2), out, 0.0)
    return np.clip(out, -_BOUND, _BOUND)


def _grad_hess(geo: _Pairs, freq: np.ndarray, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pi = geo.pi(rho)
    phi, gn = geo.dpi(rho)
    ok = geo.valid & (pi > _FLOOR)
    f = np.where(ok, freq, 0.0)
    g = (f * phi / pi).sum(axis=(1, 2))
    h = (f * gn / pi).sum(axis=(1, 2)) - (f * phi * phi / (pi * pi)).sum(axis=(1, 2))
    return g, h


def _newton(geo: _Pairs, freq: np.ndarray, rho: np.ndarray, free: np.ndarray,
            tol: float = 1e-12, max_iter: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Solve d logl / d rho = 0 on [-0.999, 0.999] for all pairs: Newton inside a shrinking bracket."""
    lo = np.full(rho.shape, -_BOUND)
    hi = np.full(rho.shape, _BOUND)
    active = free.copy()
    rho = rho.copy()
    for _ in range(max_iter):
        if not active.any():
            break
        g, h = _grad_hess(geo, freq, rho)
        # maximum to the right when g > 0
        lo = np.where(active & (g > 0), rho, lo)
        hi = np.where(active & (g < 0), rho, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(h < 0, -g / h, np.nan)
        new = rho + step
        bad = ~np.isfinite(new) | (new < lo) | (new > hi)
        new = np.where(bad, (lo + hi) / 2.0, new)
        conv = (~bad & (np.abs(step) < tol)) | (hi - lo < tol) | (np.abs(g) < 1e-13 * np.maximum(freq.sum(axis=(1, 2)), 1))
        rho = np.where(active, new, rho)
        active = active & ~conv
    return rho, active


def _nacov(od: OrdinalData, th, pairs, rho, geo: _Pairs, freq, ncat, offs, onehot) -> np.ndarray:
    """lavaan's muthen1984(): Gamma = N B^-1 INNER B^-T for (thresholds, correlations); complete data."""
    codes = od.codes
    n, p = codes.shape
    nth = int((ncat - 1).sum())
    tho = np.concatenate([[0], np.cumsum(ncat - 1)])
    # casewise threshold scores (lav_uvord_scores): (phi(tau_c) [upper] - phi(tau_c-1) [lower]) / pi_c
    sc_th = np.zeros((n, nth))
    rows = np.arange(n)
    for j in range(p):
        t = th[j]
        c = codes[:, j]
        ext = np.concatenate([[-np.inf], t, [np.inf]])
        prob = ndtr(ext[c + 1]) - ndtr(ext[c])
        up = c < len(t)
        sc_th[rows[up], tho[j] + c[up]] += np.exp(-0.5 * t[c[up]] ** 2) / np.sqrt(2 * np.pi) / prob[up]
        lo = c > 0
        sc_th[rows[lo], tho[j] + c[lo] - 1] -= np.exp(-0.5 * t[c[lo] - 1] ** 2) / np.sqrt(2 * np.pi) / prob[lo]
    # cell-level pieces of the bivariate scores at the estimates
    pi = geo.pi(rho)
    phi, _ = geo.dpi(rho)
    ok = geo.valid & (pi > _FLOOR)
    sr = np.where(ok, phi / pi, 0.0)  # d log pi / d rho per cell
    kmax = pi.shape[1]
    e1 = _ext(th, kmax, _BIG)[pairs[:, 0]]  # (P, kmax+1) with +/-100 for outer limits
    e2 = _ext(th, kmax, _BIG)[pairs[:, 1]]
    r = rho[:, None, None]
    rr = np.sqrt(1 - rho * rho)[:, None, None]
    dn1 = np.exp(-0.5 * e1 ** 2) / np.sqrt(2 * np.pi)
    dn2 = np.exp(-0.5 * e2 ** 2) / np.sqrt(2 * np.pi)
    # item 1, cell (a, b): Z1 at its upper limit e1[a+1], Z2 at its lower limit e1[a]
    t1u, t1l = e1[:, 1:, None], e1[:, :-1, None]
    t2u, t2l = e2[:, None, 1:], e2[:, None, :-1]
    z1 = dn1[:, 1:, None] * (ndtr((t2u - r * t1u) / rr) - ndtr((t2l - r * t1u) / rr))
    z2 = dn1[:, :-1, None] * (ndtr((t2u - r * t1l) / rr) - ndtr((t2l - r * t1l) / rr))
    w1 = dn2[:, None, 1:] * (ndtr((t1u - r * t2u) / rr) - ndtr((t1l - r * t2u) / rr))
    w2 = dn2[:, None, :-1] * (ndtr((t1u - r * t2l) / rr) - ndtr((t1l - r * t2l) / rr))
    safe = np.where(ok, pi, 1.0)
    fs = np.where(ok, freq * sr / safe, 0.0)
    up1 = (fs * z1).sum(axis=2)   # (P, kmax): contribution to threshold a of item 1
    lo1 = (fs * z2).sum(axis=2)   # to threshold a-1 (negative)
    up2 = (fs * w1).sum(axis=1)
    lo2 = (fs * w2).sum(axis=1)
    npair = len(pairs)
    a21 = np.zeros((npair, nth))
    for q, (i, j) in enumerate(pairs):
        ki, kj = ncat[i] - 1, ncat[j] - 1
        a21[q, tho[i]:tho[i] + ki] = up1[q, :ki] - lo1[q, 1:ki + 1]
        a21[q, tho[j]:tho[j] + kj] = up2[q, :kj] - lo2[q, 1:kj + 1]
    # casewise rho scores
    qi = np.arange(npair)[:, None]
    sc_cor = sr[qi, codes[:, pairs[:, 0]].T, codes[:, pairs[:, 1]].T].T  # (n, P)
    sc = np.hstack([sc_th, sc_cor])
    inner = sc.T @ sc
    a11_inv = np.zeros((nth, nth))
    for j in range(p):
        s = slice(tho[j], tho[j + 1])
        a11_inv[s, s] = np.linalg.inv(inner[s, s])
    a22 = (sc_cor * sc_cor).sum(axis=0)
    binv = np.zeros((nth + npair, nth + npair))
    binv[:nth, :nth] = a11_inv
    binv[nth:, nth:] = np.diag(1.0 / a22)
    binv[nth:, :nth] = -(a21 / a22[:, None]) @ a11_inv
    return n * (binv @ inner @ binv.T)
