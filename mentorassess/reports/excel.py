"""Staff workbooks: safe, deterministic XLSX files from DataFrames, written with XlsxWriter.

:func:`write_workbook` writes one sheet per DataFrame with a bold header row, an autofilter, column
widths fitted to the content and number formats per column. The header row and the identifying
columns (up to ``name``, else ``mentor_id`` or ``response_id``) are frozen, so they stay in view on
a wide sheet. XlsxWriter runs in constant-memory mode: rows stream to disk, so a workbook of
millions of cells needs little memory.

Text is written as text, never as a formula: every string cell is a string record carrying the
*quote-prefix* cell style, so Excel and LibreOffice show the text exactly as written (no visible
apostrophe) and never evaluate it, not even when a user edits the cell and presses Enter. (CSV has
no cell styles: the CSV writers keep the OWASP leading-apostrophe escape of
:mod:`mentorassess._safe`.) Reruns are byte-identical: the document properties carry a fixed date
and XlsxWriter stamps every zip entry with a fixed time.

Examples
--------
>>> import pandas as pd, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> sheets = [Sheet("Comments", pd.DataFrame({"text": ["=1+1", "fine"]}))]
>>> path = write_workbook(sheets, d / "w.xlsx", readme=[("What", "A demo")])
>>> from openpyxl import load_workbook
>>> cell = load_workbook(path)["Comments"]["A2"]
>>> cell.value, cell.data_type, cell.quotePrefix
('=1+1', 's', True)
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from mentorassess._files import atomic_write_bytes

__all__ = ["Sheet", "write_workbook", "workbook_bytes", "FIXED_DATE", "frozen_columns"]

FIXED_DATE = dt.datetime(2000, 1, 1)
_MAX_WIDTH = 60
_MAX_CELL = 32_767  # Excel's limit on characters in one cell
_ID_COLUMNS = ("name", "mentor_id", "response_id")


@dataclass(frozen=True)
class Sheet:
    """One worksheet.

    Parameters
    ----------
    name : str
        Sheet name (at most 31 characters; ``[]:*?/\\`` are replaced).
    frame : DataFrame
        Its content; the index is not written (reset it first if it carries data).
    number_formats : mapping, optional
        Column name -> Excel number format (default ``0.00`` for floats, ``0`` for integers).
    note : str, optional
        One line written above the table (e.g. what suppressed cells mean).
    freeze : int, optional
        Leading columns kept in view when scrolling right (default: :func:`frozen_columns`).
    """

    name: str
    frame: pd.DataFrame
    number_formats: Mapping[str, str] = field(default_factory=dict)
    note: str | None = None
    freeze: int | None = None


def frozen_columns(columns: Sequence[str]) -> int:
    """How many leading columns identify a row: up to ``name``, else ``mentor_id`` / ``response_id``.

    >>> frozen_columns(["mentor_id", "name", "wave", "mean"]), frozen_columns(["wave", "mean"])
    (2, 0)
    """
    cols = list(map(str, columns))
    for key in _ID_COLUMNS:
        if key in cols and cols.index(key) < 6:
            return cols.index(key) + 1
    return 0


def _safe_title(name: str) -> str:
    for ch in '[]:*?/\\':
        name = name.replace(ch, "-")
    return name[:31] or "Sheet"


def _cell_value(value):
    """A pandas/numpy value as a plain Python value (None for missing); text is not altered."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value.isoformat()
    text = str(value)
    if len(text) > _MAX_CELL:
        text = text[: _MAX_CELL - 20] + " [truncated]"
    return text


