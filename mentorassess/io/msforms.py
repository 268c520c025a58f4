"""Microsoft Forms responses: the Excel download (and a CSV saved from it).

One header row: ``ID`` (or ``Id``), ``Start time``, ``Completion time``, ``Email``, ``Name``,
optionally ``Last modified time``; quizzes add ``Total points``, ``Quiz feedback`` and
``Points - Q`` / ``Feedback - Q`` columns (ignored). A Likert question has one column per
statement, headed with the statement text only, so items are found by their exact label; the
question text (and thus the form's stem) is not exported: the rater role needs a column or
``--role``. Cells hold the option labels. Only submitted responses exist: every row counts as
finished. ``ID`` is the response id; ``Email`` is the rater id unless it is ``anonymous``.
"""

from __future__ import annotations

import numpy as np

from mentorassess.errors import Problem
from mentorassess.io.tables import Grid, RawTable, split_header, strip_cells

__all__ = ["looks_like_ms_forms", "parse_ms_forms", "METADATA"]

METADATA = ("ID", "Start time", "Completion time", "Email", "Name", "Last modified time", "Total points",
            "Quiz feedback")


def looks_like_ms_forms(head: list[list[str]]) -> bool:
    """Row 1 starts ``ID``/``Id``, ``Start time``, ``Completion time``."""
    if not head or len(head[0]) < 3:
        return False
    first = [c.strip() for c in head[0][:3]]
    return first[0] in ("ID", "Id") and first[1:3] == ["Start time", "Completion time"]


def parse_ms_forms(grid: Grid) -> RawTable:
    """Name the columns; the ``ID`` column becomes ``ID``; anonymous e-mails are blanked."""
    names = [c.strip() for c in grid.row(0)]
    if names[0] == "Id":
        names[0] = "ID"
    table = split_header(grid, 1, names, "ms-forms")
    for col in table.columns:
        if col not in METADATA and not col.startswith(("Points - ", "Feedback - ")):
            table.questions[col] = col
    meta = {"response_id": "ID", "submitted_at": "Completion time"}
    if "Email" in table.columns:
        email = strip_cells(table.body["Email"])
        anon = np.char.lower(email.astype(str)) == "anonymous"
        if anon.any():
            table.body.loc[anon, "Email"] = ""
            table.warnings.append(Problem(f"{int(anon.sum())} response(s) are anonymous (Email 'anonymous'): no "
                                          "rater id, so their repeats cannot be told apart", file=table.file,
                                          column="Email", code="anonymous-responses", severity="warning"))
        meta["rater_id"] = "Email"
    table.extra["auto_meta"] = meta
    table.extra["completion"] = "submitted"
    return table
