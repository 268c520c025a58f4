"""One exception hierarchy for everything mentorassess raises.

Every error carries structured fields (``file``, ``row``, ``column``, ``value``, ``hint``) and
may hold several :class:`Problem` records, so that a user can fix every problem of an input in
one pass. Messages name files, rows, columns, codes and labels; they never contain respondent
free text (comments).

Examples
--------
>>> from mentorassess.errors import DataError, Problem
>>> err = DataError.from_problems([Problem("bad value", file="a.csv", row=3, column="mca01")])
>>> print(err)
a.csv, row 3, column 'mca01': bad value
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Sequence

__all__ = [
    "Problem",
    "MentorAssessError",
    "InstrumentError",
    "DataError",
    "ImportFormatError",
    "InsufficientDataError",
    "ConfigError",
    "ReportError",
    "ConfidentialityError",
    "MentorAssessWarning",
    "DataQualityWarning",
    "HeywoodWarning",
    "ConvergenceWarning",
    "IdentificationWarning",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in an input.

    Parameters
    ----------
    message : str
        What is wrong, in plain words (never respondent free text).
    file, row, column : optional
        Where it is. ``row`` is the 1-based line/row number in the file as a user sees it.
    loc : tuple
        A path inside a structured file, e.g. ``("competencies", 2, "items", 0)``.
    line : int, optional
        Line number in a text file (YAML), 1-based.
    value : optional
        The offending value (codes or labels, never comments).
    hint : str, optional
        What to do about it.
    code : str
        A stable slug for programmatic use, e.g. ``"unknown-key"``.
    severity : {"error", "warning"}
    """

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    loc: tuple[str | int, ...] = ()
    line: int | None = None
    value: Any = None
    hint: str | None = None
    code: str = "error"
    severity: Literal["error", "warning"] = "error"

    def location(self) -> str:
        """Human-readable location: ``file:line``, ``row``, ``column`` and the path."""
        parts: list[str] = []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        elif self.line:
            parts.append(f"line {self.line}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        if self.loc:
            parts.append(_format_loc(self.loc))
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "row": self.row,
            "column": self.column,
            "loc": list(self.loc),
            "value": None if self.value is None else str(self.value),
            "hint": self.hint,
        }


def _format_loc(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class MentorAssessError(Exception):
    """Base of every error mentorassess raises.

    Parameters
    ----------
    message : str
        Summary line.
    problems : iterable of Problem, optional
        All problems found; ``str(err)`` lists each on its own line.
    file, row, column, value, hint : optional
        Structured location of a single problem (shortcut when there is one).
    """

    exit_code = 2

    def __init__(
        self,
        message: str = "",
        *,
        problems: Iterable[Problem] = (),
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
        hint: str | None = None,
    ) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        self.hint = hint
        self.summary = message
        super().__init__(self._render())

    @classmethod
    def from_problems(cls, problems: Iterable[Problem], *, summary: str = "") -> "MentorAssessError":
        """Build one error holding several problems."""
        probs = tuple(problems)
        return cls(summary, problems=probs)

    def _render(self) -> str:
        head = self.summary
        if not self.problems:
            loc = Problem(head, file=self.file, row=self.row, column=self.column, hint=self.hint)
            return str(loc)
        lines = [head] if head else []
        lines.extend(str(p) for p in self.problems)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": type(self).__name__,
            "message": self.summary,
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "hint": self.hint,
            "problems": [p.to_dict() for p in self.problems],
        }


class InstrumentError(MentorAssessError):
    """An instrument definition is missing or invalid."""


class DataError(MentorAssessError, ValueError):
    """Input data (an export, a responses file, a roster) cannot be used as given."""


class ImportFormatError(DataError):
    """An export's format cannot be recognised or read."""


class InsufficientDataError(DataError):
    """Too few responses, items or raters for the requested statistic."""


class ConfigError(MentorAssessError, ValueError):
    """A program configuration or an argument is invalid."""


class ReportError(MentorAssessError):
    """A report could not be rendered or written."""


class ConfidentialityError(MentorAssessError):
    """A request would reveal ratings below the anonymity threshold."""


class MentorAssessWarning(UserWarning):
    """Base of warnings mentorassess emits (filter them all with this class)."""


class DataQualityWarning(MentorAssessWarning):
    """Something in the data deserves a look but did not stop the work."""


class HeywoodWarning(MentorAssessWarning):
    """A factor solution has a communality at or above 1."""


class ConvergenceWarning(MentorAssessWarning):
    """An iterative estimate did not converge."""


class IdentificationWarning(MentorAssessWarning):
    """A model is not identified (negative df, singular information matrix): its fit is NaN."""
