"""A large UTF-8 CSV parsed as two halves on two threads, with the same cells as one parse.

pandas' C tokenizer runs without the GIL, so two parsers over the two halves of a file overlap on
two cores (about a quarter off the parse of a 1,000,000-response export here). The halves are
split at a line feed near the middle after an even number of quote characters, which is a
record boundary in any well-formed CSV. The split is proved, not guessed: the first half is
parsed on its own and must end outside a quoted cell (pandas refuses a half that ends inside one:
"EOF inside string"), so the second half starts where one parse of the whole file would start a
record. Any error in either half (a malformed file, a split inside a quoted cell written with a
stray quote) drops both halves, and the caller parses the whole file once, which then gives the
one message and row numbers a user sees.

Categorical columns of the halves are joined with their categories sorted (the set of texts is
what later steps use; their order is not), text columns are joined as they are.
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

__all__ = ["SPLIT_MIN_BYTES", "read_halves"]

SPLIT_MIN_BYTES = 8 << 20  # smaller files are parsed in one piece (two threads would not pay)
_WINDOW = 1 << 20          # how far past the middle a record boundary is looked for


class _Prefix(io.RawIOBase):
    """The first ``n`` bytes of an open binary file."""

    def __init__(self, fh, n: int):
        self._fh, self._left = fh, n

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        if self._left <= 0:
            return 0
        got = self._fh.readinto(memoryview(buf)[:min(len(buf), self._left)])
        self._left -= got
        return got


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def split_point(path: Path, size: int) -> int | None:
    """Byte offset just after a line feed near the middle with an even count of ``"`` before it, or None."""
    mid = size // 2
    quotes = 0
    with open(path, "rb") as fh:
        left = mid
        while left > 0:
            chunk = fh.read(min(left, 1 << 20))
            if not chunk:
                return None
            quotes += chunk.count(b'"')
            left -= len(chunk)
        window = fh.read(_WINDOW)
    pos = 0
    while True:
        nl = window.find(b"\n", pos)
        if nl < 0:
            return None
        quotes += window.count(b'"', pos, nl + 1)
        if quotes % 2 == 0 and nl + 1 < len(window):
            return mid + nl + 1
        pos = nl + 1


def read_halves(path: Path, size: int, **read_csv) -> pd.DataFrame | None:
    """The file parsed as two halves (``pandas.read_csv`` keywords as for one parse), or None when it
    is small, the machine has one core, no split is found, or either half fails to parse."""
    if size < SPLIT_MIN_BYTES or _cores() < 2 or read_csv.get("skip_blank_lines", True):
        return None
    at = split_point(path, size)
    if at is None:
        return None
    parts: list = [None, None]

    def parse(k: int) -> None:
        try:
            with open(path, "rb") as fh:
                if k == 0:
                    src = io.BufferedReader(_Prefix(fh, at), 1 << 20)
                else:
                    fh.seek(at)
                    src = fh
                parts[k] = pd.read_csv(src, **read_csv)
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError):
            parts[k] = None

    other = threading.Thread(target=parse, args=(1,), daemon=True)
    other.start()
    parse(0)
    other.join()
    first, second = parts
    if first is None or second is None:
        return None
    cols = {}
    for name in first.columns:
        a, b = first[name], second[name]
        if isinstance(a.dtype, pd.CategoricalDtype) and isinstance(b.dtype, pd.CategoricalDtype):
            cols[name] = union_categoricals([a, b], sort_categories=True)
        else:
            cols[name] = np.concatenate([a.to_numpy(dtype=object), b.to_numpy(dtype=object)])
    return pd.DataFrame(cols, copy=False)
