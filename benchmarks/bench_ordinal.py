"""Time the ordinal statistics (polychoric, WLSMV, invariance) on 2,000 x 26 simulated MCA-26 responses against lavaan.

Run: ``python benchmarks/bench_ordinal.py [--n 2000] [--csv out.csv]``; ``--csv`` writes the data
so that ``bench_ordinal.R`` can time lavaan on the same responses. ``run(quick)`` is the entry
for ``benchmarks/run.py``: polychoric matrix (pairwise) and WLSMV CFA with the six competency
factors, each against ``lavCor`` / ``cfa(..., ordered = TRUE)`` + ``fitMeasures`` in the same
run (skipped, with a note, when ``Rscript`` is absent). The row also reports how far the
scaled chi-square and CFIs are from lavaan's on these data.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _data(n: int):
    """Items of the MCA-26 simulation; 1 and 2 merged (1 is too rare to appear in both groups);
    ``form``: first half mentee, second half self (for the invariance measure)."""
    from bench_psychometrics import simulate

    d, ins = simulate(n, 0.0)
    model = {c.id: list(c.items) for c in ins.competencies}
    items = [i for v in model.values() for i in v]
    x = d[items].clip(lower=2)
    x["form"] = ["mentee" if i < n // 2 else "self" for i in range(n)]
    return x, model


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def run(quick: bool = False) -> list[dict]:
    from mentorassess.stats.ordinal import cfa_wlsmv, ordinal_invariance, polychoric

    n = 500 if quick else 2_000
    x, model = _data(n)
    items = [i for v in model.values() for i in v]
    warnings.simplefilter("ignore")
    repeat = 1 if quick else 3
    t_poly, _ = _best(lambda: polychoric(x[items]), repeat)
    t_fit, fit = _best(lambda: cfa_wlsmv(x[items], model), repeat)
    t_inv, inv = _best(lambda: ordinal_invariance(x, model, "form"), repeat)
    rows = [{"name": f"polychoric matrix ({n:,} x 26)", "seconds": t_poly, "goal": "<= 0.25x R lavCor"},
            {"name": f"WLSMV CFA, 6 factors ({n:,} x 26)", "seconds": t_fit, "goal": "<= 0.25x R lavaan"},
            {"name": f"ordinal invariance, 2 forms, 5 steps ({n:,} x 26)", "seconds": t_inv,
             "goal": "<= 0.25x R semTools + lavaan"}]
    rscript = shutil.which("Rscript")
    if rscript is None:
        for r in rows:
            r["note"] = "R not installed: ratio skipped"
        return rows
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "ordinal.csv"
        # --quick: lavaan's invariance takes minutes even on 500 rows; time it in full runs only
        (x.drop(columns="form") if quick else x).to_csv(csv, index=False)
        out = subprocess.run([rscript, str(Path(__file__).with_suffix(".R")), str(csv)], capture_output=True,
                             text=True, check=True).stdout
    r_poly = float(re.search(r"polychoric: ([0-9.]+) s", out).group(1))
    r_fit = float(re.search(r"WLSMV: ([0-9.]+) s", out).group(1))
    m = re.search(r"chisq.scaled ([0-9.]+) cfi.scaled ([0-9.]+) cfi.robust ([0-9.]+)", out)
    diff = max(abs(fit.fit["chisq.scaled"] - float(m.group(1))), abs(fit.fit["cfi.scaled"] - float(m.group(2))),
               abs(fit.fit["cfi.robust"] - float(m.group(3))))
    if quick:
        rows[2]["note"] = "--quick: R invariance not run (minutes); full runs compare it"
    for row, base, label in ((rows[0], r_poly, "R lavaan lavCor (pairwise)"),
                             (rows[1], r_fit, "R lavaan cfa(ordered = TRUE) + fitMeasures")):
        row.update(baseline=label, baseline_seconds=base, ratio=row["seconds"] / base, met=row["seconds"] / base <= 0.25)
    rows[1]["note"] = f"largest |difference| to lavaan in chisq.scaled, cfi.scaled, cfi.robust: {diff:.1e}"
    if quick:
        return rows
    r_inv = float(re.search(r"invariance: ([0-9.]+) s", out).group(1))
    d_lrt = [float(v) for v in re.search(r"invariance chisq diff (.*)", out).group(1).split()]
    d_cfi = [float(v) for v in re.search(r"invariance cfi.scaled (.*)", out).group(1).split()]
    tab = inv.to_frame()
    diff_inv = max(np.abs(tab["chisq_diff"].to_numpy()[1:] - d_lrt).max(), np.abs(tab["cfi_scaled"].to_numpy() - d_cfi).max())
    rows[2].update(baseline="R measEq.syntax + cfa x 5 + lavTestLRT", baseline_seconds=r_inv,
                   ratio=rows[2]["seconds"] / r_inv, met=rows[2]["seconds"] / r_inv <= 0.25)
    rows[2]["note"] = f"largest |difference| to lavaan in the 4 scaled difference tests and 5 scaled CFIs: {diff_inv:.1e}"
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--csv", default=None)
    args = ap.parse_args()
    x, model = _data(args.n)
    if args.csv:
        x.to_csv(args.csv, index=False)
    from mentorassess.stats.ordinal import cfa_wlsmv, polychoric

    warnings.simplefilter("ignore")
    from mentorassess.stats.ordinal import ordinal_invariance

    items = [i for v in model.values() for i in v]
    t, _ = _best(lambda: polychoric(x[items]), 3)
    print(f"polychoric {args.n} x 26: {t:.2f} s")
    t, fit = _best(lambda: cfa_wlsmv(x[items], model), 3)
    print(f"WLSMV CFA {args.n} x 26: {t:.2f} s (chisq.scaled {fit.fit['chisq.scaled']:.6f})")
    t, inv = _best(lambda: ordinal_invariance(x, model, "form"), 1)
    print(f"ordinal invariance {args.n} x 26: {t:.2f} s")
    print(inv.to_frame().to_string())


if __name__ == "__main__":
    main()
