"""Satterthwaite degrees of freedom for a fixed effect, as lmerTest (private).

``satterthwaite`` follows lmerTest 3.1-3 (``as_lmerModLT``, ``contest1D``): the asymptotic
covariance of (theta, sigma) is twice the pseudo-inverse (eigenvalues above 1e-8) of the Hessian
of the unprofiled REML deviance, the gradient of Var(L'beta) is taken numerically, and
``df = 2 Var^2 / (g' A g)``. Derivatives use central differences with Richardson extrapolation
as numDeriv does (relative step 0.1 for the Hessian, 1e-4 for the Jacobian).
"""

from __future__ import annotations

import numpy as np

from mentorassess.stats.precision._mixed import Design, Fit

__all__: list[str] = []


def richardson_hessian(f, x, *, d: float = 1e-4, r: int = 4) -> np.ndarray:
    """Hessian by central differences with Richardson extrapolation (as ``numDeriv::hessian``)."""
    x = np.asarray(x, float)
    k = len(x)
    h0 = np.where(np.abs(x) < np.sqrt(np.finfo(float).eps / 7e-7), 1e-4, np.abs(d * x))
    f0 = f(x)
    H = np.zeros((k, k))
    for i in range(k):
        for j in range(i + 1):
            est = []
            for m in range(r):
                hi, hj = h0[i] / 2 ** m, h0[j] / 2 ** m
                ei, ej = np.eye(k)[i] * hi, np.eye(k)[j] * hj
                if i == j:
                    v = (f(x + ei) - 2 * f0 + f(x - ei)) / hi ** 2
                else:
                    v = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * hi * hj)
                est.append(v)
            H[i, j] = H[j, i] = _extrapolate(est)
    return H


def richardson_jacobian(f, x, *, d: float = 1e-4, r: int = 4) -> np.ndarray:
    """Jacobian (columns = parameters) of a vector function with Richardson extrapolation."""
    x = np.asarray(x, float)
    k = len(x)
    h0 = np.where(np.abs(x) < np.sqrt(np.finfo(float).eps / 7e-7), 1e-4, np.abs(d * x))
    cols = []
    for i in range(k):
        est = []
        for m in range(r):
            h = h0[i] / 2 ** m
            e = np.eye(k)[i] * h
            est.append((np.ravel(f(x + e)) - np.ravel(f(x - e))) / (2 * h))
        cols.append(_extrapolate(est))
    return np.column_stack(cols)


def _extrapolate(est):
    a = [np.asarray(e, float) for e in est]
    for m in range(1, len(a)):
        fac = 4.0 ** m
        a = [(fac * a[i + 1] - a[i]) / (fac - 1) for i in range(len(a) - 1)]
    return a[0]


def satterthwaite(design: Design, fitted: Fit, L) -> tuple[float, float, float]:
    """Estimate, SE and Satterthwaite df of ``L' beta`` (lmerTest's ``contest1D``).

    The asymptotic covariance of ``(theta, sigma)`` is twice the (pseudo-)inverse Hessian of the
    unprofiled REML deviance; the gradient of ``L' V(beta) L`` is taken numerically (Richardson),
    as lmerTest does with numDeriv.
    """
    L = np.asarray(L, float)
    vp = np.concatenate([fitted.theta, [np.sqrt(fitted.sigma2)]])
    H = richardson_hessian(design.deviance_varpar, vp, d=0.1)
    w, Q = np.linalg.eigh(H)
    pos = w > 1e-8
    A = 2 * (Q[:, pos] / w[pos]) @ Q[:, pos].T
    Jc = richardson_jacobian(lambda v: design.covbeta_varpar(v), vp)
    p = len(fitted.beta)
    grad = np.array([L @ Jc[:, i].reshape(p, p) @ L for i in range(len(vp))])
    var = float(L @ fitted.vcov @ L)
    df = 2 * var ** 2 / float(grad @ A @ grad)
    return float(L @ fitted.beta), float(np.sqrt(var)), df
