"""Print the largest |difference| to R per statistic (the table in docs/ordinal.md).

Run from the worktree root: ``PYTHONPATH=. python tests/reference/ordinal/ordinal_max_differences.py``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from mentorassess.stats.ordinal import cfa_wlsmv, ordinal_invariance, ordinal_reliability, polychoric
from mentorassess.stats.ordinal._data import prepare
from mentorassess.stats.ordinal._estimate import two_step

HERE = Path(__file__).parent


def data(name):
    if name == "bfi":
        b = pd.read_csv(HERE.parent / "psych" / "bfi.csv")[[f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]]
        for c in ("A1", "C4", "C5"):
            b[c] = 7 - b[c]
        return b
    return pd.read_csv(HERE / f"{name}.csv")


def parse(m):
    return {f.strip(): [x.strip() for x in rhs.split("+")] for f, rhs in (line.split("=~") for line in m.split("\n"))}


def main() -> None:
    R = json.loads((HERE / "reference.json").read_text())
    warnings.simplefilter("ignore")
    rows: dict[str, float] = {}


    def note(key, v):
        if v is None or not np.isfinite(v):
            return
        rows[key] = max(rows.get(key, 0.0), float(v))


    for name in ("ord24", "sim5", "sim7", "bin"):
        p = R[name]["poly"]
        res = polychoric(data(name))
        note("thresholds | lavCor", np.abs(np.concatenate([res.thresholds[i] for i in res.items]) - list(p["lavaan_th"].values())).max())
        note("polychoric | lavCor", np.abs(res.correlation - np.array(p["lavaan_cor"])).max())
        if name != "bin":  # psych has no 2 x 2 zero-cell rule with correct = 0 (see docs/ordinal.md)
            note("polychoric | psych correct = 0", np.abs(res.correlation - np.array(p["psych_rho_correct0"])).max())
        if name != "bin":
            a = ordinal_reliability(data(name)).to_frame().loc[0, "alpha_ordinal"]
            note("ordinal alpha | alpha on lavCor", abs(a - p["alpha_lavaan"]))
            note("ordinal alpha | psych::alpha(polychoric(x, correct = 0)$rho)", abs(a - p["alpha_psych_correct0"]))
    for name in ("ord24", "sim5"):
        g = two_step(prepare(data(name), what="t", listwise=True), nacov=True).gamma
        note("NACOV | lavInspect(fit, 'gamma')", np.abs(g - np.array(R[name]["wlsmv"]["gamma"])).max())
    for name, key in (("sim7", "wlsmv"), ("sim7", "wlsmv_2f"), ("sim5", "wlsmv"), ("ord24", "wlsmv"), ("bfi", "wlsmv"), ("heywood", "wlsmv")):
        w = R[name][key]
        fit = cfa_wlsmv(data(name), parse(w["model"]))
        pe = pd.DataFrame(w["params"])
        m = pe[pe.op.isin(["=~", "|", "~~"])].merge(fit.to_frame(), on=["lhs", "op", "rhs"], suffixes=("_r", ""))
        note("WLSMV estimates | parameterEstimates", np.abs(m.est - m.est_r).max())
        note("WLSMV std.all | parameterEstimates", np.abs(m.std_all - m.std_all_r).max())
        ok = m.se_r > 0
        note("WLSMV robust SEs | parameterEstimates", np.abs(m.se[ok] - m.se_r[ok]).max())
        for k in ("chisq", "chisq.scaled", "baseline.chisq", "baseline.chisq.scaled"):
            note("chi-squares (T, T_ss, baseline) | fitMeasures", abs(fit.fit[k] - w["fit"][k]))
        if w["fit"]["df"] > 0:
            note("1/a, b | fitMeasures, lavInspect(fit, 'test')", max(abs(fit.fit["chisq.scaling.factor"] - w["fit"]["chisq.scaling.factor"]),
                                                                        abs(fit.fit["chisq.shift.parameter"] - w["shift"])))
        for k in ("cfi", "tli", "rmsea", "cfi.scaled", "tli.scaled", "rmsea.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled"):
            if w["fit"][k] is not None:
                note("CFI/TLI/RMSEA (+ CI), unscaled and scaled | fitMeasures", abs(fit.fit[k] - w["fit"][k]))
        for k in ("cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust"):
            if w["fit"][k] is not None:
                note("CFI/TLI/RMSEA (+ CI) robust (catML) | fitMeasures", abs(fit.fit[k] - w["fit"][k]))
        note("SRMR | fitMeasures", abs(fit.fit["srmr"] - w["fit"]["srmr"]))
        if name != "heywood":
            rel = ordinal_reliability(data(name), parse(w["model"])).to_frame().set_index("scale")
            for f, v in w["compRelSEM_latent"].items():
                note("omega (latent) | compRelSEM(ord.scale = FALSE)", abs(rel.loc[f, "omega_ordinal_latent"] - v))
            for f, v in w["compRelSEM_ordscale"].items():
                note("omega (observed, Green-Yang) | compRelSEM()", abs(rel.loc[f, "omega_ordinal_observed"] - v))

    print("| statistic | R counterpart | largest difference |\n|---|---|---|")
    for k, v in rows.items():
        s, r = k.split(" | ")
        print(f"| {s} | {r} | {v:.1e} |")

    # --- invariance (make_invariance.R) ---
    RI = json.loads((HERE / "invariance.json").read_text())
    inv_rows: dict[str, float] = {}
    for name, file, model, group in (("bfi", "bfi_gender.csv", {"agree": ["A1", "A2", "A3", "A4", "A5"]}, "gender"),
                                     ("sim", "sim_groups.csv", {"f1": ["m1", "m2", "m3"], "f2": ["m4", "m5", "m6"]}, "form")):
        res = ordinal_invariance(pd.read_csv(HERE / file), model, group)
        tab = res.to_frame().set_index("step")
        for step, m in RI[name]["models"].items():
            f = m["fit"]
            for mine, theirs, key in (("chisq", "chisq", "chi-square, scaled chi-square"), ("chisq_scaled", "chisq.scaled", "chi-square, scaled chi-square"),
                                      ("cfi_scaled", "cfi.scaled", "CFI/TLI/RMSEA scaled, SRMR"), ("tli_scaled", "tli.scaled", "CFI/TLI/RMSEA scaled, SRMR"),
                                      ("rmsea_scaled", "rmsea.scaled", "CFI/TLI/RMSEA scaled, SRMR"), ("srmr", "srmr", "CFI/TLI/RMSEA scaled, SRMR")):
                inv_rows[key] = max(inv_rows.get(key, 0), abs(tab.loc[step, mine] - f[theirs]))
            inv_rows["shift b"] = max(inv_rows.get("shift b", 0), abs(tab.loc[step, "shift"] - m["shift"]))
            pe = pd.DataFrame(m["params"])
            pe = pe[pe.op.isin(["=~", "|", "~1", "~~"]) & (pe.group > 0)].copy()
            pe["group"] = [res.groups[g - 1] for g in pe.group]
            mm = pe.merge(res.estimates[step], on=["group", "lhs", "op", "rhs"], suffixes=("_r", ""))
            inv_rows["estimates"] = max(inv_rows.get("estimates", 0), float(np.abs(mm.est - mm.est_r).max()))
        for step, t in RI[name]["lrt"].items():
            inv_rows["satorra.2000 statistic"] = max(inv_rows.get("satorra.2000 statistic", 0), abs(tab.loc[step, "chisq_diff"] - t["chisq_diff"]))
            inv_rows["satorra.2000 p"] = max(inv_rows.get("satorra.2000 p", 0), abs(tab.loc[step, "pvalue_diff"] - t["pvalue"]))
    print("\n| invariance statistic | R counterpart | largest difference |\n|---|---|---|")
    for k, v in inv_rows.items():
        print(f"| {k} | measEq.syntax + cfa / lavTestLRT | {v:.1e} |")


if __name__ == "__main__":
    main()
