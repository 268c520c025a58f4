"""Staff workbooks: safe, deterministic XLSX files from DataFrames, written with XlsxWriter.

:func:`write_workbook` writes one sheet per DataFrame with a bold header row, an autofilter, column
widths fitted to the content and number formats per column. The header row and the identifying
columns (up to ``name``, else ``mentor_id`` or ``response_id``) are frozen, so they stay in view on
a wide sheet. XlsxWriter runs in constant-memory mode (one pending row), with each sheet's row
XML held as the strings written until the sheet is packed (``_xlsx_zip.rows_in_memory``: no
temporary file written, read back and decoded; a consortium's 150 MB of sheet XML is held once).

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
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from mentorassess._files import atomic_write_bytes
from mentorassess.reports._xlsx_zip import (DEFLATE_LEVEL, _fast_deflate,  # noqa: F401 - DEFLATE_LEVEL: public here
                                            rows_in_memory)

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
        ws.write_string(r, c, _inert(value), fmt(text=True, **style))


def workbook_bytes(sheets: Iterable[Sheet], *, readme: Sequence[tuple[str, str]] = (),
                   title: str = "mentorassess workbook") -> bytes:
    """Build the XLSX file and return its (deterministic) bytes; ``sheets`` is read once, in order,
    each sheet written before the next is asked for."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False,
                                   "nan_inf_to_errors": False})
    wb.set_properties({"title": title, "author": "mentorassess", "created": FIXED_DATE})
    fmt = _Formats(wb)
    if readme:
        ws = _add_sheet(wb, "README")
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
        _sheet(_add_sheet(wb, name), sheet, fmt)
    if not used:
        wb.add_worksheet("Empty")
    with _fast_deflate():
        wb.close()
    return buf.getvalue()


def _add_sheet(wb, name: str):
    """A new worksheet whose row data is held in memory until packed (:func:`rows_in_memory`)."""
    ws = wb.add_worksheet(name)
    rows_in_memory(ws)
    return ws


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
    if not (_FAST_ROWS and _fast_rows(ws, frame, formats, fmt, head + 1)):
        _slow_rows(ws, frame, formats, fmt, head + 1)


def _slow_rows(ws, frame: pd.DataFrame, formats: list, fmt: _Formats, first: int) -> None:
    """The data rows cell by cell through XlsxWriter's API (the reference of :func:`_fast_rows`)."""
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=first):
        for j, v in enumerate(row):
            _write(ws, i, j, _cell_value(v), fmt, num=formats[j])


#: Write data rows with :func:`_fast_rows` (False: cell by cell through XlsxWriter's API).
_FAST_ROWS = True
_CHUNK = 20_000   # rows per write to the sheet's temporary file


