"""Response-id columns already checked to hold distinct values, so that scoring need not hash them again.

:func:`~mentorassess.io.read_export` checks that no response id repeats (a hashing pass over
every id), and :func:`~mentorassess.scoring.score` checks the frame it is given once more. The
import remembers a copy of the id column it checked, for as long as the frame it returns lives;
:func:`known_distinct` is true for a column holding exactly those values in the same order. That
comparison is element by element and, for the very string objects the import made, an identity
test per cell: much cheaper than hashing a million ids. Any other column (edited, reordered,
concatenated, of another import) is checked in full as before.

>>> import numpy as np, pandas as pd
>>> frame = pd.DataFrame({"response_id": ["r1", "r2"]})
>>> remember(frame, frame["response_id"].to_numpy())
>>> known_distinct(frame["response_id"].to_numpy()), known_distinct(np.array(["r1", "r1"], dtype=object))
(True, False)
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

__all__ = ["remember", "known_distinct"]

_LOCK = threading.Lock()  # the web app imports and scores in threads
_KNOWN: dict[int, np.ndarray] = {}


def remember(owner: object, ids: np.ndarray) -> None:
    """Record that ``ids`` (checked by the caller) are distinct, for as long as ``owner`` lives."""
    snapshot = np.array(ids, dtype=object, copy=True)  # its own array: later edits of the frame do not reach it
    key = id(snapshot)
    with _LOCK:
        _KNOWN[key] = snapshot
    weakref.finalize(owner, _forget, key)


def _forget(key: int) -> None:
    with _LOCK:
        _KNOWN.pop(key, None)


def known_distinct(ids: np.ndarray) -> bool:
    """True when ``ids`` equals, cell by cell and in order, a column recorded by :func:`remember`."""
    ids = np.asarray(ids)
    if ids.dtype != object or ids.ndim != 1:
        return False
    with _LOCK:
        candidates = [s for s in _KNOWN.values() if len(s) == len(ids)]
    for snapshot in candidates:
        try:
            if bool(np.all(snapshot == ids)):
                return True
        except (TypeError, ValueError):  # cells that do not compare as plain values
            continue
    return False
