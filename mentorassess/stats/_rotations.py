"""Factor rotations ported line by line from R (private).

- :func:`varimax`: ``stats::varimax`` (Kaiser normalization, eps 1e-5, at most 1000 iterations).
- :func:`oblimin`: ``GPArotation::oblimin`` = ``GPFoblq`` with ``vgQ.oblimin`` (gamma 0,
  normalize FALSE, eps 1e-5, maxit 1000, start at the identity).
- :func:`promax`: ``psych::Promax`` (varimax, target P*|P|^(m-1), least squares, column rescaling).
- :func:`kaiser_promax`: ``psych::kaiser(f, rotate = "Promax")``, what ``psych::fa(rotate =
  "promax")`` calls (row normalization by sqrt(h2), Promax, de-normalization).

The ports keep R's stopping rules, so they stop where R stops (the rules are loose: eps 1e-5).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from mentorassess.errors import ConvergenceWarning

__all__: list[str] = []


@dataclass(frozen=True)
class Rotated:
    loadings: np.ndarray
    phi: np.ndarray | None
    rotmat: np.ndarray
    converged: bool = True


def varimax(x: np.ndarray, normalize: bool = True, eps: float = 1e-5) -> Rotated:
    x = np.array(x, dtype=float)
    p, nc = x.shape
    if nc < 2:
        return Rotated(x, None, np.eye(nc))
    if normalize:
        sc = np.sqrt((x**2).sum(axis=1))
        x = x / sc[:, None]
    tt = np.eye(nc)
    d = 0.0
    converged = False
    for _ in range(1000):
        z = x @ tt
        b = x.T @ (z**3 - z @ np.diag((z**2).sum(axis=0)) / p)
        u, s, vt = np.linalg.svd(b)
        tt = u @ vt
        dpast = d
        d = s.sum()
        if d < dpast * (1 + eps):
            converged = True
            break
    z = x @ tt
    if normalize:
        z = z * sc[:, None]
    return Rotated(z, None, tt, converged)


def _vgq_oblimin(lam: np.ndarray, gam: float = 0.0) -> tuple[np.ndarray, float]:
    k = lam.shape[1]
    x = (lam**2) @ (1.0 - np.eye(k))
    if gam != 0:
        p = lam.shape[0]
        x = (np.eye(p) - np.full((p, p), gam / p)) @ x
    return lam * x, float((lam**2 * x).sum() / 4.0)


def oblimin(a: np.ndarray, gam: float = 0.0, eps: float = 1e-5, maxit: int = 1000,
            tmat: np.ndarray | None = None) -> Rotated:
    a = np.array(a, dtype=float)
    k = a.shape[1]
    if k < 2:
        raise ValueError("rotation does not make sense for single factor models")
    t = np.eye(k) if tmat is None else np.array(tmat, dtype=float)
    al = 1.0
    lam = a @ np.linalg.inv(t).T
    gq, f = _vgq_oblimin(lam, gam)
    g = -(lam.T @ gq @ np.linalg.inv(t)).T
    s = np.inf
    converged = False
    tt = t
    for _ in range(maxit + 1):
        gp = g - t @ np.diag((t * g).sum(axis=0))
        s = np.sqrt(np.trace(gp.T @ gp))
        if s < eps:
            converged = True
            break
        al *= 2.0
        for _i in range(11):
            xm = t - al * gp
            v = 1.0 / np.sqrt((xm**2).sum(axis=0))
            tt = xm * v[None, :]
            lam = a @ np.linalg.inv(tt).T
            gqt, ft = _vgq_oblimin(lam, gam)
            if f - ft > 0.5 * s**2 * al:
                break
            al /= 2.0
        t = tt
        f = ft
        g = -(lam.T @ gqt @ np.linalg.inv(tt)).T
    if not converged:
        warnings.warn(f"oblimin rotation did not converge in {maxit} iterations", ConvergenceWarning, stacklevel=3)
    lam = a @ np.linalg.inv(t).T
    return Rotated(lam, t.T @ t, np.linalg.inv(t).T, converged)


def promax(x: np.ndarray, m: float = 4.0) -> Rotated:
    x = np.array(x, dtype=float)
    if x.shape[1] < 2:
        return Rotated(x, None, np.eye(x.shape[1]))
    vm = varimax(x)
    xv = vm.loadings
    q = xv * np.abs(xv) ** (m - 1)
    u = np.linalg.lstsq(xv, q, rcond=None)[0]
    d = np.diag(np.linalg.inv(u.T @ u))
    u = u @ np.diag(np.sqrt(d))
    z = xv @ u
    u = vm.rotmat @ u
    ui = np.linalg.inv(u)
    return Rotated(z, ui @ ui.T, u, vm.converged)


def kaiser_promax(f: np.ndarray, m: float = 4.0) -> Rotated:
    f = np.array(f, dtype=float)
    h = np.sqrt((f**2).sum(axis=1))
    rot = promax(f / h[:, None], m=m)
    return Rotated(rot.loadings * h[:, None], rot.phi, rot.rotmat, rot.converged)


def rotate(loadings: np.ndarray, method: str) -> Rotated:
    if method == "varimax":
        return varimax(loadings)
    if method == "oblimin":
        return oblimin(loadings)
    if method == "promax":
        return kaiser_promax(loadings)
    if method == "Promax":
        return promax(loadings)
    if method == "none":
        return Rotated(np.array(loadings, dtype=float), None, np.eye(loadings.shape[1]))
    raise ValueError(method)