class _Formats:
    """XlsxWriter formats made once per distinct look (a workbook may hold at most 64,000)."""

    def __init__(self, wb) -> None:
        self.wb = wb
        self.cache: dict[tuple, object] = {}

    def __call__(self, *, text: bool = False, bold: bool = False, italic: bool = False, num: str | None = None,
                 wrap: bool = False):
        key = (text, bold, italic, num, wrap)
        if key not in self.cache:
            spec: dict = {}
            if text:
                spec["quote_prefix"] = True  # shown as typed; never evaluated, even after an edit
            if bold:
                spec["bold"] = True
            if italic:
                spec["italic"] = True
            if num:
                spec["num_format"] = num
            if wrap:
                spec.update(text_wrap=True, valign="top")
            self.cache[key] = self.wb.add_format(spec) if spec else None
        return self.cache[key]


def _write(ws, r: int, c: int, value, fmt: _Formats, num: str | None = None, **style) -> None:
    if value is None:
        if style:
            ws.write_blank(r, c, None, fmt(**style))
        return
    if isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt(**style))
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt(num=num, **style))
    else:
        ws.write_string(r, c, value, fmt(text=True, **style))


def workbook_bytes(sheets: Sequence[Sheet], *, readme: Sequence[tuple[str, str]] = (),
                   title: str = "mentorassess workbook") -> bytes:
    """Build the XLSX file and return its (deterministic) bytes."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False,
                                   "nan_inf_to_errors": False})
    wb.set_properties({"title": title, "author": "mentorassess", "created": FIXED_DATE})
    fmt = _Formats(wb)
    if readme:
        ws = wb.add_worksheet("README")
        ws.set_column(0, 0, 28)
        ws.set_column(1, 1, 100)
        ws.freeze_panes(1, 0)
        _write(ws, 0, 0, "Topic", fmt, bold=True)
        _write(ws, 0, 1, "Notes", fmt, bold=True)
        for i, (topic, text) in enumerate(readme, start=1):
            _write(ws, i, 0, _cell_value(topic), fmt, wrap=True)
            _write(ws, i, 1, _cell_value(text), fmt, wrap=True)
    used: set[str] = {"README"} if readme else set()
    for sheet in sheets:
        name = _safe_title(sheet.name)
        k = 2
        while name in used:
            name = _safe_title(f"{sheet.name[:27]} ({k})")
            k += 1
        used.add(name)
        _sheet(wb.add_worksheet(name), sheet, fmt)
    if not used:
        wb.add_worksheet("Empty")
    wb.close()
    return buf.getvalue()


def _sheet(ws, sheet: Sheet, fmt: _Formats) -> None:
    frame = sheet.frame
    head = 1 if sheet.note else 0
    formats: list[str | None] = []
    for j, col in enumerate(frame.columns):
        num = sheet.number_formats.get(col)
        if num is None:
            if pd.api.types.is_float_dtype(frame[col]):
                num = "0.00"
            elif pd.api.types.is_integer_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col]):
                num = "0" if pd.api.types.is_integer_dtype(frame[col]) else None
        formats.append(num)
        texts = [str(col)] + [str(v) for v in frame[col].head(500).tolist() if v is not None]
        ws.set_column(j, j, min(_MAX_WIDTH, max(8, max(len(t) for t in texts) + 2)))
    ncol = len(frame.columns)
    if ncol:
        freeze = sheet.freeze if sheet.freeze is not None else frozen_columns(frame.columns)
        ws.freeze_panes(head + 1, min(freeze, ncol))
        ws.autofilter(head, 0, head + max(len(frame), 1), ncol - 1)
    if sheet.note:
        _write(ws, 0, 0, _cell_value(sheet.note), fmt, italic=True)
    for j, col in enumerate(frame.columns):
        _write(ws, head, j, _cell_value(str(col)), fmt, bold=True)
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=head + 1):
        for j, v in enumerate(row):
            _write(ws, i, j, _cell_value(v), fmt, num=formats[j])


def write_workbook(sheets: Sequence[Sheet], path: str | Path, *, readme: Sequence[tuple[str, str]] = (),
                   title: str = "mentorassess workbook") -> Path:
    """Write a workbook atomically; return its path. See the module docstring."""
    return atomic_write_bytes(path, workbook_bytes(sheets, readme=readme, title=title))
