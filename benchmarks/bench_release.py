"""Release layer on a consortium: aggregate + program_tables (bound-aware table audit included).

Measures, on a generated program of 2,000 mentors (``datagen.consortium``; ``--quick``: 24):

- ``aggregate`` + ``stats.program_data.program_tables`` of the scored responses, against
  ``pandas.read_csv`` of the same responses written as a plain CSV (the cost of merely reading
  the data), as a ratio;
- inside it, the time spent in the program summary's bound-aware audit (``program._audit``: the
  linear programs of ``release.audit`` over the mentor values of the linked subgroup tables);
  goal: well under 30 s on 2 cores.

Run alone: ``python benchmarks/bench_release.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def measure(n_mentors: int) -> list[dict]:
    import pandas as pd

    import mentorassess.program as program
    from datagen import consortium, write_canonical_csv
    from mentorassess.aggregate import aggregate
    from mentorassess.scoring import score
    from mentorassess.stats.program_data import program_tables

    prog = consortium(n_mentors)
    scored = score(prog.responses, "mca-26")
    tmp = Path(os.environ.get("MENTORASSESS_BENCH_TMP") or tempfile.mkdtemp())
    path = write_canonical_csv(prog.responses, tmp / f"release_responses_{n_mentors}.csv")
    t0 = time.perf_counter()
    n_rows = len(pd.read_csv(path))
    base = time.perf_counter() - t0

    spent = []
    audit = program._audit

    def timed(*a, **k):
        t = time.perf_counter()
        try:
            return audit(*a, **k)
        finally:
            spent.append(time.perf_counter() - t)

    program._audit = timed
    try:
        t0 = time.perf_counter()
        prof = aggregate(scored, roster=prog.roster)
        tables = program_tables(prof, roster=prog.roster)
        seconds = time.perf_counter() - t0
    finally:
        program._audit = audit
    hidden = int(tables.subgroups.table["suppressed"].sum()) if tables.subgroups is not None else None
    label = f"{n_mentors:,} mentors, {n_rows:,} responses"
    return [
        {"name": f"release: aggregate + program_tables ({label})", "seconds": seconds,
         "baseline": "pandas.read_csv of the responses", "baseline_seconds": base, "ratio": seconds / base,
         "note": f"{len(spent)} (role, wave) table sets audited; {hidden} hidden subgroup rows"},
        {"name": f"release: program summary audit ({label})", "seconds": sum(spent),
         "baseline": "pandas.read_csv of the responses", "baseline_seconds": base, "ratio": sum(spent) / base,
         **({"goal": "< 30 s", "met": sum(spent) < 30} if n_mentors >= 2000 else {})},
    ]


def run(quick: bool = False) -> list[dict]:
    return measure(24 if quick else 2000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a 24-mentor program")
    ap.add_argument("--mentors", type=int, default=None, help="a generated program of this size")
    args = ap.parse_args()
    for r in measure(args.mentors or (24 if args.quick else 2000)):
        print(f"{r['name']}: {r['seconds']:.2f} s; {r['baseline']}: {r['baseline_seconds']:.3f} s "
              f"(ratio {r['ratio']:.1f})")


if __name__ == "__main__":
    main()
