"""Print the largest |Python - R| difference per statistic over all reference data sets.

Run from the repository root: ``python tests/reference/psych/max_differences.py``. Used for the
table in the issue's closing note; the tests assert the tolerances.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from mentorassess.stats.cfa import fit_cfa
from mentorassess.stats.efa import fit_efa
from mentorassess.stats.factors import bartlett_sphericity, estimate_kmo, parallel_analysis
from mentorassess.stats.omega import estimate_omega
from mentorassess.stats.reliability import estimate_alpha, estimate_reliability
from tests._psych_ref import arr, data, maxdiff, reference, rmat
from tests.test_cfa import AC, HS
from tests.test_reliability import DROP_MAP, ITEM_MAP, MCA_BLOCKS, TOTAL_MAP

warnings.simplefilter("ignore")
ref = reference()
rows: dict[str, float] = {}


def note(key: str, value: float) -> None:
    rows[key] = max(rows.get(key, 0.0), float(value))


def alpha_cmp(res, r):
    note("alpha (raw, std, G6, average r, ase, ...)", max(abs(getattr(res, o) - r["total"][t]) for o, t in TOTAL_MAP.items()))
    note("alpha item stats (r, r.cor, r.drop, ...)", max(maxdiff(res.item_stats[o], arr(r["item_stats"][t])) for o, t in ITEM_MAP.items()))
    note("alpha if item dropped", max(maxdiff(res.alpha_drop[o], arr(r["alpha_drop"][t])) for o, t in DROP_MAP.items()))
    lo, hi = res.confidence_interval()
    note("alpha Feldt CI", max(abs(lo - r["feldt"][0]), abs(hi - r["feldt"][1])))


bfi = data("bfi.csv")
alpha_cmp(estimate_alpha(bfi[[f"A{i}" for i in range(1, 6)]], keys=["A1"]), ref["bfi"]["alpha_A"])
alpha_cmp(estimate_alpha(bfi[[f"C{i}" for i in range(1, 6)]], keys=["C4", "C5"]), ref["bfi"]["alpha_C"])
alpha_cmp(estimate_alpha(bfi[["A2", "A3"]]), ref["bfi"]["alpha_2items"])
mca = data("mca26_mentee_pre.csv")
for name, res in estimate_reliability(mca, MCA_BLOCKS).scales.items():
    alpha_cmp(res, ref["mca"]["alpha"][name])
items = [i for v in MCA_BLOCKS.values() for i in v]
mx = mca[items].loc[mca[items].notna().any(axis=1)]

for x, r, nf in [(bfi, ref["bfi"]["omega5"], 5), (bfi, ref["bfi"]["omega3"], 3), (mx, ref["mca"]["omega6"], 6)]:
    o = estimate_omega(x, n_factors=nf)
    note("omega_h, omega_t (psych::omega)", max(abs(o.omega_h - r["omega_h"]), abs(o.omega_total - r["omega_t"])))
    note("omega Schmid-Leiman loadings", maxdiff(o.loadings.to_numpy(), rmat(r["sl"]).to_numpy()))
for x, r in [(bfi, ref["bfi"]), (mx, ref["mca"])]:
    k = estimate_kmo(x)
    note("KMO overall and per item", max(abs(k.msa - r["kmo"]["msa"]), maxdiff(k.msa_items, arr(r["kmo"]["msai"]))))
    b = bartlett_sphericity(x)
    note("Bartlett chi2 (relative)", abs(b.chisq - r["bartlett"]["chisq"]) / r["bartlett"]["chisq"])
for x, r in [(bfi, ref["bfi"]["parallel"]), (data("clearcut.csv"), ref["clearcut"]["parallel"]), (mx, ref["mca"]["parallel"])]:
    p = parallel_analysis(x, n_iter=20, rng=42)
    note("parallel analysis observed eigenvalues", max(maxdiff(p.pc_values, arr(r["pc_values"])), maxdiff(p.fa_values, arr(r["fa_values"]))))
    note("parallel analysis nfact/ncomp mismatches", int(p.n_factors != r["nfact"]) + int(p.n_components != r["ncomp"]))
for case, r in ref["bfi"]["fa"].items():
    fm, rot = case.split("_")
    f = fit_efa(bfi, 1 if rot == "1" else 5, method=fm, rotation="oblimin" if rot == "1" else rot)
    note("EFA loadings", maxdiff(f.loadings, rmat(r["loadings"]).to_numpy()))
    note("EFA communalities / uniquenesses", max(maxdiff(f.communalities, arr(r["communality"])), maxdiff(f.uniquenesses, arr(r["uniquenesses"]))))
    if "phi" in r:
        note("EFA factor correlations", maxdiff(f.phi, rmat(r["phi"]).to_numpy()))
f6 = fit_efa(mx, 6)
note("EFA loadings", maxdiff(f6.loadings, rmat(ref["mca"]["fa6"]["loadings"]).to_numpy()))
note("EFA factor correlations", maxdiff(f6.phi, rmat(ref["mca"]["fa6"]["phi"]).to_numpy()))

chi_like = {"chisq", "baseline.chisq", "logl", "unrestricted.logl", "aic", "bic"}
for fit, r in [(fit_cfa(data("hs1939.csv"), HS), ref["hs"]["cfa"]), (fit_cfa(data("hs1939.csv"), HS, std_lv=True), ref["hs"]["cfa_std_lv"]),
               (fit_cfa(bfi, AC), ref["bfi"]["cfa_AC"]), (fit_cfa(mca, MCA_BLOCKS), ref["mca"]["cfa"]),
               (fit_cfa(data("mca26_simulated.csv"), MCA_BLOCKS), ref["mca_sim"]["cfa"])]:
    fm = fit.fit_measures()
    note("CFA chi2, logl, AIC, BIC (relative)", max(abs(fm[k] - r["fit"][k]) / abs(r["fit"][k]) for k in chi_like))
    note("CFA CFI, TLI, RMSEA (+CI, p-close), SRMR, GFI", max(abs(fm[k] - r["fit"][k]) for k in r["fit"] if k not in chi_like))
    std = pd.DataFrame(r["std"]).merge(fit.parameters, on=["lhs", "op", "rhs"], suffixes=("_r", ""))
    note("CFA std.all estimates", (std["est_std"] - std["std_all"]).abs().max())
    note("CFA std.all SEs", (std["se_r"] - std["std_all_se"]).abs().max())
    est = pd.DataFrame(r["est"]).merge(fit.parameters, on=["lhs", "op", "rhs"], suffixes=("_r", ""))
    note("CFA unstandardized estimates and SEs", max((est["est_r"] - est["est"]).abs().max(), (est["se_r"] - est["se"]).abs().max()))
    cr = fit.composite_reliability()
    note("compRelSEM omega per factor", max(abs(cr[k] - v) for k, v in r["comprel"].items()))
    if fit.n_obs != 50:
        mi = pd.DataFrame(r["mi"]).merge(fit.modindices, on=["lhs", "op", "rhs"], suffixes=("_r", ""))
        note("CFA modification indices (relative)", ((mi["mi_r"] - mi["mi"]).abs() / np.maximum(mi["mi_r"], 1)).max())
    res = rmat(r["resid_cor"])
    rc = fit.residual_correlations(top=None)
    note("CFA residual correlations", max(abs(row.residual - res.loc[row.item1, row.item2]) for row in rc.itertuples()))

width = max(map(len, rows))
for k, v in rows.items():
    print(f"{k:{width}s}  {v:.1e}")
