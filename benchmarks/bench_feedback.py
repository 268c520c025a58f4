"""Feedback PDFs per second: 500 mentors, one wave, all cores (goal, issue 24: at least 100 reports/s on 2 cores).

Run: ``python benchmarks/bench_feedback.py [--mentors 500] [--jobs N] [--wave post]``.
Scoring and aggregation are not timed; the figure covers reshaping each profile, laying out and
writing every PDF (what ``render_all`` does), including starting the worker processes.

The wall-clock rate depends on what else runs on the machine; ``cpu_ms_per_report`` (one process,
CPU time, 100 reports) and ``capacity_per_second`` (cores x 1000 / that) do much less.
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


def run(quick: bool = False) -> list[dict]:
    """Measure for ``benchmarks/run.py``: feedback PDFs per second with all cores vs one process."""
    from mentorassess.aggregate import aggregate
    from mentorassess.instruments import load_instrument
    from mentorassess.reports.feedback import ReportOptions, render_all
    from mentorassess.sample import generate
    from mentorassess.scoring import score

    inst = load_instrument("mca-26")
    n = 60 if quick else 500
    prog = generate(n_mentors=n)
    profiles = aggregate(score(prog.responses, inst), roster=prog.roster)
    options = ReportOptions(report_date="2026-11-25")
    cores = os.cpu_count() or 1
    runs: dict[int, list[float]] = {1: [], cores: []}
    written = 0
    # Best of three, alternating one process and all cores: on the project's shared VMs one run of
    # this CPU-bound measure varies by up to 40 % with the host's load (the note lists every run).
    for _ in range(1 if quick else 3):
        for jobs in dict.fromkeys((1, cores)):
            with tempfile.TemporaryDirectory() as tmp:
                summary = render_all(profiles, inst, tmp, options=options, jobs=jobs, wave="post")
                runs[jobs].append(summary.rate)
                written = len(summary.written)
    best, one = max(runs[cores]), max(runs[1])
    listed = ", ".join(f"{r:.1f}" for r in runs[cores])
    return [{"name": f"feedback PDFs ({written} mentors, {cores} processes)",
             "seconds": written / best, "baseline": "same reports in one process",
             "baseline_seconds": written / one, "ratio": one / best if best else float("nan"),
             "goal": ">= 100 reports/s", "met": best >= 100,
             "note": f"{best:.1f} reports/s, best of {len(runs[cores])} (runs {listed}; {one:.1f}/s in one process)"}]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mentors", type=int, default=500)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--wave", default="post")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="record the result in benchmarks/results/feedback.json")
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
    import resource

    rates = []
    pages = []
    worker_cpu = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            summary = render_all(profiles, inst, tmp, options=options, jobs=args.jobs, wave=args.wave)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            rates.append(summary.rate)
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            worker_cpu.append(cpu / len(summary.written) * 1000)
            if not pages:
                from pypdf import PdfReader

                pages = [len(PdfReader(p).pages) for p in summary.written]
    with tempfile.TemporaryDirectory() as tmp:
        from mentorassess.reports._profile import ProfileSource
        from mentorassess.release.filenames import plan_report_files
        from mentorassess.reports.feedback import _render_job, _worker_init

        source = ProfileSource(profiles, inst, options=options)
        keys = source.keys(args.wave)[:100]
        plan = plan_report_files([(k[0], source.name(k[0]), k[1]) for k in keys])
        _worker_init(source)
        _render_job((keys[0], str(Path(tmp) / "warm.pdf")))
        c0 = time.process_time()
        for k, r in zip(keys, plan.names):
            _render_job((k, str(Path(tmp) / r.file)))
        cpu_ms = (time.process_time() - c0) / len(keys) * 1000
    result = {
        "reports": len(summary.written), "jobs": args.jobs, "cores": os.cpu_count(),
        "reports_per_second_median": round(statistics.median(rates), 1),
        "reports_per_second_runs": [round(r, 1) for r in rates],
        "worker_cpu_ms_per_report_runs": [round(c, 1) for c in worker_cpu],
        "pages_min": min(pages), "pages_max": max(pages),
        "suppressed": len(summary.suppressed),
        "cpu_ms_per_report": round(cpu_ms, 1),
        "capacity_per_second": round((os.cpu_count() or 1) * 1000 / cpu_ms, 1),
    }
    result["load_average_1min"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, indent=2))
    if args.write:
        out = Path(__file__).resolve().parent / "results" / "feedback.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    t = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - t:.1f} s", file=sys.stderr)
