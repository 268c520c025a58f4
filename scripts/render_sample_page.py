"""Render page 1 of a sample mentor's feedback PDF to ``docs/feedback-sample.png``.

Run from the repository root: ``python scripts/render_sample_page.py [--mentor M001] [--wave post]``.
Needs ``pdftoppm`` (Debian/Ubuntu: ``apt-get install poppler-utils``). Not run by the tests.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mentor", default="M001")
    ap.add_argument("--wave", default="post")
    ap.add_argument("--page", type=int, default=1)
    ap.add_argument("--dpi", type=int, default=90)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "feedback-sample.png")
    args = ap.parse_args()
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm not found: install poppler-utils")

    from mentorassess.aggregate import aggregate
    from mentorassess.instruments import load_instrument
    from mentorassess.reports.feedback import ReportOptions, render_feedback
    from mentorassess.sample import generate
    from mentorassess.scoring import score

    inst = load_instrument("mca-26")
    prog = generate()
    profiles = aggregate(score(prog.responses, inst), roster=prog.roster)
    waves = list(profiles.settings.waves)
    i = waves.index(args.wave)
    previous = profiles.profile(args.mentor, waves[i - 1]) if i > 0 else None
    options = ReportOptions(report_date="2026-11-25", program="Sample research mentoring program",
                            contact="the mentoring office (mentoring@example.edu)")
    with tempfile.TemporaryDirectory() as tmp:
        pdf = render_feedback(profiles.profile(args.mentor, args.wave), inst, Path(tmp) / "sample.pdf",
                              options=options, previous=previous)
        stem = Path(tmp) / "page"
        subprocess.run(["pdftoppm", "-png", "-r", str(args.dpi), "-f", str(args.page), "-l", str(args.page),
                        "-singlefile", str(pdf), str(stem)], check=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(stem.with_suffix(".png"), args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
