"""Reading a file into a grid of text cells, before any format-specific header parsing.

A :class:`Grid` is every record of a CSV/TSV file or every row of one worksheet as strings
(``""`` for empty), with the 1-based row number a user sees in a spreadsheet. Header rows are
still part of the grid; the format readers (:mod:`qualtrics`, :mod:`redcap`, :mod:`generic`)
decide how many there are. Cells are never converted by guesswork here: ids like ``00123`` keep
their zeros.
"""

from __future__ import annotations

import csv
import hashlib
import io
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pandas._libs import lib

from mentorassess._factorize import factorize
from mentorassess.errors import ImportFormatError, Problem
from mentorassess.io.encoding import decode_bytes, mojibake_warning
from mentorassess.io.scan import has_blank_lines, scan_file
from mentorassess.io.split_read import read_halves

__all__ = ["Grid", "read_text_grid", "read_xlsx_grid", "head_records", "sniff_delimiter", "cell_text"]

MAX_BYTES = 2_000_000_000
_PANDAS_ENCODING = {"utf-16-le (BOM)": "utf-16", "utf-16-be (BOM)": "utf-16"}


@dataclass
class Grid:
    """All records of a table as text cells.

    Attributes
    ----------
    cells : DataFrame
        Object dtype, columns ``0..n-1``, ``""`` for empty cells; header rows included.
    file : str
    encoding : str or None
    sheet : str or None
    warnings : list of Problem
    """

    cells: pd.DataFrame
    file: str
    encoding: str | None = None
    sheet: str | None = None
    warnings: list[Problem] = field(default_factory=list)
    sha256: str | None = None
    may_have_blank_rows: bool = False

    def row(self, i: int) -> list[str]:
        """Header or data record ``i`` (0-based) as a list of strings."""
        return [str(v) for v in self.cells.iloc[i].tolist()]


def sniff_delimiter(first_line: str) -> str:
    """The delimiter of a header line: the most frequent of comma, semicolon and tab outside quotes."""
    counts = {",": 0, ";": 0, "\t": 0}
    inside = False
    for ch in first_line:
        if ch == '"':
            inside = not inside
        elif not inside and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def head_records(text: str, delimiter: str, n: int = 5) -> list[list[str]]:
    """The first ``n`` records of a delimited text, parsed with the csv module."""
    reader = csv.reader(io.StringIO(text[:200_000]), delimiter=delimiter)
    out = []
    try:
        for rec in reader:
            out.append(rec)
            if len(out) >= n:
                break
    except csv.Error:
        pass
    return out