def _fast_rows(ws, frame: pd.DataFrame, formats: list, fmt: _Formats, first: int) -> bool:
    """Write the data rows of a sheet as the XML XlsxWriter's constant-memory mode writes for
    :func:`_slow_rows`, byte for byte, built column by column instead of one API call per cell.

    XlsxWriter keeps one pending row and serialises it (``Worksheet._write_single_row``) when a
    later row is written; here the pending header row is flushed the same way, the rows' XML goes
    to the same temporary file, and the state XlsxWriter keeps (sheet dimensions, last row, the
    order in which cell formats get their index) is set as its own calls would set it. Returns
    False, having written nothing, where that state is not the plain one assumed (the caller then
    writes cell by cell); ``tests/test_excel_fast_rows.py`` compares both paths' bytes.
    """
    if (not getattr(ws, "constant_memory", False) or ws.row_info or ws.comments or ws.excel_version == 2010
            or ws.default_row_height != ws.original_row_height or ws.previous_row >= first or len(frame) == 0):
        return False
    from xlsxwriter.utility import xl_col_to_name

    n, ncol = len(frame), len(frame.columns)
    cols, firsts = [], []   # per column: (xml after the format attribute or None per row, formats); first uses
    for j in range(ncol):
        tails, fmts, uses = _column(frame.iloc[:, j], fmt, formats[j])
        cols.append((tails, fmts))
        firsts += [(r, j, f) for f, r in uses]
    if not firsts:
        return True   # no cell at all: nothing written, as cell by cell
    # the pending header row goes out first, as XlsxWriter's next write would send it
    ws._write_single_row(first)
    # formats get their index in the order the cells using them are serialised (row, then column)
    attr = {id(None): ""}
    for _, _, f in sorted(firsts, key=lambda t: (t[0], t[1])):
        if id(f) not in attr:
            attr[id(f)] = f' s="{f._get_xf_index()}"'
    letters = [xl_col_to_name(j) for j in range(ncol)]
    top = last = None
    for lo in range(0, n, _CHUNK):
        hi = min(n, lo + _CHUNK)
        nums = [str(first + i + 1) for i in range(lo, hi)]
        cells = []
        for L, (tails, fmts) in zip(letters, cols):
            if isinstance(fmts, list):
                cells.append([f'<c r="{L}{r}"{attr[id(f)]}{t}' if t is not None else ""
                              for r, t, f in zip(nums, tails[lo:hi], fmts[lo:hi])])
            else:
                a = attr.get(id(fmts), "")   # a format whose column has no cell is never used
                cells.append([f'<c r="{L}{r}"{a}{t}' if t is not None else "" for r, t in zip(nums, tails[lo:hi])])
        out = []
        for r, body in zip(nums, map("".join, zip(*cells))):
            if body:
                out.append(f'<row r="{r}">{body}</row>')
                top = r if top is None else top
                last = r
        ws.fh.write("".join(out))
    if last is not None:   # the dimensions and the last row, as the cells' writes leave them
        row, row0 = int(last) - 1, int(top) - 1
        used = sorted({j for _, j, _ in firsts})
        ws.dim_rowmin = row0 if ws.dim_rowmin is None else min(ws.dim_rowmin, row0)
        ws.dim_rowmax = row if ws.dim_rowmax is None else max(ws.dim_rowmax, row)
        ws.dim_colmin = used[0] if ws.dim_colmin is None else min(ws.dim_colmin, used[0])
        ws.dim_colmax = used[-1] if ws.dim_colmax is None else max(ws.dim_colmax, used[-1])
        ws.previous_row = row
    return True


_TRUE, _FALSE = ' t="b"><v>1</v></c>', ' t="b"><v>0</v></c>'


