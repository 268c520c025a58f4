"""LimeSurvey response exports (CSV): code or full-text headings, answer codes or texts.

System columns come first: ``id``, ``submitdate``, ``lastpage``, ``startlanguage``, ``seed``,
optionally ``token``, ``startdate``, ``datestamp``, ``ipaddr``, ``refurl`` (full headings:
``Response ID``, ``Date submitted``, ``Last page``, ``Start language``...). An array row is
``CODE[SUB]`` with code headings (the sub-question code is treated like an ImportId, so
``mca[mca01]`` is item ``mca01``) and ``Question text [Row text]`` with full headings (question
text ``Question text - Row text``, matched by the item's exact label).

Completion is ``submitdate``: empty means the response was not submitted; ``1980-01-01 00:00:00``
(old anonymised surveys) means submitted at an unknown time. ``token`` is the rater id.
"""

from __future__ import annotations

import re

from mentorassess.errors import Problem
from mentorassess.io.googleforms import grid_question
from mentorassess.io.tables import Grid, RawTable, split_header

__all__ = ["looks_like_limesurvey", "parse_limesurvey", "CODE_META", "FULL_META"]

CODE_META = ("id", "submitdate", "lastpage", "startlanguage", "seed", "token", "startdate", "datestamp", "ipaddr",
             "refurl")
FULL_META = {"Response ID": "id", "Date submitted": "submitdate", "Last page": "lastpage",
             "Start language": "startlanguage", "Seed": "seed", "Access code": "token", "Token": "token",
             "Date started": "startdate", "Date last action": "datestamp", "IP address": "ipaddr",
             "Referrer URL": "refurl"}
_CODE = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\[([A-Za-z0-9_]+)\]$")
UNKNOWN_TIME = "1980-01-01 00:00:00"


def looks_like_limesurvey(head: list[list[str]]) -> str | None:
    """``"code"`` or ``"full"`` headings, or None."""
    if not head:
        return None
    names = {c.strip() for c in head[0]}
    if {"id", "submitdate", "lastpage", "startlanguage"} <= names:
        return "code"
    if {"Response ID", "Date submitted", "Last page", "Start language"} <= names:
        return "full"
    return None


def parse_limesurvey(grid: Grid, headings: str) -> RawTable:
    """Name columns by code headings (full headings: system columns renamed to their codes)."""
    names = [c.strip() for c in grid.row(0)]
    if headings == "full":
        names = [FULL_META.get(n, n) for n in names]
    table = split_header(grid, 1, names, "limesurvey")
    for col in table.columns:
        if col in CODE_META:
            continue
        m = _CODE.match(col)
        if m:
            table.import_ids[col] = m.group(2)
            continue
        g = grid_question(col)
        table.questions[col] = f"{g[0]} - {g[1]}" if g else col
    submitted = table.body["submitdate"].astype(str).str.strip()
    table.extra["finished"] = (submitted != "").to_numpy()
    unknown_time = (submitted == UNKNOWN_TIME).to_numpy()
    if unknown_time.any():
        table.body.loc[unknown_time, "submitdate"] = ""
        table.warnings.append(Problem(f"{int(unknown_time.sum())} response(s) have submitdate {UNKNOWN_TIME} "
                                      "(submitted, time not recorded): counted as finished, submitted_at left empty",
                                      file=table.file, column="submitdate", code="limesurvey-unknown-time",
                                      severity="warning"))
    meta = {"response_id": "id", "submitted_at": "submitdate"}
    if "token" in table.columns:
        meta["rater_id"] = "token"
    if "ipaddr" in table.columns:
        meta["ip_address"] = "ipaddr"
    table.extra["auto_meta"] = meta
    table.extra["completion"] = "submitdate"
    table.extra["headings"] = headings
    return table
