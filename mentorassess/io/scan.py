"""One pass over a file's bytes: its SHA-256 (for the audit) and whether it has blank lines.

The pass reads the file in chunks of a megabyte and runs on a second thread while pandas parses
the same file (hashlib, the chunk reads and numpy's comparisons release the GIL), so neither adds
to the import's wall time on a machine with two cores.

A *blank line* is a line break followed by nothing but spaces and tabs up to the next line
break: ``\\n\\n``, ``\\r\\n\\r\\n``, ``\\r\\r`` (old Mac files), ``\\n  \\t\\r\\n``. A pair of
line breaks inside a quoted cell counts too: the answer is "may have blank rows", and the reader
then looks for rows whose cells are all blank.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

__all__ = ["scan_file", "has_blank_lines"]

_CHUNK = 1 << 20
_CARRY = 1 << 16  # what is kept of a chunk's last line for the next one (a blank line longer is not seen)
_LF, _CR, _SP, _TAB = 10, 13, 32, 9


def _chunks(path: Path):
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                return
            yield chunk


def _blank_in(data: bytes) -> bool:
    """Whether ``data`` holds two line breaks with only spaces or tabs between them (CRLF is one break)."""
    a = np.frombuffer(data, dtype=np.uint8)
    low = np.flatnonzero(a <= _CR)  # line breaks are among the few bytes up to CR: one pass over the chunk
    kind = a[low]
    breaks = low[(kind == _LF) | (kind == _CR)]
    if len(breaks) < 2:
        return False
    p, q = breaks[:-1], breaks[1:]
    adjacent = q == p + 1
    if (adjacent & ~((a[p] == _CR) & (a[q] == _LF))).any():  # \n\n, \r\r, \n\r: an empty line
        return True
    # A line of only spaces and tabs: the byte after a break is one of them, checked line by line
    # (few such lines in an export; indented lines of a quoted comment among them).
    gap = (~adjacent).nonzero()[0]
    after = a[p[gap] + 1]
    cand = gap[(after == _SP) | (after == _TAB)]
    return any(not data[p[k] + 1:q[k]].strip(b" \t") for k in cand)


def has_blank_lines(raw: bytes | Path) -> bool:
    """Whether the file (its bytes, or its path) has a blank line after its first line."""
    return scan_file(raw, digest=False)[1]


def scan_file(raw: bytes | Path, *, digest: bool = True, blanks: bool = True) -> tuple[str | None, bool]:
    """``(sha256 hex digest or None, has blank lines)`` of a file's bytes or of the file at a path
    (without ``blanks``, the second is False without looking)."""
    h = hashlib.sha256() if digest else None
    blank, carry = False, b""
    for chunk in ([raw] if isinstance(raw, bytes) else _chunks(raw)):
        if h is not None:
            h.update(chunk)
        if blanks and not blank:
            data = carry + chunk
            blank = _blank_in(data)
            cut = max(data.rfind(b"\n"), data.rfind(b"\r"))
            carry = data[cut:] if 0 <= cut and len(data) - cut <= _CARRY else b""
        elif h is None:
            break
    return (h.hexdigest() if h is not None else None), blank