def read_text_grid(path: Path, file: str, *, categories: bool = False) -> tuple[Grid, str]:
    """Decode and parse a delimited text file; return the grid and the decoded text's delimiter.

    With ``categories``, columns that hold few distinct texts in the first records (answer codes,
    roles, waves) are read as pandas categoricals: the same texts, stored as small integer codes
    over the distinct values, which later steps classify once per distinct text (see
    :func:`category_columns`). Other columns, and every column without it, are object columns of
    ``str``.
    """
    raw, text, encoding = _read_head(path, file)
    warnings = []
    moji = mojibake_warning(text, file)
    if moji is not None:
        warnings.append(moji)
    head = text[:200_000]
    del text  # pandas decodes the bytes itself; keeping both would double the peak memory
    if "\n" not in head and "\r" in head:  # old Mac "CSV": CR-only line endings (pandas reads them too)
        head = head.replace("\r", "\n")
        warnings.append(Problem("the lines end with CR only (an old Mac spreadsheet save); read as line breaks",
                                file=file, code="cr-line-endings", severity="warning"))
    first_line = head.split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    first = head_records(head, delimiter, 1)
    if not first or not any(c.strip() for c in first[0]):
        raise ImportFormatError("the first row is empty: no header found", file=file, row=1,
                                hint="the header must be on row 1; remove blank rows above it")
    ncols = len(first[0])
    dtype: dict | type = str
    if categories:
        few = category_columns(head, delimiter, ncols)
        dtype = {j: ("category" if j in few else str) for j in range(ncols)}
    # The file's SHA-256 (for the audit) on a second thread while pandas parses: hashlib and the
    # parser's tokenizer both release the GIL. A large UTF-8 file (read from its path) is parsed
    # keeping blank lines, and the same thread looks for them: with none, keeping or skipping
    # them reads the same rows. Whole files in memory (small, or UTF-16 / Windows-1252) are
    # checked first and blank lines are kept only where found, as pandas reads those encodings.
    blank = has_blank_lines(raw) if isinstance(raw, bytes) else None
    scanned: list[tuple] = []
    hasher = threading.Thread(target=lambda: scanned.append(scan_file(raw, blanks=blank is None)), daemon=True)
    hasher.start()
    try:
        # Reading from the path lets pandas' C parser decode UTF-8 natively (much faster than a BytesIO).
        parse = dict(encoding=_PANDAS_ENCODING.get(encoding, encoding), sep=delimiter, header=None,
                     names=list(range(ncols)), dtype=dtype, keep_default_na=False, na_filter=False, engine="c",
                     skip_blank_lines=blank is False, quoting=csv.QUOTE_MINIMAL)
        cells = None if isinstance(raw, bytes) else read_halves(path, path.stat().st_size, **parse)
        if cells is None:  # one parse: small files, and any file a split parse refused (its message is this one's)
            cells = pd.read_csv(path, **parse)
    except pd.errors.ParserError as exc:
        msg = str(exc).strip().splitlines()[-1]
        raise ImportFormatError(f"the file is not a well-formed table: {msg}", file=file,
                                hint="rows must have as many fields as the header; a quote may be unclosed "
                                     "or the file truncated. Export it again") from exc
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"invalid {encoding} text after the first megabyte (mixed encodings?)", file=file,
                                hint="save the whole export as UTF-8 CSV") from exc
    finally:
        hasher.join()
    sha256, found_blank = scanned[0]
    blank = found_blank if blank is None else blank
    tail = raw if isinstance(raw, bytes) else _tail(path)
    if not tail.rstrip(b"\x00").endswith((b"\n", b"\r")):
        _refuse_cut_last_row(tail, encoding, delimiter, ncols, len(cells), file)
        warnings.append(Problem("the file does not end with a line break: the last row may be truncated", file=file,
                                row=len(cells), code="no-final-newline", severity="warning",
                                hint="check the last response against the survey platform, or export again"))
    grid = Grid(cells=cells, file=file, encoding=encoding, warnings=warnings, may_have_blank_rows=blank)
    grid.sha256 = sha256
    return grid, delimiter


_HEAD = (1 << 20) + 4  # what decode_bytes(..., head_only=True) looks at of a UTF-8 file, and a little more


def _read_head(path: Path, file: str) -> tuple[bytes | Path, str, str]:
    """``(raw, head text, encoding)``: ``raw`` is the file's bytes, or its path when it is UTF-8 text
    larger than its head, which then is all that is read here (the parser, the hash and the checks
    for blank lines and the last line read the file themselves, without a copy of it in memory).
    """
    _check_size(path, file)
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        head = _read_bytes(path, file)  # the same messages
    if len(head) < _HEAD:  # the whole file
        return (head, *decode_bytes(head, file, head_only=True))
    text, encoding = decode_bytes(head, file, head_only=True)
    if encoding in ("utf-8", "utf-8-sig"):  # decided by the first megabyte alone (see decode_bytes)
        return path, text, encoding
    raw = _read_bytes(path, file)  # UTF-16 and Windows-1252 are decoded whole
    return (raw, *decode_bytes(raw, file, head_only=True))


