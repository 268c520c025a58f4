"""Whole-pipeline measures: 1M-response import + validate + score, scaling 1k..1M, and the demo.

Each measure runs in a fresh subprocess so that peak RSS (``ru_maxrss``) is the measure's own,
and each has a baseline measured in the same run:

- import + validate + score of N responses (a generic CSV with one header row, the stress set's
  format) against ``pandas.read_csv`` of the same file; goal <= 2x, peak RSS <= 1 GB at 1M (issue 24);
- the same at 1k, 10k, 100k, 1M responses (seconds and MB), to show where cost is linear;
- ``mentorassess demo`` end to end against ``python -c "import pandas, matplotlib, reportlab"``
  (the import floor of any run); goal < 20 s.

Run alone: ``python benchmarks/bench_pipeline.py [--quick]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
mode, path = sys.argv[1], sys.argv[2]
import pandas as pd
if mode != "read_csv":
    from mentorassess.io import read_export
    from mentorassess.scoring import score
t0, c0 = time.perf_counter(), time.process_time()  # libraries are loaded on both sides before timing
if mode == "read_csv":
    df = pd.read_csv(path)
    n = len(df)
else:
    res = read_export(path, "mca-26")
    s = score(res.responses, "mca-26")
    n = len(s.scores)
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
# VmHWM is this process's own peak (ru_maxrss would include the parent's size at fork)
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({{"seconds": seconds, "cpu_seconds": cpu, "rows": n, "peak_mb": hwm / 1024}}))
"""


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _child(mode: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(ROOT)), mode, str(path)], env=_env(),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _stress_file(folder: Path, n: int) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from datagen import responses_of_size, write_canonical_csv

    df = responses_of_size(n).drop(columns=["submitted_at", "source_row"])
    return write_canonical_csv(df, folder / f"stress_{n}.csv")


def measure_stress(quick: bool) -> list[dict]:
    sizes = [1_000, 5_000] if quick else [1_000, 10_000, 100_000, 1_000_000]
    rows = [["responses", "mentorassess s", "read_csv s", "ratio", "mentorassess MB", "read_csv MB", "s per 1k"]]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = _stress_file(Path(tmp), n)
            base = _child("read_csv", path)
            ours = _child("mentorassess", path)
            ratio = ours["seconds"] / base["seconds"]
            rows.append([f"{n:,}", f"{ours['seconds']:.2f}", f"{base['seconds']:.2f}", f"{ratio:.1f}",
                         f"{ours['peak_mb']:.0f}", f"{base['peak_mb']:.0f}", f"{ours['seconds'] / n * 1000:.3f}"])
            if n == sizes[-1]:
                results.append({"name": f"import + validate + score ({n:,} responses, generic CSV)",
                                "seconds": ours["seconds"], "baseline": "pandas.read_csv",
                                "baseline_seconds": base["seconds"], "ratio": ratio, "peak_mb": ours["peak_mb"],
                                "goal": "<= 2x read_csv, <= 1 GB", "met": ratio <= 2 and ours["peak_mb"] <= 1024,
                                "note": f"read_csv peak {base['peak_mb']:.0f} MB; {os.path.getsize(path) / 2**20:.0f} MB file; "
                                        f"CPU ratio {ours['cpu_seconds'] / base['cpu_seconds']:.2f} (less sensitive "
                                        "to other load than the wall ratio; the SHA-256 thread counts in it)"})
            path.unlink()
    results.append({"name": "scaling: import + validate + score", "table": rows})
    return results


def measure_demo(quick: bool) -> list[dict]:
    repeat = 1 if quick else 3
    base_times, times = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pandas, matplotlib, reportlab, scipy, openpyxl"], env=_env(),
                       check=True)
        base_times.append(time.perf_counter() - t0)
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "mentorassess", "demo", "--out", str(Path(tmp) / "demo")],
                           env=_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - t0)
    t, b = min(times), min(base_times)
    return [{"name": "mentorassess demo (end to end)", "seconds": t, "baseline": "import of the libraries",
             "baseline_seconds": b, "ratio": t / b, "goal": "< 20 s", "met": t < 20,
             "note": f"best of {repeat}; 80 feedback PDFs, 4 psychometric reports, program PDF, workbook"}]


def measure_consortium(quick: bool) -> list[dict]:
    """`mentorassess run` on a consortium (2,000 mentors, ~28,000 responses, Qualtrics exports)."""
    import shutil

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from datagen import consortium_exports

    n = 60 if quick else 2000
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        consortium_exports(data, n_mentors=n)
        shutil.copy(ROOT / "data" / "sample" / "program.yaml", data / "program.yaml")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pandas as pd, sys; pd.read_csv(sys.argv[1], skiprows=[1, 2]); "
                        "pd.read_excel(sys.argv[2], skiprows=[1, 2])", str(data / "qualtrics_mentee.csv"),
                        str(data / "qualtrics_self.xlsx")], env=_env(), check=True)
        base = time.perf_counter() - t0
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mentorassess", "run", str(data / "program.yaml"), "--out",
                        str(Path(tmp) / "out")], env=_env(), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        t = time.perf_counter() - t0
        summary = json.loads((Path(tmp) / "out" / "run-summary.json").read_text(encoding="utf-8"))
    reports = sum(1 for o in summary["outputs"] if o["path"].startswith("feedback/"))
    return [{"name": f"mentorassess run: consortium ({n:,} mentors, {summary['counts']['responses']:,} responses)",
             "seconds": t, "baseline": "reading the two exports with pandas", "baseline_seconds": base,
             "ratio": t / base, "goal": "<= 30 s or <= 25x", "met": t <= 30 or t / base <= 25,
             "note": f"{reports:,} feedback PDFs, psychometrics, program PDF, workbook"}]


def run(quick: bool = False) -> list[dict]:
    return measure_stress(quick) + measure_consortium(quick) + measure_demo(quick)


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    for r in run(quick):
        print(json.dumps(r, indent=None))
