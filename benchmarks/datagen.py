"""Benchmark data: consortium (about 28,000 responses) and stress (1,000,000) sets, made on the fly.

Built on :func:`mentorassess.sample.generate`: a consortium is a generated program of 2,000
mentors (both forms, two waves) with more mentees per mentor; the stress set tiles a consortium
with fresh response, mentor and rater ids until it reaches the requested size. Nothing here is
committed; files go to a temporary folder or ``benchmarks/.data/`` (ignored by git).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mentorassess.sample import generate

__all__ = ["consortium", "consortium_exports", "responses_of_size", "write_canonical_csv"]


# More mentees per mentor than a single program (mean 6.4): 2,000 mentors give about 28,000
# responses over two waves, both forms.
CONSORTIUM_WEIGHTS = (.01, .02, .03, .05, .08, .12, .16, .18, .16, .11, .08)


def consortium(n_mentors: int = 2000, seed: int = 7):
    """A generated consortium: ``n_mentors`` mentors, both forms, two waves (about 28,000 responses)."""
    return generate(seed=seed, n_mentors=n_mentors, mentee_weights=CONSORTIUM_WEIGHTS)


def consortium_exports(folder: Path, n_mentors: int = 2000, seed: int = 7) -> list[Path]:
    """The consortium written in every export format of the importer (Qualtrics CSV and XLSX,
    REDCap with its dictionary, SPSS, generic CSV) plus the roster and mappings."""
    from mentorassess.sample import write_sample

    return write_sample(consortium(n_mentors, seed), folder)


def responses_of_size(n: int, seed: int = 7) -> pd.DataFrame:
    """Canonical responses with exactly ``n`` rows (tiles a generated program with new ids)."""
    base = generate(seed=seed, n_mentors=min(2000, max(20, n // 10))).responses
    reps = int(np.ceil(n / len(base)))
    parts = []
    for r in range(reps):
        part = base.copy()
        if r:
            part["mentor_id"] = part["mentor_id"] + f"-{r}"
            part["rater_id"] = part["rater_id"] + f"-{r}"
        parts.append(part)
    out = pd.concat(parts, ignore_index=True).iloc[:n].copy()
    out["response_id"] = [f"S{i + 1:07d}" for i in range(len(out))]
    out["source_row"] = np.arange(1, len(out) + 1)
    return out


def write_canonical_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write a plain UTF-8 CSV quickly (benchmark inputs need no escaping guarantees)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\n")
    return path
