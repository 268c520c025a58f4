"""SurveyMonkey "All responses data" exports (CSV and XLSX): two header rows.

Row 1 holds the metadata names (``Respondent ID``, ``Collector ID``, ``Start Date``, ``End Date``,
``IP Address``, ``Email Address``, ``First Name``, ``Last Name``, ``Custom Data 1``), custom
variables (e.g. ``mentor_id``) and each question's text in the first column of its block; an
empty row-1 cell continues the previous question. Row 2 is empty under metadata and custom
variables and names each part of a question: ``Response`` / ``Open-Ended Response`` for a
single-column question, the statement (matrix row) for a matrix question. Data starts on row 3.

A matrix column is named ``<question> - <statement>`` (like a Qualtrics row 2), so items are
found by their exact label. Answers are the choice labels ("actual answer text") or the choice
positions ("numerical value"); positions of a trailing N/A choice stop the import as a pattern
of off-scale codes with a suggested ``values:`` mapping. There is no completion column:
completion is the answered share.
"""

from __future__ import annotations

import numpy as np

from mentorassess.errors import ImportFormatError, Problem
from mentorassess.io.tables import Grid, RawTable, split_header

__all__ = ["looks_like_surveymonkey", "parse_surveymonkey", "METADATA"]

METADATA = ("Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
            "First Name", "Last Name", "Custom Data 1")
SINGLE = {"response", "open-ended response"}


def looks_like_surveymonkey(head: list[list[str]]) -> bool:
    """Row 1 names ``Respondent ID``, ``Collector ID`` and a start or end date."""
    if not head:
        return False
    names = {c.strip() for c in head[0]}
    return {"Respondent ID", "Collector ID"} <= names and bool({"Start Date", "End Date"} & names)


def parse_surveymonkey(grid: Grid) -> RawTable:
    """Name the columns from the two header rows and check the sub-row and the respondent ids."""
    file = grid.file
    if len(grid.cells) < 2:
        raise ImportFormatError("a SurveyMonkey export needs two header rows", file=file, row=1)
    first, second = grid.row(0), grid.row(1)
    names: list[str] = []
    questions: dict[str, str] = {}
    problems = []
    current = ""
    for j, (q, sub) in enumerate(zip(first, second)):
        q, sub = q.strip(), " ".join(sub.split())
        if q in METADATA or (q and not sub):
            if sub:
                problems.append(Problem(f"row 2 holds {sub!r} under the metadata column {q!r}: the second header "
                                        "row was deleted or edited", file=file, row=2, column=q,
                                        code="surveymonkey-subrow",
                                        hint="export the responses again from SurveyMonkey (All responses data)"))
            names.append(q)
            if q not in METADATA:
                questions[q] = q
            current = ""
            continue
        if q:
            current = q
        if not current:
            names.append("" if not sub else sub)
            continue
        if sub.casefold() in SINGLE:
            name = current
        else:
            name = f"{current} - {sub}" if sub else current
        names.append(name)
        questions[name] = name
    if problems:
        raise ImportFormatError.from_problems(problems, summary=f"{file}: not a complete SurveyMonkey header")
    table = split_header(grid, 2, names, "surveymonkey")
    table.questions = {c: t for c, t in questions.items() if c in table.columns}
    rid = table.body["Respondent ID"].astype(str).str.strip()
    bad = ~rid.str.fullmatch(r"\d+").to_numpy()
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ImportFormatError(f"Respondent ID {rid.iat[k]!r} is not a number", file=file, row=int(table.rows[k]),
                                column="Respondent ID", value=rid.iat[k],
                                hint="SurveyMonkey respondent ids are digits; was the file edited?")
    meta = {"response_id": "Respondent ID"}
    if "End Date" in table.columns:
        meta["submitted_at"] = "End Date"
    if "IP Address" in table.columns:
        meta["ip_address"] = "IP Address"
    table.extra["auto_meta"] = meta
    table.extra["completion"] = "answered"
    return table
