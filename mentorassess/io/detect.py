"""Recognising an export's format and reading it into a :class:`~mentorassess.io.tables.RawTable`.

Detection looks at the file's first bytes and header rows, never at its name alone:

- ``$FL2``/``$FL3`` magic: SPSS ``.sav``;
- a zip archive named ``.xlsx``/``.xlsm``: a workbook, whose first rows are inspected like text;
- Qualtrics: row 3 holds ``{"ImportId": ...}`` JSON, or the legacy ``V1,V2,...`` rows;
- REDCap: pseudo-fields (``redcap_event_name``), ``<form>_complete`` columns, label headers
  (``Complete?``), or a data dictionary was supplied;
- SurveyMonkey: row 1 names ``Respondent ID``, ``Collector ID`` and a date (two header rows);
- Google Forms: first header ``Timestamp`` plus a ``Title [Row]`` grid header or an e-mail column;
- Microsoft Forms: row 1 starts ``ID``, ``Start time``, ``Completion time``;
- LimeSurvey: ``id``, ``submitdate``, ``lastpage``, ``startlanguage`` (or their full headings);
- generic: one header row.

A legacy ``.xls`` workbook (BIFF, ``D0 CF 11 E0``) is refused with a message saying how to convert
it; a text or HTML file merely named ``.xls`` is refused with its own message (an ``.xlsx`` named
``.xls`` is read).

When two formats fit, the import stops and names the candidates; ``--format`` decides.
"""

from __future__ import annotations

from pathlib import Path

from mentorassess.errors import ImportFormatError, Problem
from mentorassess.io import googleforms, limesurvey, msforms, qualtrics, redcap, surveymonkey
from mentorassess.io.spss import SAV_MAGIC, read_spss
from mentorassess.io.tables import Grid, RawTable, is_categorical, read_text_grid, read_xlsx_grid, split_header

__all__ = ["FORMATS", "read_table", "detect_grid_format"]

FORMATS = ("qualtrics", "qualtrics-legacy", "redcap", "spss", "surveymonkey", "google-forms", "ms-forms",
           "limesurvey", "generic")


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
    for name, test in (("surveymonkey", surveymonkey.looks_like_surveymonkey),
                       ("google-forms", googleforms.looks_like_google_forms),
                       ("ms-forms", msforms.looks_like_ms_forms), ("limesurvey", limesurvey.looks_like_limesurvey)):
        if test(head):
            cands.append(name)
    if not cands:
        return "generic", ["generic"]
    return cands[0], cands


def read_table(path: Path, file: str, *, format: str | None = None, sheet: str | None = None,
               dictionary=None, expected: set[str] | None = None, categories: bool = False) -> RawTable:
    """Read ``path`` as ``format`` (detected when None) into a RawTable.

    ``expected`` holds column names (case-folded) that a generic header should contain; when row 1
    has fewer than two of them, the first 20 rows are searched for the header (title rows above it
    are skipped with a warning). ``categories`` lets a text file's few-valued columns be read as
    categoricals (:func:`~mentorassess.io.tables.read_text_grid`) in the formats whose readers
    keep them (Qualtrics, SurveyMonkey, Google Forms, generic); the others get object columns.
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
    if magic == b"\xd0\xcf\x11\xe0" or (suffix == ".xls" and not magic.startswith(b"PK\x03\x04")):
        _refuse_xls(path, file, magic)
    if suffix in (".xlsx", ".xlsm", ".xls") or magic.startswith(b"PK\x03\x04"):
        grid = read_xlsx_grid(path, file, sheet)
    else:
        grid, _ = read_text_grid(path, file, categories=categories)
    detected, cands = detect_grid_format(grid, dictionary)
    if format is None:
        if len(cands) > 1:
            raise ImportFormatError(f"the format is unclear: it could be {' or '.join(cands)}", file=file,
                                    hint=f"choose with --format ({', '.join(cands)})")
        format = detected
    if format in ("redcap", "ms-forms", "limesurvey") and any(is_categorical(grid.cells[c]) for c in grid.cells):
        grid.cells = grid.cells.astype(object)  # their readers rewrite cells in place
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
    head = [grid.row(i) for i in range(min(3, len(grid.cells)))]
    checks = {"surveymonkey": surveymonkey.looks_like_surveymonkey, "google-forms": lambda h: bool(h),
              "ms-forms": msforms.looks_like_ms_forms, "limesurvey": limesurvey.looks_like_limesurvey}
    if format in checks and not checks[format](head):
        raise ImportFormatError(f"not a {format} export: its header rows lack the {format} columns", file=file,
                                row=1, hint="check the file, or drop --format to detect the format")
    if format == "surveymonkey":
        return surveymonkey.parse_surveymonkey(grid)
    if format == "google-forms":
        return googleforms.parse_google_forms(grid)
    if format == "ms-forms":
        return msforms.parse_ms_forms(grid)
    if format == "limesurvey":
        return limesurvey.parse_limesurvey(grid, limesurvey.looks_like_limesurvey(head))
    return _generic(grid, expected or set())


def _refuse_xls(path: Path, file: str, magic: bytes) -> None:
    """Refuse a legacy .xls (BIFF), or a web page or text file named .xls, each with its own message."""
    if magic == b"\xd0\xcf\x11\xe0":
        raise ImportFormatError("old Excel .xls files are not supported (an Excel 97-2003 BIFF workbook)", file=file,
                                hint="open the file in Excel or LibreOffice and save it as .xlsx (Excel Workbook) "
                                     "or as CSV UTF-8, then import that file")
    with open(path, "rb") as fh:
        start = fh.read(512).lstrip().lower()
    if start.startswith((b"<!doctype", b"<html", b"<table", b"<?xml")):
        raise ImportFormatError("this .xls file is a web page (HTML/XML), not a workbook or a table of text",
                                file=file, hint="open it in Excel and save it as .xlsx or CSV UTF-8")
    raise ImportFormatError("this .xls file is not an Excel workbook: it holds text", file=file,
                            hint="rename it to .csv (or .tsv) if it is a delimited text export, then import it")


def _generic(grid: Grid, expected: set[str]) -> RawTable:
    def hits(i: int) -> int:
        return sum(c.strip().casefold() in expected for c in grid.row(i))

    if expected and hits(0) < 2:
        best = max(range(min(20, len(grid.cells))), key=lambda i: (hits(i), -i))
        if best > 0 and hits(best) >= 3:
            table = _label_questions(split_header(grid, best + 1, grid.row(best), "generic"))
            table.warnings.append(Problem(f"the header is on row {best + 1}; rows 1-{best} above it were skipped",
                                          file=grid.file, row=best + 1, code="header-not-first", severity="warning"))
            return table
    return _label_questions(split_header(grid, 1, grid.row(0), "generic"))


def _label_questions(table: RawTable) -> RawTable:
    """In a generic file a header may be an item's exact label (or ``Question [Row]``): record it as text."""
    for col in table.columns:
        g = googleforms.grid_question(col)
        table.questions.setdefault(col, f"{g[0]} - {g[1]}" if g else col)
    return table
