"""Google Forms responses: the CSV download and the linked sheet saved as XLSX.

One header row: ``Timestamp``, optionally ``Email address``, then one column per question headed
with its title; a grid question has one column per row headed ``Title [Row]`` (split on the
**last** `` [``, since a title may contain brackets). Such a column gets the question text
``Title - Row`` so that items are found by their exact label and the form's stem gives the rater
role. Only submitted responses exist, so every row counts as finished; there is no response id
(rows are keyed by file and row number) and the e-mail, when collected, is the rater id.

The timestamp is written in the spreadsheet's locale (``9/1/2023 14:51:12`` or
``01/09/2023 14:51:12``); the day/month order is decided per file (see
:func:`mentorassess.io.rows.parse_dates`).
"""

from __future__ import annotations

import re

from mentorassess.io.tables import Grid, RawTable, split_header

__all__ = ["looks_like_google_forms", "parse_google_forms", "grid_question"]

_GRID = re.compile(r"^(.*\S)\s+\[([^\[\]]+)\]$")
EMAIL = ("email address", "email", "username")


def grid_question(header: str) -> tuple[str, str] | None:
    """``("Title", "Row")`` for a ``Title [Row]`` header, else None.

    >>> grid_question("How skilled is your mentor? [Listens actively]")
    ('How skilled is your mentor?', 'Listens actively')
    """
    m = _GRID.match(header.strip())
    return (m.group(1), m.group(2).strip()) if m else None


def looks_like_google_forms(head: list[list[str]]) -> bool:
    """First header cell ``Timestamp`` plus a grid header or an e-mail column."""
    if not head or not head[0] or head[0][0].strip() != "Timestamp":
        return False
    names = [c.strip() for c in head[0]]
    return any(grid_question(n) for n in names[1:]) or any(n.casefold() in EMAIL for n in names[1:3])


def parse_google_forms(grid: Grid) -> RawTable:
    """Name the columns by the header and derive question texts from grid headers."""
    names = [c.strip() for c in grid.row(0)]
    table = split_header(grid, 1, names, "google-forms")
    for col in table.columns:
        g = grid_question(col)
        table.questions[col] = f"{g[0]} - {g[1]}" if g else col
    meta = {"submitted_at": "Timestamp"}
    email = next((c for c in table.columns[1:3] if c.casefold() in EMAIL), None)
    if email:
        meta["rater_id"] = email
    table.extra["auto_meta"] = meta
    table.extra["completion"] = "submitted"
    return table
