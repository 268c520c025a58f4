"""Feedback PDFs per second: 500 mentors, one wave, all cores (goal: at least 50 reports/s).

Run: ``python benchmarks/bench_feedback.py [--mentors 500] [--jobs N] [--wave post]``.
Scoring and aggregation are not timed; the figure covers reshaping each profile, laying out and
writing every PDF (what ``render_all`` does), including starting the worker processes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mentors", type=int, default=500)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--wave", default="post")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from mentorassess.aggregate import aggregate
    from mentorassess.instruments import load_instrument
    from mentorassess.reports.feedback import ReportOptions, render_all
    from mentorassess.sample import generate
    from mentorassess.scoring import score

    inst = load_instrument("mca-26")
    prog = generate(n_mentors=args.mentors)
    profiles = aggregate(score(prog.responses, inst), roster=prog.roster)
    options = ReportOptions(report_date="2026-11-25")
    rates = []
    pages = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            summary = render_all(profiles, inst, tmp, options=options, jobs=args.jobs, wave=args.wave)
            rates.append(summary.rate)
            if not pages:
                from pypdf import PdfReader

                pages = [len(PdfReader(p).pages) for p in summary.written]
    result = {
        "reports": len(summary.written), "jobs": args.jobs, "cores": os.cpu_count(),
        "reports_per_second_median": round(statistics.median(rates), 1),
        "reports_per_second_runs": [round(r, 1) for r in rates],
        "pages_min": min(pages), "pages_max": max(pages),
        "suppressed": len(summary.suppressed),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    t = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - t:.1f} s", file=sys.stderr)
