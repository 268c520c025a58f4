"""Time the ordinal statistics on 2,000 x 26 simulated MCA-26 responses against lavaan.

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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _data(n: int):
    from bench_psychometrics import simulate

    d, ins = simulate(n, 0.0)
    model = {c.id: list(c.items) for c in ins.competencies}
    items = [i for v in model.values() for i in v]
    return d[items], model


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def run(quick: bool = False) -> list[dict]:
    from mentorassess.stats.ordinal import cfa_wlsmv, polychoric

    n = 500 if quick else 2_000
    x, model = _data(n)
    warnings.simplefilter("ignore")
    repeat = 1 if quick else 3
    t_poly, _ = _best(lambda: polychoric(x), repeat)
    t_fit, fit = _best(lambda: cfa_wlsmv(x, model), repeat)
    rows = [{"name": f"polychoric matrix ({n:,} x 26)", "seconds": t_poly, "goal": "<= 0.25x R lavCor"},
            {"name": f"WLSMV CFA, 6 factors ({n:,} x 26)", "seconds": t_fit, "goal": "<= 0.25x R lavaan"}]
    rscript = shutil.which("Rscript")
    if rscript is None:
        for r in rows:
            r["note"] = "R not installed: ratio skipped"
        return rows
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "ordinal.csv"
        x.to_csv(csv, index=False)
        out = subprocess.run([rscript, str(Path(__file__).with_suffix(".R")), str(csv)], capture_output=True,
                             text=True, check=True).stdout
    r_poly = float(re.search(r"polychoric: ([0-9.]+) s", out).group(1))
    r_fit = float(re.search(r"WLSMV: ([0-9.]+) s", out).group(1))
    m = re.search(r"chisq.scaled ([0-9.]+) cfi.scaled ([0-9.]+) cfi.robust ([0-9.]+)", out)
    diff = max(abs(fit.fit["chisq.scaled"] - float(m.group(1))), abs(fit.fit["cfi.scaled"] - float(m.group(2))),
               abs(fit.fit["cfi.robust"] - float(m.group(3))))
    for row, base, label in ((rows[0], r_poly, "R lavaan lavCor (pairwise)"),
                             (rows[1], r_fit, "R lavaan cfa(ordered = TRUE) + fitMeasures")):
        row.update(baseline=label, baseline_seconds=base, ratio=row["seconds"] / base, met=row["seconds"] / base <= 0.25)
    rows[1]["note"] = f"largest |difference| to lavaan in chisq.scaled, cfi.scaled, cfi.robust: {diff:.1e}"
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
    t, _ = _best(lambda: polychoric(x), 3)
    print(f"polychoric {args.n} x 26: {t:.2f} s")
    t, fit = _best(lambda: cfa_wlsmv(x, model), 3)
    print(f"WLSMV CFA {args.n} x 26: {t:.2f} s (chisq.scaled {fit.fit['chisq.scaled']:.6f})")


if __name__ == "__main__":
    main()
