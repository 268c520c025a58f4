"""Whole-pipeline measures: 1M-response import + validate + score, scaling 1k..1M, and the demo.

Each measure runs in a fresh subprocess so that peak RSS (``ru_maxrss``) is the measure's own,
and each has a baseline measured in the same run:

- import + validate + score of N responses (a generic CSV with one header row, the stress set's
  format) against ``pandas.read_csv`` of the same file; goal <= 2x, peak RSS <= 1 GB at 1M (issue 24);
- the same at 1k, 10k, 100k, 1M responses (seconds and MB), to show where cost is linear;
- ``mentorassess demo`` end to end against ``python -c "import pandas, matplotlib, reportlab"``
  (the import floor of any run); goal < 20 s;
- ``mentorassess run`` on a consortium (2,000 mentors) against pandas reading its two exports
  (goal <= 30 s or <= 25x), and the staff workbook of that run written alone in one process (goal
  <= 5 s: in the run it is written in a worker beside the feedback reports, so this is what it
  would add if it ran after them).

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

_WORKBOOK = r"""
import json, sys, tempfile, time
sys.path.insert(0, {root!r})
from pathlib import Path
import mentorassess.pipeline as P
from mentorassess._run_import import import_all
from mentorassess._run_psych import _psych_plan, _psych_section
from mentorassess.aggregate import aggregate
from mentorassess.config import load_config
from mentorassess.io import read_roster
from mentorassess.release.manifest import read_manifest
from mentorassess.scoring import score
cfg, run_out = load_config(sys.argv[1]), Path(sys.argv[2])
roster = read_roster(cfg.roster) if cfg.roster else None
responses, reports = import_all(cfg, roster, jobs=1)
scores = score(responses, cfg.instrument)
profiles = aggregate(scores, rules=cfg.release_rules(), roster=roster)
tmp = Path(tempfile.mkdtemp())
ctx = P._Context(cfg=cfg, tmp=tmp, responses=responses, scores=scores, profiles=profiles, roster=roster,
                 import_reports=reports, report_date=P._report_date(cfg, responses), jobs=1, say=lambda m: None)
items = {{}}
for form, wave, skip, _ in _psych_plan(ctx):
    if skip is None:
        got = _psych_section(ctx, form, wave)[1]
        if got is not None:
            items[(form, wave)] = got
tables = P._program_tables(ctx)
manifest = read_manifest(run_out / "feedback")
runs = []
for k in range(int(sys.argv[3])):   # best of N (the machine's load varies); each into a fresh folder
    ctx.tmp = Path(tempfile.mkdtemp())
    t0, c0 = time.perf_counter(), time.process_time()
    P._write_workbook(ctx, items, tables, manifest)
    runs.append((time.perf_counter() - t0, time.process_time() - c0))
best = min(runs)
print(json.dumps({{"seconds": best[0], "cpu_seconds": best[1], "runs": [r[0] for r in runs],
                  "bytes": (ctx.tmp / "staff_workbook.xlsx").stat().st_size}}))
