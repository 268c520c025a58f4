"""Ordinal item data: validation and recoding to consecutive category codes.

lavaan derives an ordered item's categories from the values observed in the data (an unused
scale point simply has no threshold); this module does the same and records, per item, which
scale values the codes stand for, so that results can say "s04: categories 2-7".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from ...errors import DataError, InsufficientDataError, Problem
from .._common import item_frame

MAX_CATEGORIES = 20


@dataclass(frozen=True)
class OrdinalData:
    """Items recoded to 0-based category codes (-1 = missing).

    ``levels[j]`` holds the observed values of item j in increasing order; ``codes[:, j]`` the
    position of each answer in it.
    """

    items: tuple[str, ...]
    codes: np.ndarray  # (n, p) int, -1 for missing
    levels: tuple[tuple[float, ...], ...]
    index: pd.Index

    @property
    def n_categories(self) -> np.ndarray:
        return np.array([len(lv) for lv in self.levels])


def prepare(data: pd.DataFrame, items: Sequence[str] | None = None, *, what: str,
            listwise: bool = False, min_rows: int = 10) -> OrdinalData:
    """Validate ordered items and recode them; collect every problem before raising.

    Raises
    ------
    DataError
        Non-integer values, more than 20 categories, an item with fewer than two observed
        categories (constant or all missing); each problem names the item.
    InsufficientDataError
        Fewer than ``min_rows`` usable rows or fewer than 2 items.
    """
    frame = item_frame(data, items, what=what)
    if listwise:
        frame = frame.dropna(axis=0, how="any")
    if frame.shape[1] < 2:
        raise InsufficientDataError(f"{what}: needs at least 2 items, got {frame.shape[1]}")
    x = frame.to_numpy(dtype=float)
    n_used = int(frame.shape[0]) if listwise else int(np.isfinite(x).any(axis=1).sum())
    if n_used < min_rows:
        raise InsufficientDataError(
            f"{what}: needs at least {min_rows} {'complete ' if listwise else ''}responses, got n={n_used}",
            hint="polychoric correlations and thresholds are not estimable from so few answers")
    problems: list[Problem] = []
    codes = np.full(x.shape, -1, dtype=np.int64)
    levels: list[tuple[float, ...]] = []
    for j, col in enumerate(frame.columns):
        v = x[:, j]
        ok = np.isfinite(v)
        vals = v[ok]
        if np.any(vals != np.round(vals)):
            bad = vals[vals != np.round(vals)][0]
            problems.append(Problem("ordered items must hold whole-number codes", column=str(col), value=bad,
                                    code="not-integer"))
            levels.append(())
            continue
        lv = np.unique(vals)
        if lv.size < 2:
            msg = "all answers are missing" if lv.size == 0 else f"every answer is {lv[0]:g} (constant item)"
            problems.append(Problem(f"{msg}; thresholds and polychoric correlations need at least two "
                                    "observed categories", column=str(col), code="constant-item",
                                    hint="drop the item from the analysis"))
            levels.append(())
            continue
        if lv.size > MAX_CATEGORIES:
            problems.append(Problem(f"{lv.size} distinct values; more than {MAX_CATEGORIES} categories is not "
                                    "an ordered item", column=str(col), code="too-many-categories"))
            levels.append(())
            continue
        codes[ok, j] = np.searchsorted(lv, vals)
        levels.append(tuple(float(a) for a in lv))
    if problems:
        raise DataError.from_problems(problems, summary=f"{what}: items cannot be treated as ordered")
    return OrdinalData(tuple(str(c) for c in frame.columns), codes, tuple(levels), frame.index)


def check_categories_listwise(full: OrdinalData, used: OrdinalData, *, what: str) -> None:
    """lavaan's error when listwise deletion empties a category: name item and category."""
    problems = []
    for item, a, b in zip(full.items, full.levels, used.levels):
        lost = [v for v in a if v not in b]
        if lost:
            problems.append(Problem(
                f"category {', '.join(f'{v:g}' for v in lost)} is used only by rows with missing answers, "
                "so it is empty after listwise deletion", column=item, code="empty-category",
                hint="recode it into its neighbour or impute; lavaan stops with 'some categories of "
                     "variable ... are empty'"))
    if problems:
        raise DataError.from_problems(problems, summary=f"{what}: empty categories after listwise deletion")
