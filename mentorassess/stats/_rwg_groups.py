"""rwg and rwg(j) of every mentor at once (:func:`mentorassess.stats.agreement.rwg_by_mentor`).

The per-mentor loop called :func:`~mentorassess.stats.agreement.rwg` once per mentor and item
and :func:`~mentorassess.stats.agreement.rwg_j` once per mentor and competency: about 100,000
small NumPy calls for a consortium's wave. Here the mentors whose ratings have the same count
are stacked into one C-ordered array and reduced together. NumPy reduces each row of a stack
with the same inner loop, in the same order, as it reduces that row alone (a sum along the
contiguous axis is pairwise; a sum across rows accumulates row after row), so every value is
the one the loop gave, bit for bit (``tests/test_rwg_groups.py`` compares them on random and
consortium data).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd


class MentorRows:
    """The rows of ``frame`` grouped by mentor (order of ``groupby("mentor_id", sort=True)``), as one
    float matrix of ``columns`` with each mentor's rows together, in their order in ``frame``.

    ``starts`` and ``sizes`` give each mentor's slice of ``values``; ``keys`` the mentor ids.
    """

    def __init__(self, frame: pd.DataFrame, columns: Sequence[str]) -> None:
        codes, keys = pd.factorize(frame["mentor_id"], sort=True)
        order = np.argsort(codes, kind="stable")
        order = order[codes[order] >= 0]             # a missing mentor id: left out, as groupby does
        self.values = frame[list(columns)].to_numpy(dtype=float)[order]
        c = codes[order]
        present = np.unique(c)
        self.keys = np.asarray(keys)[present]
        self.sizes = np.bincount(c, minlength=len(keys))[present]
        self.starts = (np.cumsum(self.sizes) - self.sizes).astype(np.int64)


def _stacks(keep: np.ndarray, starts: np.ndarray, groups: np.ndarray):
    """For rows kept (``keep``, per row of the grouped matrix), each mentor of ``groups`` with its
    kept rows in order: yields ``(n, mentors, row index matrix)`` per distinct count ``n``."""
    pos = np.cumsum(keep) - keep                     # index of each row among the kept rows
    kept_rows = np.flatnonzero(keep)
    counts = np.add.reduceat(keep.astype(np.int64), starts) if len(keep) else np.zeros(0, np.int64)
    first = pos[starts] if len(keep) else np.zeros(0, np.int64)
    counts, first = counts[groups], first[groups]
    for n in np.unique(counts):
        sel = np.flatnonzero(counts == n)
        idx = kept_rows[first[sel][:, None] + np.arange(n)[None, :]] if n else np.zeros((len(sel), 0), np.int64)
        yield int(n), groups[sel], idx


def item_rwg(rows: MentorRows, groups: np.ndarray, j: int, min_raters: int, eu: float):
    """rwg of column ``j`` for each mentor of ``groups`` with at least ``min_raters`` answers:
    ``(mentors, n, value)`` arrays (``rwg(x)`` of the mentor's non-missing values, in order)."""
    col = rows.values[:, j]
    out = []
    for n, who, idx in _stacks(~np.isnan(col), rows.starts, groups):
        if n < min_raters:
            continue
        var = np.ascontiguousarray(col[idx]).var(axis=1, ddof=1)
        out.append((who, np.full(len(who), n), 1 - np.minimum(var, eu) / eu))
    return _joined(out)


def scale_rwg_j(rows: MentorRows, groups: np.ndarray, cols: Sequence[int], min_raters: int, eu: float):
    """rwg(j) of columns ``cols`` for each mentor of ``groups`` with at least ``min_raters`` complete
    rows: ``(mentors, n, value)`` arrays (``rwg_j`` of the mentor's complete rows, in order)."""
    block = rows.values[:, list(cols)]
    out = []
    j = len(cols)
    for n, who, idx in _stacks(~np.isnan(block).any(axis=1), rows.starts, groups):
        if n < min_raters:
            continue
        stack = np.ascontiguousarray(block[idx])     # mentors x raters x items
        ratio = np.minimum(stack.var(axis=1, ddof=1).mean(axis=1), eu) / eu
        out.append((who, np.full(len(who), n), j * (1 - ratio) / (j * (1 - ratio) + ratio)))
    return _joined(out)


def _joined(parts):
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    who, n, value = (np.concatenate(x) for x in zip(*parts))
    return who, n, value


def table_of(rows: MentorRows, wave: str, parts) -> pd.DataFrame:
    """``mentor_id, wave, variable, kind, n, value``: per mentor (in order), the parts' rows in the
    order of ``parts`` (``(variable, kind, (mentors, n, value))`` each)."""
    cols = ["mentor_id", "wave", "variable", "kind", "n", "value"]
    parts = [(var, kind, got) for var, kind, got in parts if len(got[0])]
    if not parts:
        return pd.DataFrame([], columns=cols)
    who = np.concatenate([got[0] for _, _, got in parts])
    at = np.concatenate([np.full(len(got[0]), k) for k, (_, _, got) in enumerate(parts)])
    order = np.lexsort((at, who))
    keys = list(rows.keys)
    names = [var for var, _, _ in parts]
    kinds = [kind for _, kind, _ in parts]
    n = np.concatenate([got[1] for _, _, got in parts])[order]
    value = np.concatenate([got[2] for _, _, got in parts])[order]
    return pd.DataFrame({"mentor_id": [keys[g] for g in who[order]], "wave": [wave] * len(order),
                         "variable": [names[k] for k in at[order]], "kind": [kinds[k] for k in at[order]],
                         "n": n.astype(np.int64), "value": value.astype(float)}, columns=cols)