"""

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


def _listed(runs) -> str:
    return ", ".join(f"{r['seconds']:.2f}" for r in runs)


def measure_stress(quick: bool) -> list[dict]:
    sizes = [1_000, 5_000] if quick else [1_000, 10_000, 100_000, 1_000_000]
    rows = [["responses", "mentorassess s", "read_csv s", "ratio", "mentorassess MB", "read_csv MB", "s per 1k"]]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = _stress_file(Path(tmp), n)
            # the largest size: best of three, alternating (one run of either side varies by up to
            # 35 % on the project's shared VMs); the note lists every run
            pairs = [(_child("read_csv", path), _child("mentorassess", path))
                     for _ in range(3 if n == sizes[-1] and not quick else 1)]
            base = min((b for b, _ in pairs), key=lambda r: r["seconds"])
            ours = min((o for _, o in pairs), key=lambda r: r["seconds"])
            ours = dict(ours, peak_mb=max(o["peak_mb"] for _, o in pairs))  # the highest peak of any run
            ratio = ours["seconds"] / base["seconds"]
            rows.append([f"{n:,}", f"{ours['seconds']:.2f}", f"{base['seconds']:.2f}", f"{ratio:.1f}",
                         f"{ours['peak_mb']:.0f}", f"{base['peak_mb']:.0f}", f"{ours['seconds'] / n * 1000:.3f}"])
            if n == sizes[-1]:
                results.append({"name": f"import + validate + score ({n:,} responses, generic CSV)",
                                "seconds": ours["seconds"], "baseline": "pandas.read_csv",
                                "baseline_seconds": base["seconds"], "ratio": ratio, "peak_mb": ours["peak_mb"],
                                "goal": "<= 2x read_csv, <= 1 GB", "met": ratio <= 2 and ours["peak_mb"] <= 1024,
                                "note": f"best of {len(pairs)} (runs {_listed(o for _, o in pairs)} s; "
                                        f"read_csv {_listed(b for b, _ in pairs)} s); "
                                        f"read_csv peak {base['peak_mb']:.0f} MB; "
                                        f"{os.path.getsize(path) / 2**20:.0f} MB file; "
                                        f"CPU ratio {ours['cpu_seconds'] / base['cpu_seconds']:.2f} (the scan thread "
                                        "and the second half's parse count in it); peak: the highest of the runs"})
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
    """`mentorassess run` on a consortium (2,000 mentors, ~28,000 responses, Qualtrics exports).

    Best of two runs, and of two baseline reads, on the full size (as the demo's best of three): on
    this project's shared 2-core machines one CPU-bound run varies by 10-20 % with other load; the
    note lists every time measured.
    """
    import shutil

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from datagen import consortium_exports

    n = 60 if quick else 2000
    repeat = 1 if quick else 2
    bases, times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        consortium_exports(data, n_mentors=n)
        shutil.copy(ROOT / "data" / "sample" / "program.yaml", data / "program.yaml")
        for k in range(repeat):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import pandas as pd, sys; pd.read_csv(sys.argv[1], skiprows=[1, 2]); "
                            "pd.read_excel(sys.argv[2], skiprows=[1, 2])", str(data / "qualtrics_mentee.csv"),
                            str(data / "qualtrics_self.xlsx")], env=_env(), check=True)
            bases.append(time.perf_counter() - t0)
            out = Path(tmp) / f"out{k}"
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "mentorassess", "run", str(data / "program.yaml"), "--out",
                            str(out)], env=_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - t0)
            summary = json.loads((out / "run-summary.json").read_text(encoding="utf-8"))
            if k < repeat - 1:
                shutil.rmtree(out)
        got = subprocess.run([sys.executable, "-c", _WORKBOOK.format(root=str(ROOT)), str(data / "program.yaml"),
                              str(out), str(1 if quick else 3)], env=_env(), check=True, capture_output=True,
                             text=True)
        workbook = json.loads(got.stdout.strip().splitlines()[-1])
    t, base = min(times), min(bases)
    reports = sum(1 for o in summary["outputs"] if o["path"].startswith("feedback/") and o["path"].endswith(".pdf"))
    runs = ", ".join(f"{x:.1f}" for x in times)
    reads = ", ".join(f"{x:.2f}" for x in bases)
    wb_runs = ", ".join(f"{x:.2f}" for x in workbook["runs"])
    return [{"name": f"mentorassess run: consortium ({n:,} mentors, {summary['counts']['responses']:,} responses)",
             "seconds": t, "baseline": "reading the two exports with pandas", "baseline_seconds": base,
             "ratio": t / base, "goal": "<= 30 s or <= 25x", "met": t <= 30 or t / base <= 25,
             "note": f"{reports:,} feedback PDFs and HTML twins, psychometrics, program PDF, workbook; best of "
                     f"{repeat} (runs {runs} s; reads {reads} s)"},
            {"name": f"staff workbook of that run, written alone ({n:,} mentors)", "seconds": workbook["seconds"],
             "baseline": "the consortium run", "baseline_seconds": t, "ratio": workbook["seconds"] / t,
             "goal": "<= 5 s", "met": workbook["seconds"] <= 5,
             "note": f"{workbook['bytes'] / 2**20:.1f} MB; CPU {workbook['cpu_seconds']:.1f} s; best of "
                     f"{len(workbook['runs'])} (runs {wb_runs} s); in the run it is "
                     "written in a worker beside the feedback reports (only its last two sheets and the zip "
                     "come after them)"}]


def run(quick: bool = False) -> list[dict]:
    return measure_stress(quick) + measure_consortium(quick) + measure_demo(quick)


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    for r in run(quick):
        print(json.dumps(r, indent=None))