def _column(series: pd.Series, fmt: _Formats, num: str | None):
    """One column's cells: the XML after the format attribute per row (None: no cell), the format
    (one for the whole column, or a list per row) and each format with the row of its first use.
    Values and types are those ``_cell_value`` gives and ``_write`` writes (numbers as XlsxWriter's
    ``{:.16G}``); numeric, boolean and all-text columns are converted whole."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiub":
        values = series.to_numpy()
        if dtype.kind == "b":
            return [_TRUE if x else _FALSE for x in values.tolist()], None, [(None, 0)] if len(values) else []
        f = fmt(num=num)
        if dtype.kind == "f":
            finite = np.isfinite(values)
            hit = np.flatnonzero(finite)
            return _number_tails(values, finite), f, ([(f, int(hit[0]))] if len(hit) else [])
        return _number_tails(values), f, [(f, 0)] if len(values) else []
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and getattr(dtype, "kind", "") in "iu" \
            and pd.api.types.is_integer_dtype(dtype):
        na = series.isna().to_numpy()
        f = fmt(num=num)
        ints = series.to_numpy(dtype="int64", na_value=0).tolist()
        tails = [None if m else f"><v>{x:.16G}</v></c>" for x, m in zip(ints, na.tolist())]
        hit = np.flatnonzero(~na)
        return tails, f, ([(f, int(hit[0]))] if len(hit) else [])
    if dtype == object and pd.api.types.infer_dtype(series, skipna=True) == "string":
        codes, uniques = pd.factorize(series)   # text only: equal strings share one cell text
        f = fmt(text=True)
        texts = [_cell_value(u) for u in uniques]
        plain = not _needs_control_escape("\n".join(texts))  # one search for all ("\n" matches neither half)
        xml = np.array([_string_xml(t, plain) for t in texts] + [None], dtype=object)
        tails = xml[codes].tolist()            # code -1 (missing) takes the last entry, None
        hit = np.flatnonzero(codes >= 0)
        return tails, f, ([(f, int(hit[0]))] if len(hit) else [])
    tails, fmts, uses, seen = [], [], [], set()
    memo: dict = {}
    for i, v in enumerate(series):
        v = _cell_value(v)
        if v is None:
            tails.append(None)
            fmts.append(None)
            continue
        if isinstance(v, bool):
            f, tail = fmt(), (_TRUE if v else _FALSE)
        elif isinstance(v, (int, float)):
            f, tail = fmt(num=num), f"><v>{v:.16G}</v></c>"
        else:
            f = fmt(text=True)
            tail = memo.get(v)
            if tail is None:
                tail = memo[v] = _string_xml(v)
        tails.append(tail)
        fmts.append(f)
        if id(f) not in seen:
            seen.add(id(f))
            uses.append((f, i))
    return tails, fmts, uses


_CONTROL = re.compile("_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")
# The two halves of _CONTROL searched apart: a character class alone is scanned quickly, and the
# escape-like "_x0000_" needs "_x" (XlsxWriter's test is the whole pattern; the same texts match).
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ESCAPE_LIKE = re.compile("_x[0-9a-fA-F]{4}_")


def _needs_control_escape(text: str) -> bool:
    r"""``_CONTROL.search(text)`` is not None, found faster on long texts.

    >>> [_needs_control_escape(t) for t in ("plain", "a\x07b", "_x00e9_", "_xyz_", "\ufffe")]
    [False, True, True, False, True]
    """
    return bool(_CONTROL_CHARS.search(text) or ("_x" in text and _ESCAPE_LIKE.search(text)))


def _inert(text: str) -> str:
    """Text that XlsxWriter would pass through unescaped, as one escaped rich-text run instead.

    XlsxWriter writes a string that starts with ``<r>`` and ends with ``</r>`` into the sheet's XML
    as it is (its own rich strings are stored so): a comment or name of that shape could close the
    cell and add others, formulas included. Wrapped here, the reader sees exactly the text.

    >>> _inert("<r>x</r>"), _inert("plain <r>")
    ('<r><t>&lt;r&gt;x&lt;/r&gt;</t></r>', 'plain <r>')
    """
    if not (text.startswith("<r>") and text.endswith("</r>")):
        return text
    return "<r><t>" + text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</t></r>"


def _number_tails(values: np.ndarray, finite: np.ndarray | None = None) -> list:
    """``f"><v>{x:.16G}</v></c>"`` for each number (None where ``finite`` is False), each distinct
    value formatted once (scores and counts recur: a column of 100,000 cells has a few thousand).

    Values are told apart by their bits, so -0.0 and 0.0 keep their own texts.

    >>> _number_tails(np.array([1.5, -0.0, 1.5, np.nan, 0.0]), np.array([True, True, True, False, True]))
    ['><v>1.5</v></c>', '><v>-0</v></c>', '><v>1.5</v></c>', None, '><v>0</v></c>']
    """
    if len(values) < 64:
        if finite is None:
            return [f"><v>{x:.16G}</v></c>" for x in values.tolist()]
        return [f"><v>{x:.16G}</v></c>" if ok else None for x, ok in zip(values.tolist(), finite.tolist())]
    bits = values.view(np.int64 if values.dtype.itemsize == 8 else f"i{values.dtype.itemsize}")
    uniq, first, inverse = np.unique(bits, return_index=True, return_inverse=True)
    texts = np.array([f"><v>{x:.16G}</v></c>" for x in values[first].tolist()] + [None], dtype=object)
    if finite is not None:
        inverse = np.where(finite, inverse.ravel(), len(uniq))
    return texts[inverse.ravel()].tolist()


def _string_xml(text: str, plain: bool = False) -> str:
    """The inline-string cell XML XlsxWriter writes in constant-memory mode (after the format).

    ``plain``: the caller has found no control character or escape-like ``_xHHHH_`` in ``text``."""
    from xlsxwriter.utility import _utf16_len, _utf16_truncate
    from xlsxwriter.xmlwriter import XMLwriter

    text = _inert(text)   # as _write hands it to XlsxWriter

    if len(text) > 32_767 // 2 and _utf16_len(text) > 32_767:
        text = _utf16_truncate(text, 32_767)
    if not plain and _needs_control_escape(text):
        text = XMLwriter._escape_control_characters(text)
    if text.startswith("<r>") and text.endswith("</r>"):
        return f' t="inlineStr"><is>{text}</is></c>'   # XlsxWriter passes such text through as rich text
    # XlsxWriter's test is re.search(r"^\s") or re.search(r"\s$"): the same as str.isspace at either end
    t_attr = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f' t="inlineStr"><is><t{t_attr}>{text}</t></is></c>'


def write_workbook(sheets: Sequence[Sheet], path: str | Path, *, readme: Sequence[tuple[str, str]] = (),
                   title: str = "mentorassess workbook") -> Path:
    """Write a workbook atomically; return its path. See the module docstring."""
    return atomic_write_bytes(path, workbook_bytes(sheets, readme=readme, title=title))
