"""The release layer's audit on a consortium: eligible raters, hidden cells, profiles and program tables.

``aggregate`` (rules R1-R5: distinct substantive raters, cell hiding with feasible-range checks and
complementary hiding) and ``program_tables`` (subgroup suppression) on a generated program of
2,000 mentors (about 28,000 responses), timed against the unprotected computation in the same
run: ``pandas`` group means of the same scores per mentor, wave, role and competency. Scoring
is done before timing on both sides.

Run alone: ``python benchmarks/bench_release.py [--quick]``.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run(quick: bool = False) -> list[dict]:
    from datagen import consortium

    from mentorassess.aggregate import aggregate
    from mentorassess.release.counting import eligible
    from mentorassess.release.mentor import hidden_cells
    from mentorassess.release.rules import ReleaseRules
    from mentorassess.scoring import score
    from mentorassess.stats.program_data import program_tables

    n = 60 if quick else 2000
    prog = consortium(n)
    scores = score(prog.responses, "mca-26")
    rules = ReleaseRules()
    repeat = 1 if quick else 3
    cols = list(scores.score_columns)
    warnings.simplefilter("ignore")

    def plain():
        return scores.scores.groupby(["mentor_id", "wave", "rater_role"])[cols].mean()

    def audit():
        e = eligible(scores, prog.roster)
        return e, hidden_cells(e.scores, e.raters, rules)

    def release():
        profiles = aggregate(scores, rules=rules, roster=prog.roster)
        return profiles, program_tables(profiles, roster=prog.roster)

    base, _ = _best(plain, repeat)
    t_audit, (e, hidden) = _best(audit, repeat)
    t_all, _ = _best(release, repeat)
    return [{"name": f"release audit: aggregate + program tables ({n:,} mentors, {len(scores.scores):,} responses)",
             "seconds": t_all, "baseline": "pandas group means of the same scores", "baseline_seconds": base,
             "ratio": t_all / base, "goal": "< 5 s", "met": t_all < 5,
             "note": f"eligible + hidden cells alone {t_audit:.2f} s ({len(e.exclusions):,} responses set aside, "
                     f"{len(hidden):,} cells hidden)"}]


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(json.dumps(r))
