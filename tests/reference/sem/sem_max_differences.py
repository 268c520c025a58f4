"""Largest |Python - R| per statistic for issue 20 (FIML, MLR, syntax models, invariance, edges).

Run from the repository root: ``PYTHONPATH=. python tests/reference/sem/sem_max_differences.py``.
Prints a Markdown table for the closing note; the tests assert the tolerances.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from mentorassess.stats.cfa import fit_cfa
from mentorassess.stats.efa import fit_efa
from mentorassess.stats.factors import estimate_kmo
from mentorassess.stats.omega import estimate_omega
from mentorassess.stats.sem import fit_sem
from mentorassess.stats.sem.invariance import longitudinal_invariance, measurement_invariance
from mentorassess.stats.sem.omega import bifactor_omega

HERE = Path(__file__).parent
M = "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9"
rows: dict[tuple[str, str], float] = {}


def note(stat: str, rname: str, value: float) -> None:
    key = (stat, rname)
    rows[key] = max(rows.get(key, 0.0), float(value))


def num(v):
    return np.nan if v in ("NA", None) else float(v)


def compare(fit, r, stat, rname, fit_keys=None, params=True):
    fm = fit.fit_measures()
    for k, v in r["fit"].items():
        if (fit_keys is None or k in fit_keys) and np.isfinite(num(v)) and k in fm:
            big = k in ("chisq", "baseline.chisq", "chisq.scaled", "baseline.chisq.scaled", "logl",
                        "unrestricted.logl", "aic", "bic")
            note(f"{stat}: {'chi-square, logl, AIC, BIC (relative)' if big else 'fit indices'}",
                 rname, abs(fm[k] - num(v)) / (abs(num(v)) if big else 1))
    if not params:
        return
    p = fit.parameters
    lab = {g: i + 1 for i, g in enumerate(fit.groups)}
    tab = {(a, o, b, lab[g]): (e, s) for a, o, b, g, e, s in zip(p["lhs"], p["op"], p["rhs"], p["group"], p["est"], p["se"])}
    par = r["par"]
    for a, o, b, g, e, s in zip(par["lhs"], par["op"], par["rhs"], par["group"], par["est"], par["se"]):
        key = (a, o, "", int(g)) if o == "~1" else (a, o, b, int(g))
        key = key if key in tab else (b, o, a, int(g))
        if key not in tab:
            continue
        note(f"{stat}: estimates", rname, abs(tab[key][0] - num(e)))
        if np.isfinite(num(s)):
            note(f"{stat}: standard errors", rname, abs(tab[key][1] - num(s)))


def main() -> None:
    warnings.simplefilter("ignore")
    global R, EDGES
    R = json.loads((HERE / "sem.json").read_text())
    EDGES = json.loads((HERE.parent / "edges" / "edges.json").read_text())
    hs, hm = pd.read_csv(HERE / "hs_school.csv"), pd.read_csv(HERE / "hs_missing.csv")
    compare(fit_sem(hs, M), R["ml"], "CFA ML", "lavaan cfa()")
    compare(fit_sem(hs, M, estimator="MLR"), R["mlr"], "CFA MLR", 'cfa(estimator = "MLR")')
    compare(fit_sem(hm, M, missing="fiml"), R["fiml"], "CFA FIML", 'cfa(missing = "ml")')
    compare(fit_sem(hm, M, missing="fiml", estimator="MLR"), R["fiml_mlr"], "CFA FIML + MLR",
            'cfa(missing = "ml", estimator = "MLR")')
    lk = pd.read_csv(HERE / "likert_missing.csv")
    LM = "comm =~ mca01 + mca02 + mca03 + mca04\n expect =~ mca05 + mca06 + mca07 + mca08"
    for case, kw in {"fiml": dict(missing="fiml"), "fiml_mlr": dict(missing="fiml", estimator="MLR"),
                     "listwise_mlr": dict(estimator="MLR"), "mg_fiml_configural": dict(missing="fiml", group="form"),
                     "mg_fiml_scalar": dict(missing="fiml", group="form", group_equal=("loadings", "intercepts"))}.items():
        compare(fit_sem(lk, LM, **kw), R["likert"][case], "simulated Likert with missing (FIML, MLR, multigroup FIML)",
                "cfa(missing = \"ml\", estimator, group)")
    models = {"cross": M + "\n visual =~ x9", "resid": M + "\n x7 ~~ x8\n x1 ~~ x4",
              "second": M + "\n g =~ visual + textual + speed",
              "fixed": "visual =~ x1 + 0.6*x2 + x3\n textual =~ x4 + x5 + x6\n visual ~~ 0*textual"}
    for k, syn in models.items():
        compare(fit_sem(hs, syn), R["models"][k], "syntax models (cross-loading, correlated residuals, second-order, fixed)", "lavaan cfa()")
    bif = "g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9\n s1 =~ x1 + x2 + x3\n s2 =~ x4 + x5 + x6\n s3 =~ x7 + x8 + x9"
    fb = fit_sem(hs, bif, std_lv=True, orthogonal=True)
    compare(fb, R["models"]["bifactor"], "bifactor model", "cfa(std.lv = TRUE, orthogonal = TRUE)")
    om = bifactor_omega(fb, hs)
    for a, b in (("omega_h", "omega_h"), ("omega_total", "omega_t"), ("omega_h_model", "omega_h_model"),
                 ("omega_total_model", "omega_t_model")):
        note("bifactor omega_h / omega_t", "formula on standardizedSolution(fit)", abs(getattr(om, a) - R["bifactor_omega"][b]))
    for est in ("ML", "MLR"):
        r = R["invariance"][est]
        res = measurement_invariance(hs, M, group="school", estimator=est)
        for s in ("configural", "metric", "scalar", "strict"):
            compare(res.fits[s], r[s], f"invariance {est}", "cfa(group.equal = )")
        t = res.to_frame()
        rd = np.array(r["lrt"]["chisq_diff"])
        note(f"invariance {est}: difference test" + (" (Satorra-Bentler 2001)" if est == "MLR" else "") + " (relative)",
             "lavTestLRT()", float(np.max(np.abs(t["chisq_diff"].iloc[1:].to_numpy() - rd) / rd)))
        note(f"invariance {est}: difference p-value", "lavTestLRT()",
             float(np.max(np.abs(t["pvalue_diff"].iloc[1:].to_numpy() - np.array(r["lrt"]["p"])))))
        if est == "ML":
            note("invariance ML: RMSEA of the difference", "lavTestLRT()",
                 float(np.max(np.abs(t["rmsea_diff"].iloc[1:].to_numpy() - np.array(r["lrt"]["rmsea"])))))
        part = measurement_invariance(hs, M, group="school", estimator=est, steps=("configural", "scalar"), partial=("x3~1", "x7~1"))
        compare(part.fits["scalar"], r["partial"], f"partial invariance {est}", "group.partial")
    lo = longitudinal_invariance(pd.read_csv(HERE / "long.csv"), "F =~ i1 + i2 + i3 + i4")
    for s in ("configural", "metric", "scalar", "strict"):
        # measEq.syntax identifies means/intercepts differently (equivalent model): compare the fit only
        compare(lo.fits[s], R["longitudinal"][s], "longitudinal invariance", "measEq.syntax(longFacNames, long.equal)",
                params=False)
    note("longitudinal invariance: difference test (absolute)", "lavTestLRT()",
         float(np.max(np.abs(lo.to_frame()["chisq_diff"].iloc[1:].to_numpy() - np.array(R["longitudinal"]["lrt"]["chisq_diff"])))))
    # edges
    E = HERE.parent / "edges"
    note("KMO, duplicated item (psych fallback, warning)", "psych::KMO", abs(estimate_kmo(pd.read_csv(E / "kmo_duplicate.csv")).msa - EDGES["kmo_duplicate"]["msa"]))
    x = pd.read_csv(E / "small_n.csv")
    for nf, k in ((1, "fa1"), (3, "fa3")):
        note("EFA uniquenesses, n < items (warning)", "psych::fa", float(np.max(np.abs(fit_efa(x, nf).uniquenesses - EDGES["small_n"][k]["uniq"]))))
    o = estimate_omega(x, n_factors=3)
    note("omega, n < items (warning)", "psych::omega", max(abs(o.omega_h - EDGES["small_n"]["omega"]["omega_h"]), abs(o.omega_total - EDGES["small_n"]["omega"]["omega_t"])))
    h = pd.read_csv(E / "heywood.csv")
    o = estimate_omega(h, n_factors=3)
    note("omega, Heywood solution (warning)", "psych::omega", max(abs(o.omega_h - EDGES["heywood"]["omega_h"]), abs(o.omega_total - EDGES["heywood"]["omega_t"])))
    hs9 = pd.read_csv(HERE.parent / "psych" / "hs1939.csv")
    for case in EDGES["misassigned"]:
        it = case["items"]
        f = fit_cfa(hs9, {"a": it[:3], "b": it[3:6], "c": it[6:]})
        note("misspecified CFA chi-square (40 models, relative)", "lavaan cfa()", abs(f.chisq - case["chisq"]) / case["chisq"])
    print("| statistic | R counterpart | largest difference |\n|---|---|---|")
    for (stat, rname), v in rows.items():
        print(f"| {stat} | {rname} | {v:.1e} |")


if __name__ == "__main__":
    main()
