"""Primary and secondary cell suppression for program tables (export-formats.md §7.2).

A table is a set of cells, each a set of *units* (ratings) whose count ``n`` and mean are
published. :func:`protect_cells` decides which cells to hide:

1. **Primary**: a non-empty cell with ``n < min_n``; a total below ``min_n`` too.
2. **Secondary, per partition** (cells that split the same total, e.g. the departments): when a
   partition has a hidden cell, more cells of it are hidden, smallest first, until at least two
   are hidden and the hidden cells hold at least ``min_n`` units together, so that
   ``total - shown siblings`` only reveals a group of at least ``min_n`` ratings; when the
   partition runs out of cells, its total is hidden as well.
3. **Nested pairs**: never publish a cell and a cell it contains that differs from it by fewer than
   ``min_n`` units ("a group and the same group minus one person"): the smaller is hidden.
4. **Audit**: with published means and counts an attacker knows each shown cell's sum, i.e. every
   linear combination of the shown cells' membership vectors. A hidden cell is recoverable
   exactly when its membership vector lies in the span of the shown ones (checked by matrix
   rank on the distinct membership patterns). While any hidden cell is recoverable, the smallest
   shown cell is hidden too.

Examples
--------
>>> import numpy as np
>>> m = np.array([[1, 1, 1, 1, 1, 1, 1, 1],      # total: B + C = total - A, 3 ratings together
...               [1, 1, 1, 1, 1, 0, 0, 0],      # group A (5)
...               [0, 0, 0, 0, 0, 1, 1, 0],      # group B (2)
...               [0, 0, 0, 0, 0, 0, 0, 1]], bool)  # group C (1)
>>> protect_cells(m, partitions=[-1, 0, 0, 0], min_n=3).tolist()
['shown', 'shown', 'primary', 'primary']
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["protect_cells", "recoverable_cells", "SHOWN", "PRIMARY", "SECONDARY", "EMPTY"]

SHOWN, PRIMARY, SECONDARY, EMPTY = "shown", "primary", "secondary", "empty"


def _atoms(members: np.ndarray) -> np.ndarray:
    """Collapse identical unit columns (same membership pattern): the span test is unchanged."""
    if members.shape[1] == 0:
        return members.astype(float)
    return np.unique(members, axis=1).astype(float)


def recoverable_cells(members: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Which hidden, non-empty cells are linear combinations of the shown cells' memberships."""
    members = np.asarray(members, dtype=bool)
    hidden = np.asarray(hidden, dtype=bool)
    atoms = _atoms(members)
    nonempty = members.sum(axis=1) > 0
    shown_rows = atoms[~hidden & nonempty]
    rank = np.linalg.matrix_rank(shown_rows) if len(shown_rows) else 0
    out = np.zeros(len(members), dtype=bool)
    for i in np.flatnonzero(hidden & nonempty):
        if len(shown_rows) == 0:
            continue
        out[i] = np.linalg.matrix_rank(np.vstack([shown_rows, atoms[i]])) == rank
    return out


def protect_cells(members, partitions: Sequence[int], min_n: int, primary=None) -> np.ndarray:
    """Suppression status of each cell: ``shown``, ``primary``, ``secondary`` or ``empty``.

    Parameters
    ----------
    members : bool array, shape (cells, units)
        Membership of each unit (a rating) in each cell.
    partitions : sequence of int
        Partition id per cell; ``-1`` marks a total (the union of every partition).
    min_n : int
        Smallest publishable cell.
    primary : bool array, shape (cells,), optional
        Cells that other rules (rater counts, dominance) withhold: hidden as primary too.

    Returns
    -------
    ndarray of str
    """
    m = np.asarray(members, dtype=bool)
    part = np.asarray(partitions)
    n = m.sum(axis=1)
    status = np.full(len(m), SHOWN, dtype=object)
    status[n == 0] = EMPTY
    status[(n > 0) & (n < min_n)] = PRIMARY
    if primary is not None:
        status[np.asarray(primary, dtype=bool) & (n > 0)] = PRIMARY
    totals = np.flatnonzero(part == -1)

    def hidden() -> np.ndarray:
        return (status == PRIMARY) | (status == SECONDARY)

    def hide_smallest(candidates: np.ndarray) -> bool:
        idx = np.flatnonzero(candidates & (status == SHOWN))
        if len(idx) == 0:
            return False
        status[idx[np.argmin(n[idx])]] = SECONDARY  # first of the smallest
        return True

    changed = True
    while changed:
        changed = False
        for p in sorted(set(part.tolist()) - {-1}):
            cells = part == p
            while True:
                h = hidden() & cells
                if not h.any() or (h.sum() >= 2 and n[h].sum() >= min_n):
                    break
                if not hide_smallest(cells):
                    for t in totals:
                        if status[t] == SHOWN:
                            status[t] = SECONDARY
                            changed = True
                    break
                changed = True
        # nested pairs: A contains B and differs by fewer than min_n units
        shown = np.flatnonzero(status == SHOWN)
        for a in shown:
            for b in shown:
                if a != b and status[a] == SHOWN and status[b] == SHOWN and n[a] > n[b]:
                    if not (m[b] & ~m[a]).any() and n[a] - n[b] < min_n:
                        status[b] = SECONDARY
                        changed = True
        # audit: no hidden cell may be a linear combination of the shown ones
        while recoverable_cells(m, hidden()).any():
            if not hide_smallest(part != -1) and not hide_smallest(part == -1):
                break
            changed = True
    return status