def _tail(path: Path) -> bytes:
    """The last 64 KiB of the file (all of it where NULs fill those)."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 65536))
        tail = fh.read()
    return tail if tail.rstrip(b"\x00") or size <= 65536 else path.read_bytes()


# A column is read as categorical when its first records hold at most this many distinct texts, and
# at most a quarter as many as there are records (ids and free text stay object columns).
CATEGORY_MAX_DISTINCT = 64
CATEGORY_MAX_SHARE = 0.25
CATEGORY_MIN_RECORDS = 9
CATEGORY_SAMPLE = 2_000


def category_columns(head: str, delimiter: str, ncols: int) -> set[int]:
    """Columns (0-based) with few distinct texts among the first records of ``head``.

    Only a speed and memory choice: a categorical column holds the same texts as an object
    column. A column that turns out to have many distinct texts further down is still read
    correctly (its categories are the distinct texts).
    """
    records = head_records(head, delimiter, CATEGORY_SAMPLE + 1)[:-1]  # the last one may be cut off
    if len(records) < CATEGORY_MIN_RECORDS:
        return set()
    limit = max(2, min(CATEGORY_MAX_DISTINCT, int(len(records) * CATEGORY_MAX_SHARE)))
    out = set()
    for j in range(ncols):
        seen = {r[j] if j < len(r) else "" for r in records}
        if len(seen) <= limit:
            out.add(j)
    return out


def is_categorical(values) -> bool:
    """True for a categorical column (see :func:`read_text_grid`)."""
    return isinstance(getattr(values, "dtype", None), pd.CategoricalDtype)


def as_text(values: pd.Series) -> pd.Series:
    """The column as an object Series of its texts (categoricals expanded)."""
    return values.astype(object) if is_categorical(values) else values


def _refuse_cut_last_row(raw: bytes, encoding: str, delimiter: str, ncols: int, nrows: int, file: str) -> None:
    """A file without a final line break whose last line has fewer fields than the header was cut off."""
    tail = raw[-65536:]
    try:
        text = tail.decode(_PANDAS_ENCODING.get(encoding, encoding).replace("-sig", ""), errors="strict")
    except (UnicodeDecodeError, LookupError):
        return
    last = text.replace("\r\n", "\n").replace("\r", "\n").rsplit("\n", 1)[-1]
    if last.count('"') % 2:  # inside a multi-line quoted field: cannot tell here (pandas reports open quotes)
        return
    fields = head_records(last, delimiter, 1)
    if fields and len(fields[0]) < ncols:
        raise ImportFormatError(f"the last row has {len(fields[0])} of {ncols} fields and the file does not end "
                                "with a line break: the export was cut off", file=file, row=nrows,
                                hint="export the survey again (or delete the incomplete last row)")


# Reading a text export holds every cell as a Python string: measured at about 12 bytes of memory
# per byte of file (a 422 MB CSV peaked at 4.9 GB). Refuse up front what would not fit.
MEMORY_PER_BYTE = 12


def available_memory() -> int | None:
    """Bytes of memory available now (Linux ``MemAvailable``), or None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _check_size(path: Path, file: str) -> None:
    """Refuse a file over the size limit or larger than memory allows (see :func:`_read_bytes`)."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # reading it reports the problem
    if size > MAX_BYTES or ((avail := available_memory()) is not None and size * MEMORY_PER_BYTE > avail):
        _read_bytes(path, file)  # raises with its messages


def _read_bytes(path: Path, file: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ImportFormatError(f"the file has {size:,} bytes; the limit is {MAX_BYTES:,}", file=file,
                                    hint="split the export by wave or form and list the parts in the config")
        avail = available_memory()
        if avail is not None and size * MEMORY_PER_BYTE > avail:
            raise ImportFormatError(
                f"the file has {size / 2**20:,.0f} MB and importing it needs about "
                f"{size * MEMORY_PER_BYTE / 2**30:,.1f} GB of memory; {avail / 2**30:,.1f} GB are available",
                file=file, hint="split the export by wave or form and list the parts in the config, "
                                "or run on a machine with more memory")
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ImportFormatError("file not found", file=file, hint="check the path") from exc
    except IsADirectoryError as exc:
        raise ImportFormatError("this is a folder, not a file", file=file, hint="pass the export file") from exc
    except PermissionError as exc:
        raise ImportFormatError("permission denied", file=file) from exc


def cell_text(value) -> str:
    """Text of an Excel cell value: whole numbers without ``.0``, dates ISO, booleans TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "isoformat"):
        text = value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
        return text
    return str(value)


