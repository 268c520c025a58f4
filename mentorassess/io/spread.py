"""The item columns of an import as n x items arrays, made from their per-distinct conversions.

Each converted column (:class:`~mentorassess.io.values.ColumnValues`) holds its results once per
distinct text; :func:`spread_items` writes them out per cell: the float codes, the
non-substantive and off-scale flags, and the answered cells per response. This is numpy work
that releases the GIL (gathers into new memory), so a single-pass import runs it on a second
thread (:class:`Background`) while the main thread works on the id, role, wave and mentor
columns; the result is the same arrays either way.
"""

from __future__ import annotations

import threading
from typing import Callable

import numpy as np

__all__ = ["spread_items", "Background"]


def spread_items(converted: list, n: int, n_items: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(codes, ns, oor, answered)`` for ``n`` responses from ``[(item position, ColumnValues), ...]``.

    ``codes`` is n x items float (NaN where missing or not asked), ``ns`` and ``oor`` n x items
    bool, ``answered`` the non-empty cells per response (int).
    """
    # Column-major: each item column is written (and later read) as one contiguous run.
    codes = np.empty((n, n_items), order="F")
    ns = np.zeros((n, n_items), dtype=bool, order="F")
    oor = np.zeros((n, n_items), dtype=bool, order="F")
    # answered cells per response, counted in a narrow type (at most one per item)
    nonempty = np.zeros(n, dtype=np.uint16 if n_items < 1 << 16 else np.int64)
    done = np.zeros(n_items, dtype=bool)
    for j, cv in converted:
        done[j] = True
        # the positions are made pointer-sized once (a categorical's codes are small integers,
        # which np.take would convert on every call)
        inv = cv.inverse.astype(np.intp, copy=False)
        np.take(cv.distinct_codes, inv, out=codes[:, j], mode="clip")
        if cv.distinct_ns.any():  # else the column stays as allocated: all False (zeroed pages, never written)
            np.take(cv.distinct_ns, inv, out=ns[:, j], mode="clip")
        if cv.distinct_oor.any():
            np.take(cv.distinct_oor, inv, out=oor[:, j], mode="clip")
        nonempty += np.take((~cv.distinct_empty).astype(nonempty.dtype), inv, mode="clip")
    for j in np.flatnonzero(~done):  # items the export does not ask
        codes[:, j] = np.nan
    return codes, ns, oor, nonempty.astype(int)  # the type the later steps compute with (signed)


class Background:
    """``fn()`` run on a daemon thread; :meth:`result` waits for it and returns its value (or raises
    its exception in the caller)."""

    def __init__(self, fn: Callable):
        self._value = None
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._value = fn()
            except BaseException as exc:  # handed to the caller of result()
                self._error = exc

        self._thread = threading.Thread(target=run, daemon=True, name="mentorassess-spread")
        self._thread.start()

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value
