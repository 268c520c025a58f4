"""FIML-corrected robust CFI/TLI/RMSEA (Zhang & Savalei 2022), as lavaan 0.6-14 prints them as
``cfi.robust``, ``tli.robust``, ``rmsea.robust`` for ``missing = "ml"`` (R/lav_fit_utils.R,
``lav_fit_fiml_corrected``): version V6 with plain ML, V3 with a scaled test (MLR).

The model and the baseline are re-evaluated at their FIML estimates against the EM (saturated)
means and covariances as if those were complete-data statistics (T3, T3_0); the correction
factor k comes from the missing-data h1 information Wm (observed, unstructured), the
complete-data one Wc and, for V3, the first-order h1 information; c3 = k / df.
"""

from __future__ import annotations

import numpy as np

from mentorassess.stats.sem import estimate as E

__all__: list[str] = []


def _delta(model, x: np.ndarray, sat: E.Saturated) -> np.ndarray:
    """Jacobian of the saturated parameters (per group: vech Sigma, then means) w.r.t. x."""
    cols = []
    for g in range(model.ngroups):
        ds, dm = model.derivatives(x, g)
        part = [ds[:, sat.iu[0], sat.iu[1]]]
        if sat.meanstructure:
            part.append(dm)
        cols.append(np.concatenate(part, axis=1))
    return np.concatenate(cols, axis=1).T          # q_sat x q


def _k(model, x, sat, wm, wmi, wc, gamma, version) -> float:
    d = _delta(model, x, sat)
    einv = np.linalg.inv(d.T @ wm @ d)
    u = wm - wm @ d @ einv @ d.T @ wm
    if version == "V3":
        return float(np.trace(u @ wmi @ wc @ wmi @ u @ gamma))
    return float(np.trace(wc @ wmi @ u @ wmi))


def fiml_corrected(model, x: np.ndarray, base, xb: np.ndarray, sat: E.Saturated, x_sat: np.ndarray,
                   blocks: list, sig_h1: list, mu_h1: list, ng: list[int], df: int, df0: int,
                   version: str) -> dict[str, float]:
    ntotal = int(sum(ng))
    tilde = [E.Block(g, np.arange(s.shape[0]), ng[g], mu_h1[g], sig_h1[g], np.empty((0, s.shape[0])))
             for g, s in enumerate(sig_h1)]
    f_sat = E.objective(sat, x_sat, tilde, ntotal)
    t3 = ntotal * (E.objective(model, x, tilde, ntotal) - f_sat)
    t3_0 = ntotal * (E.objective(base, xb, tilde, ntotal) - f_sat)
    wm = E.saturated_information(sat, x_sat, blocks, ntotal)
    wmi = np.linalg.inv(wm)
    wc = E.expected_information(sat, x_sat, tilde, ntotal)
    gamma = None
    if version == "V3":
        sc = E.saturated_scores(sat, x_sat, blocks)
        gamma = wmi @ (sc.T @ sc / ntotal) @ wmi
    c3 = _k(model, x, sat, wm, wmi, wc, gamma, version) / df
    c3_0 = _k(base, xb, sat, wm, wmi, wc, gamma, version) / df0
    return {"t3": float(t3), "c3": c3, "t3_0": float(t3_0), "c3_0": c3_0}
