"""The staff workbook's zip: XlsxWriter's entries deflated at a fast level, on two threads, and
its constant-memory row data kept in memory (:func:`rows_in_memory`).

XlsxWriter has no setting for its zip's compression level: :func:`_fast_deflate` swaps its
module's ``ZipFile`` for :class:`_ParallelZip` (or :class:`_LevelZip`) while a workbook closes.
The bytes stay deterministic and are those ``zipfile`` writes one entry after the other.
"""

from __future__ import annotations

import io
import threading
import zipfile
from contextlib import contextmanager

#: zlib level of the workbook's zip entries. Level 1 deflates a consortium's 2.6 million cells about
#: three times faster than XlsxWriter's default (6) for a file about a quarter larger; the bytes stay
#: deterministic (same zlib level, fixed entry times).
DEFLATE_LEVEL = 1
_ZIP_LOCK = threading.Lock()


class _LevelZip(zipfile.ZipFile):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("compresslevel", DEFLATE_LEVEL)
        super().__init__(*args, **kwargs)


def _deflate(raw: bytes, level: int) -> bytes:
    """The raw deflate stream zipfile writes for ``raw`` (one stream: the same bytes however fed)."""
    import zlib

    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    return packer.compress(raw) + packer.flush()


class _Packed:
    """Stands in for an entry's compressor: hands over the stream deflated beforehand."""

    def __init__(self, packed: bytes) -> None:
        self.packed = packed

    def compress(self, data) -> bytes:
        out, self.packed = self.packed, b""
        return out

    def flush(self) -> bytes:
        return b""


#: Deflate the workbook's files on two threads (zlib releases the GIL); False: one after the other.
_PARALLEL_DEFLATE = True


class _ParallelZip(_LevelZip):
    """A :class:`_LevelZip` whose files added with ``write`` are deflated on two threads while
    XlsxWriter adds the next, and written in the order added when the archive closes (or before a
    ``writestr``). Each entry is the bytes ``ZipFile.write`` makes: same header (taken from the file
    when it is added), CRC, sizes and deflate stream (``tests/test_excel_parallel_deflate.py``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pending: list = []
        self._pool = None

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        zinfo = zipfile.ZipInfo.from_file(filename, arcname, strict_timestamps=self._strict_timestamps)
        kind = self.compression if compress_type is None else compress_type
        level = self.compresslevel if compresslevel is None else compresslevel
        if zinfo.is_dir() or kind != zipfile.ZIP_DEFLATED or level is None or not self.fp:
            self._drain()
            return super().write(filename, arcname, compress_type, compresslevel)
        zinfo.compress_type, zinfo._compresslevel = kind, level
        with open(filename, "rb") as fh:   # XlsxWriter removes the file when this returns
            raw = fh.read()
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mentorassess-deflate")
        self._pending.append((zinfo, raw, self._pool.submit(_deflate, raw, level)))
        return None

    def writestr(self, *args, **kwargs):
        self._drain()
        return super().writestr(*args, **kwargs)

    def _drain(self) -> None:
        pending, self._pending = self._pending, []
        for zinfo, raw, packed in pending:
            with self.open(zinfo, "w") as dest:
                if hasattr(dest, "_compressor"):
                    dest._compressor = _Packed(packed.result())
                dest.write(raw)   # CRC and sizes as zipfile counts them

    def close(self) -> None:
        try:
            if self.fp is not None:
                self._drain()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
            super().close()


@contextmanager
def _fast_deflate():
    """XlsxWriter packs with :data:`DEFLATE_LEVEL` while the workbook closes.

    XlsxWriter has no setting for it: its module's ``ZipFile`` is swapped for the call only, under
    a lock, and only when it is the standard library's class (else XlsxWriter's default is kept).
    """
    import xlsxwriter.workbook as xw

    with _ZIP_LOCK:
        saved = getattr(xw, "ZipFile", None)
        if saved is not zipfile.ZipFile:
            yield
            return
        xw.ZipFile = _ParallelZip if _PARALLEL_DEFLATE else _LevelZip
        try:
            yield
        finally:
            xw.ZipFile = saved


class _MemoryRows:
    """A constant-memory worksheet's row data held as the strings written, instead of its temporary
    file: written once and read back once when the sheet is packed, with no encoding, decoding or
    disk in between. XlsxWriter only writes to it, rewinds it, reads it until it returns ``""``
    and closes it (``Worksheet._write_optimized_sheet_data``); the temporary file it made stays,
    empty, and XlsxWriter removes it as before."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._next = 0
        self.closed = False

    def write(self, text: str) -> int:
        self._parts.append(text)
        return len(text)

    def seek(self, pos: int, whence: int = 0) -> int:
        if pos != 0 or whence != 0:
            raise io.UnsupportedOperation("row data is only rewound to its start")
        self._next = 0
        return 0

    def read(self, size: int = -1) -> str:
        """The next string written (whatever ``size``), ``""`` after the last."""
        if self._next >= len(self._parts):
            return ""
        self._next += 1
        return self._parts[self._next - 1]

    def close(self) -> None:
        self._parts, self.closed = [], True


#: Keep constant-memory row data in memory (:class:`_MemoryRows`); False: XlsxWriter's temporary files.
_ROWS_IN_MEMORY = True


def rows_in_memory(ws) -> None:
    """Give a new constant-memory worksheet a :class:`_MemoryRows` for its rows (nothing is written yet)."""
    fh = getattr(ws, "row_data_fh", None)
    if not _ROWS_IN_MEMORY or fh is None or ws.fh is not fh or fh.tell() != 0:
        return
    fh.close()
    ws.row_data_fh = ws.fh = _MemoryRows()
