"""Staff decisions on comments, read back from the staff workbook's "Comments for review" sheet.

Staff type ``exclude`` in the ``decision`` column of a comment; the next ``mentorassess run``
reads the workbook (the ``comment_review`` key of the program config, else the
``staff_workbook.xlsx`` the previous run left in the output folder) and drops those comments from
every report. Each decision is keyed ``response_id#question``: one comment, not the whole response.
An empty cell or ``keep`` keeps the comment; any other word is an error naming the cell, so a typo
never silently keeps a comment staff meant to remove.

Examples
--------
>>> review_key("R_1", "comment_growth")
'R_1#comment_growth'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mentorassess.errors import ConfigError, Problem

__all__ = ["REVIEW_SHEET", "CommentDecisions", "review_key", "read_comment_review"]

REVIEW_SHEET = "Comments for review"
_KEEP = {"", "keep", "kept", "ok"}
_EXCLUDE = {"exclude", "excluded", "remove"}


def review_key(response_id: Any, question: Any) -> str:
    """The key of one comment in ``exclude_comments``: ``response_id#question``."""
    return f"{response_id}#{question}"


@dataclass(frozen=True)
class CommentDecisions:
    """Decisions read from a workbook: ``exclude`` keys and the full key -> decision map."""

    source: Path
    exclude: tuple[str, ...]
    decisions: tuple[tuple[str, str], ...]

    def as_dict(self) -> dict[str, str]:
        return dict(self.decisions)


def read_comment_review(path: str | Path) -> CommentDecisions:
    """Read the ``decision`` column of the review sheet of a staff workbook.

    Raises
    ------
    ConfigError
        The file is not a workbook with the review sheet, or a decision is neither empty,
        ``keep`` nor ``exclude`` (all such cells listed).
    """
    from openpyxl import load_workbook

    path = Path(path)
    hint = "use the staff_workbook.xlsx a run wrote; type exclude or keep in the decision column"
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one clear error
        raise ConfigError(f"the comment review workbook {path.name} cannot be read ({type(exc).__name__})",
                          file=str(path), hint=hint) from None
    try:
        if REVIEW_SHEET not in wb.sheetnames:
            raise ConfigError(f"the workbook {path.name} has no sheet {REVIEW_SHEET!r}", file=str(path), hint=hint)
        rows = wb[REVIEW_SHEET].iter_rows(values_only=True)
        header, r = None, 0
        for r, row in enumerate(rows, start=1):
            if row and "response_id" in row and "decision" in row:
                header = [str(v) if v is not None else "" for v in row]
                break
            if r > 5:
                break
        if header is None:
            raise ConfigError(f"the sheet {REVIEW_SHEET!r} of {path.name} has no response_id and decision columns",
                              file=str(path), hint=hint)
        i_id, i_q, i_d = header.index("response_id"), header.index("question"), header.index("decision")
        letter = _letter(i_d)
        decisions: dict[str, str] = {}
        problems: list[Problem] = []
        for k, row in enumerate(rows, start=r + 1):
            if row is None or len(row) <= max(i_id, i_q, i_d) or row[i_id] in (None, ""):
                continue
            raw = row[i_d]
            word = "" if raw is None else str(raw).strip().casefold()
            key = review_key(row[i_id], row[i_q])
            if word in _EXCLUDE:
                decisions[key] = "exclude"
            elif word in _KEEP:
                if word:
                    decisions[key] = "keep"
            else:
                problems.append(Problem(f"decision {str(raw)[:20]!r} is neither 'exclude' nor 'keep'", file=str(path),
                                        row=k, column=f"{REVIEW_SHEET}!{letter}", code="bad-decision"))
        if problems:
            raise ConfigError(f"{len(problems)} comment decision(s) in {path.name} cannot be read", file=str(path),
                              problems=problems, hint=hint)
    finally:
        wb.close()
    items = tuple(sorted(decisions.items()))
    return CommentDecisions(source=path, exclude=tuple(k for k, v in items if v == "exclude"), decisions=items)


def _letter(i: int) -> str:
    s, n = "", i + 1
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s