# Workbooks are read by the cells they hold, never by the dimension they declare: a 6 KB file with
# one cell at XFD1048576 declares 17 billion cells. These bound what a sheet may ask of memory.
MAX_XLSX_ROWS = 500_000
MAX_XLSX_COLUMNS = 10_000
MAX_XLSX_CELLS = 20_000_000        # rows x columns of the grid spanned by the non-empty cells
MAX_XLSX_UNCOMPRESSED = 500_000_000  # bytes of XML and other parts inside the zip archive
# openpyxl holds every cell as an object: measured at about 10 bytes of memory per byte of
# uncompressed sheet XML; refuse up front what would not fit.
XLSX_MEMORY_PER_BYTE = 10


def _check_xlsx_archive(raw: bytes, file: str) -> None:
    """Refuse archives that would decompress to more than the limit or more than memory allows."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            total = sum(max(0, i.file_size) for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFormatError(f"cannot open the workbook: {type(exc).__name__}", file=file,
                                hint="open it in Excel and save it again as .xlsx") from exc
    if total > MAX_XLSX_UNCOMPRESSED:
        raise ImportFormatError(
            f"the workbook unpacks to {total:,} bytes; the limit is {MAX_XLSX_UNCOMPRESSED:,}", file=file,
            hint="a survey export is far smaller: export the survey again, or as CSV")
    avail = available_memory()
    if avail is not None and total * XLSX_MEMORY_PER_BYTE > avail:
        raise ImportFormatError(
            f"the workbook unpacks to {total / 2**20:,.0f} MB and reading it needs about "
            f"{total * XLSX_MEMORY_PER_BYTE / 2**30:,.1f} GB of memory; {avail / 2**30:,.1f} GB are available",
            file=file, hint="export the survey as CSV, split it by wave or form, or run on a machine with more "
                            "memory")


def _has_data(ws) -> bool:
    return any(c.value is not None for c in ws._cells.values())


def read_xlsx_grid(path: Path, file: str, sheet: str | None = None) -> Grid:
    """Read one worksheet of an .xlsx workbook as a grid.

    Refuses workbooks that are not zip files, formulas and error cells (an export holds values),
    merged cells in the first rows (hand-made headers), more than one sheet with data unless
    ``sheet`` names one, and data that sits only on hidden sheets. Only the cells the file holds
    are visited (not the sheet's declared dimension); a non-empty cell beyond ``MAX_XLSX_ROWS``
    rows or ``MAX_XLSX_COLUMNS`` columns, a grid of more than ``MAX_XLSX_CELLS`` cells and an
    archive that unpacks to more than ``MAX_XLSX_UNCOMPRESSED`` bytes are refused with a message.
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    raw = _read_bytes(path, file)
    if not raw:
        raise ImportFormatError("the file is empty", file=file, hint="export the survey again")
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise ImportFormatError("not an Excel workbook (.xlsx files are zip archives; this one is not)",
                                file=file, hint="open it in Excel and save it as .xlsx, or export CSV instead")
    _check_xlsx_archive(raw, file)
    try:
        wb = load_workbook(io.BytesIO(raw), data_only=False)
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise ImportFormatError(f"cannot open the workbook: {type(exc).__name__}", file=file,
                                hint="open it in Excel and save it again as .xlsx") from exc
    sheets = {ws.title: ws for ws in wb.worksheets}
    with_data = [ws for ws in wb.worksheets if _has_data(ws)]
    visible = [ws for ws in with_data if ws.sheet_state == "visible"]
    if sheet is not None:
        if sheet not in sheets:
            raise ImportFormatError(f"no sheet named {sheet!r}; sheets: {', '.join(sheets)}", file=file)
        ws = sheets[sheet]
    elif len(visible) == 1:
        ws = visible[0]
    elif not visible and with_data:
        names = ", ".join(repr(w.title) for w in with_data)
        raise ImportFormatError(f"the only data is on hidden sheet(s) {names}", file=file,
                                hint="unhide the sheet in Excel if it is the export, or name it with 'sheet:' "
                                     "in the mapping file")
    elif not with_data:
        raise ImportFormatError("the workbook has no data", file=file, hint="export the survey again")
    else:
        names = ", ".join(repr(w.title) for w in visible)
        raise ImportFormatError(f"the workbook has several sheets with data: {names}", file=file,
                                hint="name the sheet to read with 'sheet:' in the mapping file")
    surveymonkey = ws.cell(1, 1).value == "Respondent ID"  # its question text may span the block's row-1 cells
    for rng in sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)):
        if surveymonkey and rng.max_row == 1:
            continue
        if rng.min_row == 1:
            raise ImportFormatError(f"merged cells {rng.coord} in the header rows of sheet {ws.title!r}", file=file,
                                    row=rng.min_row, hint="unmerge the cells so that every column has its own name")
        raise ImportFormatError(f"merged cells {rng.coord} in sheet {ws.title!r}: only the first cell holds a value, "
                                f"the other {rng.size['rows'] * rng.size['columns'] - 1} read as empty",
                                file=file, row=rng.min_row, column=rng.coord.split(":")[0],
                                hint="unmerge the cells and fill each one (every response needs its own mentor, "
                                     "wave and answers), then import again")
    # ws._cells holds exactly the cells present in the file ({(row, column): Cell}); iter_rows() would
    # create every cell of the declared rectangle.
    filled: dict[tuple[int, int], str] = {}
    bad = []
    far: list[tuple[int, int]] = []
    for (r, c), cell in sorted(ws._cells.items()):
        if cell.data_type == "f":
            bad.append(Problem("formula cell; an export holds values", file=file, row=r, column=cell.coordinate,
                               code="formula-cell"))
        elif cell.data_type == "e":
            bad.append(Problem(f"Excel error cell {cell.value}", file=file, row=r, column=cell.coordinate,
                               value=cell.value, code="error-cell"))
        text = cell_text(cell.value)
        if text == "":
            continue
        if r > MAX_XLSX_ROWS or c > MAX_XLSX_COLUMNS:
            far.append((r, c))
            continue
        filled[(r, c)] = text
    if bad:
        raise ImportFormatError.from_problems(
            bad[:20], summary=f"{file}: {len(bad)} cell(s) of sheet {ws.title!r} hold formulas or Excel errors "
                              "(replace them with the exported values, e.g. paste as values)")
    if far:
        r, c = max(far)
        where = f"{get_column_letter(c)}{r}"
        raise ImportFormatError(
            f"sheet {ws.title!r} has a value in cell {where}, beyond the limit of {MAX_XLSX_ROWS:,} rows and "
            f"{MAX_XLSX_COLUMNS:,} columns ({len(far)} such cell(s))", file=file, row=r, column=where,
            hint="delete stray values far from the table in Excel, or export the survey again")
    if not filled:
        raise ImportFormatError("the sheet is empty", file=file)
    n_rows = max(r for r, _ in filled)
    n_cols = max(c for _, c in filled)
    if n_rows * n_cols > MAX_XLSX_CELLS:
        raise ImportFormatError(
            f"sheet {ws.title!r} spans {n_rows:,} rows x {n_cols:,} columns = {n_rows * n_cols:,} cells; the limit is "
            f"{MAX_XLSX_CELLS:,}", file=file,
            hint="delete stray values far from the table, split the export, or export it as CSV")
    grid = np.full((n_rows, n_cols), "", dtype=object)
    for (r, c), text in filled.items():
        grid[r - 1, c - 1] = text
    del filled
    cells = pd.DataFrame(grid, dtype=object)
    cells = cells[[c for c in cells.columns if cells[c].astype(bool).any()]]
    cells.columns = range(cells.shape[1])
    return Grid(cells=cells, file=file, encoding=None, sheet=ws.title, sha256=hashlib.sha256(raw).hexdigest(),
                may_have_blank_rows=True)


