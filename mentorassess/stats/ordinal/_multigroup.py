"""Multi-group ordinal CFA in the theta parameterization, with equality constraints (DWLS).

Per group g: y* = nu + Lambda eta + eps, Var(eps) = diag(theta), eta ~ N(alpha, Psi). The model
implies standardized thresholds (tau - mu*) / sqrt(diag Sigma*) and correlations
Sigma*_ij / sqrt(Sigma*_ii Sigma*_jj), with mu* = nu + Lambda alpha and
Sigma* = Lambda Psi Lambda' + Theta, Theta diagonal (theta) plus optional residual covariances
(``Spec.cov``: the same item measured at two waves, :mod:`.longitudinal`). Parameters are a spec of fixed values and free
indices; a shared index is an equality constraint. Derivatives use the complex step, which is
exact to machine precision for these analytic functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._estimate import TwoStep


@dataclass
class Spec:
    """Where each parameter of each group comes from: fixed value (index -1) or free index."""

    lam: list[np.ndarray]     # per group (p,) index
    tau: list[np.ndarray]     # per group (nth,) index
    nu: list[np.ndarray]      # per group (p,)
    theta: list[np.ndarray]   # per group (p,)
    alpha: list[np.ndarray]   # per group (m,)
    psi: list[np.ndarray]     # per group (m, m) symmetric index matrix
    fixed_lam: list[np.ndarray]
    fixed_tau: list[np.ndarray]
    fixed_nu: list[np.ndarray]
    fixed_theta: list[np.ndarray]
    fixed_alpha: list[np.ndarray]
    fixed_psi: list[np.ndarray]
    n_free: int
    #: per group (item pairs (k, 2), free index (k,), fixed value (k,)) of residual covariances
    cov: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None


@dataclass(frozen=True)
class GroupStats:
    s: np.ndarray        # (nth + pstar,) sample thresholds then correlations
    w: np.ndarray        # 1 / diag(NACOV)
    gamma: np.ndarray    # NACOV
    n: int
    nth: int
    ts: TwoStep


def group_stats(ts: TwoStep) -> GroupStats:
    th = np.concatenate(ts.thresholds)
    s = np.concatenate([th, ts.rho_vec])
    return GroupStats(s, 1.0 / np.diag(ts.gamma), ts.gamma, ts.n, th.size, ts)


def _take(idx: np.ndarray, fixed: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Parameter values for a batch x of shape (B, n_free): (B, len(idx))."""
    out = np.broadcast_to(fixed.astype(x.dtype), (x.shape[0], fixed.size)).copy()
    free = idx >= 0
    out[:, free] = x[:, idx[free]]
    return out


def implied(spec: Spec, g: int, x: np.ndarray, factor_of: np.ndarray, th_item: np.ndarray,
            pairs: np.ndarray) -> np.ndarray:
    """Implied (thresholds, correlations) of group g for x (n_free,) or a batch (B, n_free).

    Works with complex x (complex step).
    """
    single = x.ndim == 1
    xb = x[None, :] if single else x
    nb = xb.shape[0]
    lam = _take(spec.lam[g], spec.fixed_lam[g], xb)
    tau = _take(spec.tau[g], spec.fixed_tau[g], xb)
    nu = _take(spec.nu[g], spec.fixed_nu[g], xb)
    theta = _take(spec.theta[g], spec.fixed_theta[g], xb)
    alpha = _take(spec.alpha[g], spec.fixed_alpha[g], xb)
    m = spec.psi[g].shape[0]
    psi = _take(spec.psi[g].ravel(), spec.fixed_psi[g].ravel(), xb).reshape(nb, m, m)
    p = lam.shape[1]
    # Lambda Psi Lambda' for simple structure: lam_a lam_b psi[f(a), f(b)]
    pf = psi[:, factor_of][:, :, factor_of]
    sigma = lam[:, :, None] * lam[:, None, :] * pf
    sigma[:, np.arange(p), np.arange(p)] += theta
    if spec.cov is not None and len(spec.cov[g][0]):
        cp, cidx, cfix = spec.cov[g]
        c = _take(cidx, cfix, xb)
        sigma[:, cp[:, 0], cp[:, 1]] += c
        sigma[:, cp[:, 1], cp[:, 0]] += c
    mu = nu + lam * alpha[:, factor_of]
    d = 1.0 / np.sqrt(sigma[:, np.arange(p), np.arange(p)])
    th = (tau - mu[:, th_item]) * d[:, th_item]
    cor = sigma[:, pairs[:, 0], pairs[:, 1]] * d[:, pairs[:, 0]] * d[:, pairs[:, 1]]
    out = np.concatenate([th, cor], axis=1)
    return out[0] if single else out


def jacobian(fun, x: np.ndarray, h: float = 1e-30) -> np.ndarray:
    """Complex-step Jacobian, all perturbations in one batched call."""
    x = np.asarray(x, float)
    xc = np.broadcast_to(x.astype(complex), (x.size, x.size)).copy()
    xc[np.arange(x.size), np.arange(x.size)] += 1j * h
    return (fun(xc).imag / h).T


@dataclass(frozen=True)
class MGFit:
    x: np.ndarray
    deltas: tuple[np.ndarray, ...]     # per group Jacobian at x
    resid: tuple[np.ndarray, ...]
    f: float
    converged: bool
    iterations: int


