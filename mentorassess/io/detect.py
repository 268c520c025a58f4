"""Recognising an export's format and reading it into a :class:`~mentorassess.io.tables.RawTable`.

Detection looks at the file's first bytes and header rows, never at its name alone:

- ``$FL2``/``$FL3`` magic: SPSS ``.sav``;
- a zip archive named ``.xlsx``/``.xlsm``: a workbook, whose first rows are inspected like text;
- Qualtrics: row 3 holds ``{"ImportId": ...}`` JSON, or the legacy ``V1,V2,...`` rows;
- REDCap: pseudo-fields (``redcap_event_name``), ``<form>_complete`` columns, label headers
  (``Complete?``), or a data dictionary was supplied;
- generic: one header row.

When two formats fit, the import stops and names the candidates; ``--format`` decides.
"""

from __future__ import annotations

from pathlib import Path

from mentorassess.errors import ImportFormatError, Problem
from mentorassess.io import qualtrics, redcap
from mentorassess.io.spss import SAV_MAGIC, read_spss
from mentorassess.io.tables import Grid, RawTable, read_text_grid, read_xlsx_grid, split_header

__all__ = ["FORMATS", "read_table", "detect_grid_format"]

FORMATS = ("qualtrics", "qualtrics-legacy", "redcap", "spss", "generic")


def detect_grid_format(grid: Grid, dictionary) -> tuple[str, list[str]]:
    """Best format for a grid and the list of candidates that fit."""
    head = [grid.row(i) for i in range(min(3, len(grid.cells)))]
    names = [h.strip() for h in head[0]] if head else []
    cands: list[str] = []
    layout = qualtrics.looks_like_qualtrics(head)
    if layout:
        cands.append(layout)
    starts_with_record_id = dictionary is not None and bool(names) and names[0].casefold() in (
        dictionary.record_id.casefold(), dictionary.fields[0].label.casefold())
    if starts_with_record_id or redcap.looks_like_redcap(names):
        cands.append("redcap")
    if not cands:
        return "generic", ["generic"]
    return cands[0], cands


def read_table(path: Path, file: str, *, format: str | None = None, sheet: str | None = None,
               dictionary=None, expected: set[str] | None = None) -> RawTable:
    """Read ``path`` as ``format`` (detected when None) into a RawTable.

    ``expected`` holds column names (case-folded) that a generic header should contain; when row 1
    has fewer than two of them, the first 20 rows are searched for the header (title rows above it
    are skipped with a warning).
    """
    if format == "canonical":  # a file written by `mentorassess import -o`: a generic table of item ids
        format = "generic"
    if format is not None and format not in FORMATS + ("qualtrics-noheader",):
        raise ImportFormatError(f"unknown format {format!r}", file=file, hint=f"use one of {', '.join(FORMATS)}")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except FileNotFoundError as exc:
        raise ImportFormatError("file not found", file=file, hint="check the path") from exc
    except IsADirectoryError as exc:
        raise ImportFormatError("this is a folder, not a file", file=file, hint="pass the export file") from exc
    suffix = path.suffix.lower()
    if format == "spss" or magic in SAV_MAGIC or suffix in (".sav", ".zsav"):
        if format not in (None, "spss"):
            raise ImportFormatError(f"this is an SPSS file, not {format}", file=file, hint="drop --format")
        return read_spss(path, file)
    if suffix == ".xls":
        raise ImportFormatError("old Excel .xls files are not supported", file=file,
                                hint="open the file in Excel and save it as .xlsx, or export CSV")
    if suffix in (".xlsx", ".xlsm") or magic.startswith(b"PK\x03\x04"):
        grid = read_xlsx_grid(path, file, sheet)
    else:
        grid, _ = read_text_grid(path, file)
    detected, cands = detect_grid_format(grid, dictionary)
    if format is None:
        if len(cands) > 1:
            raise ImportFormatError(f"the format is unclear: it could be {' or '.join(cands)}", file=file,
                                    hint=f"choose with --format ({', '.join(cands)})")
        format = detected
    if format.startswith("qualtrics"):
        layout = qualtrics.looks_like_qualtrics([grid.row(i) for i in range(min(3, len(grid.cells)))])
        if layout is None:
            raise ImportFormatError("not a Qualtrics export: row 3 has no ImportId cells, row 1 is not the legacy "
                                    "V1,V2,... header and there is no ResponseId column", file=file, row=1,
                                    hint="export again from Qualtrics (CSV, 'Download all fields'), or use "
                                         "--format generic")
        return qualtrics.parse_qualtrics(grid, layout)
    if format == "redcap":
        return redcap.parse_redcap(grid, dictionary)
    return _generic(grid, expected or set())


def _generic(grid: Grid, expected: set[str]) -> RawTable:
    def hits(i: int) -> int:
        return sum(c.strip().casefold() in expected for c in grid.row(i))

    if expected and hits(0) < 2:
        best = max(range(min(20, len(grid.cells))), key=lambda i: (hits(i), -i))
        if best > 0 and hits(best) >= 3:
            table = split_header(grid, best + 1, grid.row(best), "generic")
            table.warnings.append(Problem(f"the header is on row {best + 1}; rows 1-{best} above it were skipped",
                                          file=grid.file, row=best + 1, code="header-not-first", severity="warning"))
            return table
    return split_header(grid, 1, grid.row(0), "generic")