@dataclass
class RawTable:
    """An export after its header rows are understood: named columns of text cells.

    Attributes
    ----------
    columns : list of str
        Column names (row 1 of a Qualtrics file, raw field names of REDCap, variable names of SPSS).
    body : DataFrame
        Object dtype text cells (``""`` empty), one row per data record, columns = ``columns``.
    rows : ndarray
        1-based row number of each body row in the original file.
    format : str
        ``qualtrics``, ``qualtrics-legacy``, ``redcap``, ``spss`` or ``generic``.
    import_ids, questions : dict, optional
        Column -> Qualtrics ImportId / question text (row 3 / row 2).
    value_labels : dict
        Column -> {code text: label} (SPSS value labels, REDCap choices).
    missing_codes : dict
        Column -> set of code texts declared missing (SPSS user-missing values).
    column_labels : dict
        Column -> variable label (SPSS) or field label (REDCap).
    """

    columns: list[str]
    body: pd.DataFrame
    rows: np.ndarray
    format: str
    file: str
    encoding: str | None = None
    sheet: str | None = None
    import_ids: dict[str, str] = field(default_factory=dict)
    questions: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    missing_codes: dict[str, set[str]] = field(default_factory=dict)
    column_labels: dict[str, str] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def split_header(grid: Grid, n_header: int, names: list[str], fmt: str) -> RawTable:
    """Build a :class:`RawTable` from a grid whose first ``n_header`` rows are headers.

    Drops trailing unnamed empty columns; refuses unnamed non-empty columns, duplicate names and
    files with no data rows.
    """
    file = grid.file
    names = [n.strip() for n in names]
    body = grid.cells.iloc[n_header:]
    keep = []
    problems = []
    for j, name in enumerate(names):
        if name == "" or name.startswith("Unnamed:"):
            if as_text(body[j]).astype(bool).any():
                problems.append(Problem("column has data but no name in the header", file=file, row=1,
                                        column=f"#{j + 1}", code="unnamed-column",
                                        hint="give every column a name in the header row"))
            continue
        keep.append(j)
    seen: dict[str, int] = {}
    for j in keep:
        key = names[j]
        if key in seen:
            problems.append(Problem(f"column name appears twice (columns {seen[key] + 1} and {j + 1})", file=file,
                                    row=1, column=key, code="duplicate-column",
                                    hint="rename one of them; each column must have a unique name"))
        else:
            seen[key] = j
    if problems:
        raise ImportFormatError.from_problems(problems, summary=f"{file}: the header row cannot be used")
    if len(body) == 0:
        raise ImportFormatError(f"the file has only its header row(s) ({n_header}) and no responses", file=file,
                                hint="export again after responses were collected, or check the filter used")
    if any(is_categorical(grid.cells[j]) for j in keep):
        # Column by column: categorical columns stay categorical (the header texts dropped from
        # their categories), object columns are shared with the grid.
        out = pd.DataFrame({names[j]: _body_column(grid.cells[j], n_header) for j in keep}, copy=False)
    else:
        # One frame over the grid's cells (no copy when every column is kept: the grid is dropped after this)
        cells = grid.cells.to_numpy(dtype=object)
        cols = slice(None) if keep == list(range(cells.shape[1])) else keep
        out = pd.DataFrame(cells[n_header:, cols], columns=[names[j] for j in keep], copy=False)
        del cells
    rows = np.arange(n_header + 1, n_header + 1 + len(out))
    warnings = list(grid.warnings)
    if grid.may_have_blank_rows:
        filled = np.zeros(len(out), dtype=bool)  # a cell with more than spaces and tabs (a blank line may have those)
        for c in out.columns:
            inverse, texts = distinct_stripped(out[c])
            filled |= (texts != "")[inverse]
        if not filled.all():
            warnings.append(Problem(f"{int((~filled).sum())} blank row(s) skipped (not counted as rows read)",
                                    file=file, row=int(rows[~filled][0]), code="blank-rows", severity="warning"))
            out, rows = out[filled].reset_index(drop=True), rows[filled]
            if len(out) == 0:
                raise ImportFormatError(f"the file has only its header row(s) ({n_header}) and blank rows",
                                        file=file, hint="export again after responses were collected")
    return RawTable(columns=list(out.columns), body=out, rows=rows, format=fmt, file=file,
                    encoding=grid.encoding, sheet=grid.sheet, warnings=warnings,
                    extra={"sha256": grid.sha256})