def fit_dwls(spec: Spec, stats: list[GroupStats], x0: np.ndarray, factor_of, th_item, pairs,
             max_iter: int = 500) -> MGFit:
    """Gauss-Newton with step halving on F = sum_g (N_g - 1) sum w (s - sigma)^2 (lavaan's DWLS
    objective weights each group by (N_g - 1)/N_g * N_g/N; lav_model_objective.R)."""
    ntot = sum(s.n - 1 for s in stats)
    fg = [(s.n - 1) / ntot for s in stats]
    funs = [lambda z, g=g: implied(spec, g, z, factor_of, th_item, pairs) for g in range(len(stats))]

    def obj(x):
        return sum(fg[g] * float(np.sum(stats[g].w * (stats[g].s - funs[g](x).real) ** 2)) for g in range(len(stats)))

    x = x0.copy()
    cur = obj(x)
    conv = False
    it = 0
    for it in range(1, max_iter + 1):
        a = np.zeros((x.size, x.size))
        b = np.zeros(x.size)
        for g, st in enumerate(stats):
            d = jacobian(funs[g], x)
            e = st.s - funs[g](x).real
            a += fg[g] * d.T @ (st.w[:, None] * d)
            b += fg[g] * d.T @ (st.w * e)
        try:
            step = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(a, b, rcond=None)[0]
        t = 1.0
        while True:
            cand = x + t * step
            with np.errstate(invalid="ignore"):
                val = obj(cand)
            if (np.isfinite(val) and val <= cur) or t < 1e-10:
                break
            t /= 2.0
        small = np.max(np.abs(t * step)) < 1e-10 or abs(cur - val) <= 1e-16 * max(1.0, cur)
        if np.isfinite(val) and val <= cur:
            x, cur = cand, val
        if small:
            conv = True
            break
    deltas = tuple(jacobian(funs[g], x) for g in range(len(stats)))
    resid = tuple(stats[g].s - funs[g](x).real for g in range(len(stats)))
    return MGFit(x, deltas, resid, cur, conv, it)


def traces(deltas, stats: list[GroupStats], info_inv: np.ndarray) -> tuple[float, float]:
    """tr(U Gamma), tr((U Gamma)^2) as lavaan's lav_test_satorra_bentler_trace_original (0.6-13+).

    lavaan forms U = V - V D E^-1 D' V with V = bdiag(f_g W_g), Gamma = bdiag(Gamma_g / f_g);
    the traces are expanded here group by group (V diagonal, Gamma block diagonal), which gives
    the same numbers without the (sum of moments)^2 matrices.
    """
    ntot = sum(s.n for s in stats)
    t1 = t2 = 0.0
    a = np.zeros(info_inv.shape)
    b = np.zeros(info_inv.shape)
    for d, st in zip(deltas, stats):
        fg = st.n / ntot
        wg = st.w[:, None] * st.gamma            # W_g Gamma_g (= V_g Gamma'_g)
        t1 += float(np.trace(wg))
        t2 += float(np.sum(wg * wg.T))
        m = fg * st.w[:, None] * d                # M_g = V_g D_g
        gm = (st.gamma / fg) @ m                  # Gamma'_g M_g
        a += m.T @ gm
        b += gm.T @ (fg * st.w[:, None] * gm)
    ea = info_inv @ a
    return t1 - float(np.trace(ea)), t2 - 2.0 * float(np.sum(info_inv * b)) + float(np.sum(ea * ea.T))


def information(deltas, stats: list[GroupStats]) -> np.ndarray:
    ntot = sum(s.n for s in stats)
    return sum((st.n / ntot) * d.T @ (st.w[:, None] * d) for d, st in zip(deltas, stats))


def _bdiag(mats: list[np.ndarray]) -> np.ndarray:
    n = sum(m.shape[0] for m in mats)
    out = np.zeros((n, n))
    k = 0
    for m in mats:
        out[k:k + m.shape[0], k:k + m.shape[0]] = m
        k += m.shape[0]
    return out


def satorra_2000(fit1: MGFit, fit0: MGFit, stats: list[GroupStats], t1: float, t0: float, df1: int,
                 df0: int) -> dict[str, float]:
    """lavaan's lav_test_diff_Satorra2000(m1, m0, scaled.shifted = TRUE), A.method = "delta"."""
    m = df0 - df1
    d1 = np.vstack(fit1.deltas)
    d0 = np.vstack(fit0.deltas)
    h = np.linalg.pinv(d1) @ d0
    q, r = np.linalg.qr(h, mode="complete")
    rank = int(np.linalg.matrix_rank(h))
    a = q[:, rank:].T
    p_inv = np.linalg.inv(information(fit1.deltas, stats))
    apa = a @ p_inv @ a.T
    paap = p_inv @ a.T @ np.linalg.pinv(apa) @ a @ p_inv
    ntot = sum(s.n for s in stats)
    tr1 = 0.0
    amat = np.zeros(paap.shape)
    for dg, st in zip(fit1.deltas, stats):
        fg = st.n / ntot
        wd = st.w[:, None] * dg                    # W_g D_g
        gw = st.gamma @ wd
        tr1 += fg * float(np.sum(paap * (wd.T @ gw)))   # tr(W G W D P D')
        amat += fg * wd.T @ gw                          # M' Gamma_f M with M = V D1, V = bdiag(W_g)
    pa = paap @ amat
    tr2 = float(np.sum(pa * pa.T))
    aa = np.sqrt(m / tr2)
    b = m - aa * tr1
    return {"chisq_diff": float((t0 - t1) * aa + b), "df_diff": float(m), "a": float(aa), "b": float(b),
            "trace.UGamma": tr1, "trace.UGamma2": tr2}
