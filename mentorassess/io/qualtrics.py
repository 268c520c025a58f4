"""Qualtrics exports: the three-header-row layout, the legacy two-row layout, and rows without headers.

Layout detection follows ``docs/export-formats.md`` section 1.7: row 3 cells that parse as JSON
with an ``ImportId`` key mean the current layout; ``V1,V2,...`` in row 1 with ``ResponseID`` in
row 2 means the legacy layout; ``ResponseId`` in row 1 with data in row 2 means someone deleted
the header rows (accepted with a warning). Row 2 (question text) is localised and is never used
to find metadata columns.

Metadata (``Status``, ``DistributionChannel``, ``Finished``, ``Progress``, ``Duration (in
seconds)``) is turned into row-level decisions by :func:`status_reasons` and :func:`finished_flags`.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from mentorassess.errors import DataError, ImportFormatError, Problem
from mentorassess.io.tables import Grid, RawTable, as_text, distinct_stripped, split_header, strip_cells

__all__ = ["looks_like_qualtrics", "parse_qualtrics", "status_reasons", "finished_flags", "STATUS",
           "LEGACY_NAMES"]

# Status code -> (label, treatment). Treatment: None keeps the row; a reason code excludes it.
STATUS = {
    "0": ("IP Address", None), "1": ("Survey Preview", "preview"), "2": ("Survey Test", "test"),
    "4": ("Imported", None), "8": ("Spam", "spam"), "9": ("Preview Spam", "preview"),
    "16": ("Offline", None), "17": ("Offline Preview", "preview"), "32": ("EX", None), "36": ("Imported", None),
}
_STATUS_BY_LABEL = {label.casefold(): code for code, (label, _) in STATUS.items()}
_STATUS_BY_LABEL.update({"offline (offline app)": "16", "ip address (a normal response)": "0"})
_CHANNEL_REASON = {"preview": "preview", "test": "test"}
KNOWN_CHANNELS = {"anonymous", "email", "preview", "test", "gl", "qr", "sms", "social", "offline", "imported"}
LEGACY_NAMES = {"ResponseID": "ResponseId", "ExternalDataReference": "ExternalReference"}
METADATA = ("StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
            "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
            "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage")


def _import_id(cell: str) -> str | None:
    cell = cell.strip()
    if not cell.startswith("{"):
        return None
    try:
        obj = json.loads(cell)
    except ValueError:
        return None
    if isinstance(obj, dict) and isinstance(obj.get("ImportId"), str):
        iid = obj["ImportId"]
        if isinstance(obj.get("choiceId"), (str, int)):
            iid = f"{iid}_{obj['choiceId']}"
        return iid
    return None


def looks_like_qualtrics(head: list[list[str]]) -> str | None:
    """``"qualtrics"``, ``"qualtrics-legacy"``, ``"qualtrics-noheader"`` or None for the first records."""
    if len(head) >= 3:
        ids = [_import_id(c) for c in head[2]]
        if sum(i is not None for i in ids) >= max(1, len([c for c in head[2] if c.strip()]) // 2):
            return "qualtrics"
    if len(head) >= 2 and head[0][:2] == ["V1", "V2"] and "ResponseID" in head[1]:
        return "qualtrics-legacy"
    if head and "ResponseId" in head[0] and ("Finished" in head[0] or "Status" in head[0]):
        return "qualtrics-noheader"
    return None


def parse_qualtrics(grid: Grid, layout: str) -> RawTable:
    """Split a Qualtrics grid into named columns, ImportIds and question texts."""
    first = grid.row(0)
    if layout == "qualtrics":
        if len(grid.cells) < 3:
            raise ImportFormatError("a Qualtrics export needs three header rows", file=grid.file)
        table = split_header(grid, 3, first, "qualtrics")
        second, third = grid.row(1), grid.row(2)
        names = [n.strip() for n in first]
        for j, name in enumerate(names):
            if name in table.columns:
                iid = _import_id(third[j])
                if iid:
                    table.import_ids[name] = iid
                table.questions[name] = second[j]
        return table
    if layout == "qualtrics-legacy":
        second = grid.row(1)
        names = [second[j] if (first[j].startswith("V") and first[j][1:].isdigit()) else first[j]
                 for j in range(len(first))]
        names = [LEGACY_NAMES.get(n.strip(), n.strip()) for n in names]
        table = split_header(grid, 2, names, "qualtrics-legacy")
        for j, name in enumerate(names):
            if name in table.columns and name != second[j]:
                table.questions[name] = second[j]
        return table
    table = split_header(grid, 1, first, "qualtrics")
    table.warnings.append(Problem("the Qualtrics header rows 2 and 3 are missing (the file was probably edited in "
                                  "a spreadsheet); columns are read from row 1 only", file=grid.file, row=1,
                                  code="qualtrics-no-header-rows", severity="warning"))
    return table


def status_reasons(table: RawTable, warnings: list[Problem]) -> np.ndarray:
    """Per body row: an exclusion reason (``preview``, ``test``, ``spam``) or ``""`` to keep.

    Unknown ``Status`` values stop the import; unknown ``DistributionChannel`` values are
    reported as warnings. Each distinct cell is looked at once.
    """
    n = len(table.body)
    reasons = np.full(n, "", dtype=object)
    if "Status" in table.body.columns:
        inverse, texts = distinct_stripped(table.body["Status"])
        used = np.bincount(inverse, minlength=len(texts)) if n else np.zeros(len(texts), dtype=int)
        code_u = []
        for v in texts:
            code = v if v in STATUS else _STATUS_BY_LABEL.get(v.casefold(), v)
            code_u.append(code[:-2] if code.endswith(".0") else code)
        code_u = np.array(code_u, dtype=object)
        unknown = sorted({c for c, k in zip(code_u, used) if k and c != "" and c not in STATUS})
        if unknown:
            codes = code_u[inverse]
            problems = []
            for value in unknown:
                where = np.flatnonzero(codes == value)
                problems.append(Problem(f"unknown Status value {value!r} in {len(where)} row(s)", file=table.file,
                                        row=int(table.rows[where[0]]), column="Status", value=value,
                                        code="unknown-status",
                                        hint="expected a Qualtrics response type (0 IP Address, 1 Survey Preview, "
                                             "2 Survey Test, 4 Imported, 8 Spam, 16 Offline, ...)"))
            raise DataError.from_problems(problems, summary=f"{table.file}: unknown response types")
        treatment = {c: (t or "") for c, (_, t) in STATUS.items()}
        reasons = np.array([treatment.get(c, "") for c in code_u], dtype=object)[inverse]
        imported = int(sum(k for c, k in zip(code_u, used) if c in ("4", "36")))
        if imported:
            warnings.append(Problem(f"{imported} response(s) have Status 'Imported' (data from another file); "
                                    "kept", file=table.file, column="Status", code="imported-responses",
                                    severity="warning"))
    if "DistributionChannel" in table.body.columns:
        inverse, texts = distinct_stripped(table.body["DistributionChannel"])
        used = np.bincount(inverse, minlength=len(texts)) if n else np.zeros(len(texts), dtype=int)
        chan_u = [v.casefold() for v in texts]
        by_channel = np.array([_CHANNEL_REASON.get(v, "") for v in chan_u], dtype=object)[inverse]
        reasons = np.where(reasons == "", by_channel, reasons)
        count: dict[str, int] = {}
        for v, k in zip(chan_u, used):
            if k:
                count[v] = count.get(v, 0) + int(k)
        for value in sorted(set(count) - KNOWN_CHANNELS - {""}):
            warnings.append(Problem(f"unrecognised DistributionChannel {value!r} in {count[value]} row(s); kept",
                                    file=table.file, column="DistributionChannel", value=value,
                                    code="unknown-channel", severity="warning"))
    return reasons


def finished_flags(table: RawTable) -> np.ndarray | None:
    """Per body row: True when ``Finished`` says the respondent reached an end point; None if absent."""
    if "Finished" not in table.body.columns:
        return None
    raw = pd.Series(strip_cells(table.body["Finished"])).str.casefold()
    truth = {"1": True, "true": True, "0": False, "false": False, "1.0": True, "0.0": False, "": False}
    bad = sorted(set(raw) - set(truth))
    if bad:
        where = int(np.flatnonzero(raw.isin(bad).to_numpy())[0])
        raise DataError(f"Finished must be 1/0 or TRUE/FALSE; found {bad[0]!r}", file=table.file,
                        row=int(table.rows[where]), column="Finished", hint="check the export options")
    return raw.map(truth).to_numpy(dtype=bool)


def durations(table: RawTable) -> np.ndarray | None:
    """``Duration (in seconds)`` as floats (NaN where empty), or None if absent."""
    if "Duration (in seconds)" not in table.body.columns:
        return None
    return pd.to_numeric(as_text(table.body["Duration (in seconds)"]), errors="coerce").to_numpy(dtype=float)
