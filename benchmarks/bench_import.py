"""Benchmark: read_export of a 100,000-response Qualtrics CSV against plain pandas.read_csv.

The export is generated on the fly into a temporary folder (never committed): the calibrated
sample generator makes the canonical responses, and the Qualtrics writer turns them into a
three-header-row, choice-text CSV. Both readers run in the same process on the same file; the
script prints the times, their ratio (goal: at most 2x) and the peak memory of each (tracemalloc).

Usage: python benchmarks/bench_import.py [--responses 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd


def make_export(folder: Path, n: int) -> Path:
    from mentorassess.io import writers
    from mentorassess.sample import generate

    mentors = max(3, n // 12)
    program = generate(seed=11, n_mentors=mentors)
    resp = program.responses[program.responses.rater_role == "mentee"]
    na = program.not_applicable[(program.responses.rater_role == "mentee").to_numpy()]
    reps = int(np.ceil(n / len(resp)))
    resp = pd.concat([resp] * reps, ignore_index=True).iloc[:n]
    na = pd.concat([na] * reps, ignore_index=True).iloc[:n]
    resp["response_id"] = [f"R_{i:07d}" for i in range(n)]
    resp["rater_id"] = [f"E{i:07d}" for i in range(n)]
    header, body = writers.qualtrics_rows(resp, na, program.instrument, "mentee", choice_text=True, seed=1)
    path = folder / "qualtrics_100k.csv"
    writers.write_qualtrics_csv(path, header, body)
    roster = folder / "roster.csv"
    program.roster.assign(trained="yes").to_csv(roster, index=False)
    return path


def timed(fn, repeat: int) -> tuple[float, float]:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak / 2**20


def run(quick: bool = False) -> list[dict]:
    """Measure for ``benchmarks/run.py``: import vs pandas.read_csv of the same file, as a ratio."""
    from mentorassess.io import read_export

    n = 2_000 if quick else 100_000
    repeat = 1 if quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        path = make_export(Path(tmp), n)
        roster = Path(tmp) / "roster.csv"
        t_pd, m_pd = timed(lambda: pd.read_csv(path, skiprows=[1, 2], encoding="utf-8-sig"), repeat)
        t_ma, m_ma = timed(lambda: read_export(path, "mca-26", roster=roster), repeat)
    return [{"name": f"import Qualtrics CSV ({n:,} responses)", "seconds": t_ma, "baseline": "pandas.read_csv",
             "baseline_seconds": t_pd, "ratio": t_ma / t_pd, "peak_mb": m_ma, "goal": "<= 2x read_csv",
             "met": t_ma / t_pd <= 2, "note": f"read_csv peak {m_pd:.0f} MB"}]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--responses", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from mentorassess.io import read_export

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        path = make_export(Path(tmp), args.responses)
        size = path.stat().st_size / 2**20
        print(f"generated {args.responses:,} responses, {size:.1f} MiB in {time.perf_counter() - t0:.1f} s")
        roster = Path(tmp) / "roster.csv"
        t_pd, m_pd = timed(lambda: pd.read_csv(path, skiprows=[1, 2], encoding="utf-8-sig"), args.repeat)
        holder = {}
        t_ma, m_ma = timed(lambda: holder.update(r=read_export(path, "mca-26", roster=roster)), args.repeat)
        rep = holder["r"].report
        print(f"pandas.read_csv:        {t_pd:7.2f} s   peak {m_pd:8.1f} MiB")
        print(f"mentorassess import:    {t_ma:7.2f} s   peak {m_ma:8.1f} MiB   "
              f"(rows read {rep.rows_read:,}, kept {rep.rows_kept:,})")
        print(f"ratio import/read_csv:  {t_ma / t_pd:7.2f}x (goal <= 2x); memory ratio {m_ma / m_pd:.2f}x")


if __name__ == "__main__":
    main()