def _body_column(col: pd.Series, n_header: int):
    part = col.iloc[n_header:]
    if not is_categorical(part):
        return part.to_numpy(dtype=object)
    # Drop the categories only the header rows used (a header text is a category of its column).
    # Every other category is some body cell's text, so only the header rows' categories are
    # looked for among the body's codes: one comparison of small integers per header category,
    # instead of counting every category over the whole column.
    cats = part.cat.categories
    every = col.cat.codes.to_numpy()
    codes = every[n_header:]
    gone = sorted({int(k) for k in every[:n_header] if k >= 0 and not (codes == k).any()}, reverse=True)
    if not gone:
        return part.array
    for k in gone:  # highest first: each shifts the codes above it down by one (-1, a missing cell, stays)
        codes = codes - (codes > k).astype(codes.dtype)
    return pd.Categorical.from_codes(codes, categories=cats.delete(gone), validate=False)


def distinct_stripped(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(inverse, texts)``: each cell's position among the column's distinct cells and their stripped
    texts, so that ``texts[inverse]`` equals :func:`strip_cells` (texts may repeat, and a distinct
    value may be held by no cell: count with ``np.bincount(inverse)``)."""
    if is_categorical(values):
        cats = values.cat.categories
        texts = np.array([str(u).strip() if isinstance(u, str) else "" for u in cats] + [""], dtype=object)
        codes = values.cat.codes.to_numpy().astype(np.intp)
        codes[codes < 0] = len(cats)  # a missing cell: the final ""
        return codes, texts
    inverse, uniq = factorize(values.to_numpy(dtype=object))
    return inverse, np.array([str(u).strip() if isinstance(u, str) else "" for u in uniq] or [""], dtype=object)


def strip_cells(values: pd.Series) -> np.ndarray:
    """Stripped text of a column as an object array (``""`` for a cell that is not text).

    A categorical column is stripped once per category; a column of ``str`` cell by cell
    (cheaper than hashing the cells first when most are distinct, like ids);
    anything else once per distinct value.
    """
    if is_categorical(values):
        cats = values.cat.categories
        stripped = np.array([str(u).strip() if isinstance(u, str) else "" for u in cats] + [""], dtype=object)
        return stripped[values.cat.codes.to_numpy()]  # code -1 (a missing cell) takes the final ""
    arr = values.to_numpy(dtype=object)
    if len(arr) and lib.is_string_array(arr, skipna=False):
        return np.fromiter(map(str.strip, arr), dtype=object, count=len(arr))
    codes, uniq = factorize(arr)
    stripped = np.array([str(u).strip() if isinstance(u, str) else "" for u in uniq], dtype=object)
    return stripped[codes]
