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

__all__ = ["consortium", "responses_of_size", "write_canonical_csv"]


def consortium(n_mentors: int = 2000, seed: int = 7):
    """A generated program of ``n_mentors`` (about 14 responses per mentor over two waves)."""
    return generate(seed=seed, n_mentors=n_mentors)


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
