"""The import audit: what was read, kept and excluded, and why.

:class:`ImportReport` is frozen and checks its own invariant when built: rows read = rows kept +
rows excluded (summed over reasons), and likewise for responses when a row can yield several
(loop & merge). A violation is a bug in mentorassess, raised as :class:`ImportAuditError`
(an internal error, exit code 1), never a user error. The report holds row numbers, response ids,
codes and labels, never comment text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import pandas as pd

from mentorassess.errors import Problem

__all__ = ["ImportReport", "ImportAuditError", "EXCLUSION_REASONS"]

EXCLUSION_REASONS = {
    "preview": "survey preview (Qualtrics Status 1/9/17 or channel 'preview')",
    "test": "test response (Qualtrics Status 2, channel 'test', or a test_rows rule of the mapping)",
    "spam": "flagged as spam by the survey platform",
    "no_items_answered": "none of the instrument's items answered",
    "incomplete": "not finished and fewer than the required share of items answered",
    "unmatched_mentor": "mentor missing or not found in the roster",
    "duplicate_submission": "anonymous exact repeat (same mentor, answers and respondent fields)",
    "duplicate": "same rater, mentor, role and wave as a later response (kept the latest)",
    "speeder": "completed implausibly fast (excluded because configured)",
    "straightliner": "same answer to every item (excluded because configured)",
}


class ImportAuditError(RuntimeError):
    """The audit does not balance: an internal error in mentorassess (please report it)."""


def _freeze(d: Mapping) -> Mapping:
    return MappingProxyType(dict(d))


@dataclass(frozen=True, kw_only=True)
class ImportReport:
    """Audit of one import.

    Attributes
    ----------
    source, sha256, format, encoding, sheet, instrument, mapping
        What was read and how.
    rows_read, rows_kept : int
    rows_excluded : Mapping[str, int]
        Reason code -> rows (see ``EXCLUSION_REASONS``).
    excluded : tuple of (source_row, reason, response_id)
    responses_produced, responses_kept : int
    responses_excluded : Mapping[str, int]
    non_substantive : Mapping[str, int]
        Item id -> non-substantive answers (N/A, Don't know, missing codes) among kept responses.
    out_of_range : Mapping[str, int]
        Export column -> off-scale values set to missing among kept responses.
    recodes : Mapping[str, int]
        ``"'label' -> code"`` -> cells recoded.
    unknown_labels : Mapping[str, int]
        Labels neither on the scale nor mapped (only non-empty when they did not stop the import).
    column_map : Mapping[str, str]
        Canonical field or item id -> export column (and how it was matched).
    flags : Mapping[str, int]
        ``speeder``/``straightline`` -> responses flagged among kept ones.
    mentor_matches : Mapping[str, int]
        How kept responses' mentors were matched (``id``, ``email``, ``name``, ``no roster``).
    completion_rule : str
        The evidence that decided whether a response was finished (``Finished``, ``Progress``,
        ``submitdate``, a REDCap form status, "submitted", or the answered share).
    completion : Mapping[str, int]
        Responses by completion decision.
    warnings : tuple of Problem
    """

    source: str
    sha256: str
    format: str
    encoding: str | None
    instrument: str
    rows_read: int
    rows_kept: int
    rows_excluded: Mapping[str, int]
    excluded: tuple[tuple[int, str, str], ...] = ()
    responses_produced: int
    responses_kept: int
    responses_excluded: Mapping[str, int]
    sheet: str | None = None
    mapping: str | None = None
    non_substantive: Mapping[str, int] = field(default_factory=dict)
    out_of_range: Mapping[str, int] = field(default_factory=dict)
    recodes: Mapping[str, int] = field(default_factory=dict)
    unknown_labels: Mapping[str, int] = field(default_factory=dict)
    column_map: Mapping[str, str] = field(default_factory=dict)
    flags: Mapping[str, int] = field(default_factory=dict)
    mentor_matches: Mapping[str, int] = field(default_factory=dict)
    completion_rule: str = ""
    completion: Mapping[str, int] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()

    def __post_init__(self) -> None:
        for name in ("rows_excluded", "responses_excluded", "non_substantive", "out_of_range", "recodes",
                     "unknown_labels", "column_map", "flags", "mentor_matches", "completion"):
            object.__setattr__(self, name, _freeze(getattr(self, name)))
        if self.rows_read != self.rows_kept + sum(self.rows_excluded.values()):
            raise ImportAuditError(f"audit does not balance for {self.source}: rows read {self.rows_read} != kept "
                                   f"{self.rows_kept} + excluded {sum(self.rows_excluded.values())}")
        if self.responses_produced != self.responses_kept + sum(self.responses_excluded.values()):
            raise ImportAuditError(f"audit does not balance for {self.source}: responses produced "
                                   f"{self.responses_produced} != kept {self.responses_kept} + excluded "
                                   f"{sum(self.responses_excluded.values())}")
        if len(self.excluded) != sum(self.responses_excluded.values()):
            raise ImportAuditError(f"audit for {self.source}: {len(self.excluded)} exclusion records for "
                                   f"{sum(self.responses_excluded.values())} excluded responses")
        unknown = set(self.rows_excluded) - set(EXCLUSION_REASONS)
        if unknown:
            raise ImportAuditError(f"unknown exclusion reason(s) {sorted(unknown)}")

    @property
    def rows_excluded_total(self) -> int:
        """Rows excluded for any reason."""
        return sum(self.rows_excluded.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (plain types only)."""
        return {
            "source": self.source, "sha256": self.sha256, "format": self.format, "encoding": self.encoding,
            "sheet": self.sheet, "instrument": self.instrument, "mapping": self.mapping,
            "rows_read": self.rows_read, "rows_kept": self.rows_kept,
            "rows_excluded": dict(self.rows_excluded), "rows_excluded_total": self.rows_excluded_total,
            "responses_produced": self.responses_produced, "responses_kept": self.responses_kept,
            "responses_excluded": dict(self.responses_excluded),
            "excluded": [{"source_row": r, "reason": why, "response_id": rid} for r, why, rid in self.excluded],
            "non_substantive": dict(self.non_substantive), "out_of_range": dict(self.out_of_range),
            "recodes": dict(self.recodes), "unknown_labels": dict(self.unknown_labels),
            "column_map": dict(self.column_map), "flags": dict(self.flags),
            "mentor_matches": dict(self.mentor_matches),
            "completion_rule": self.completion_rule, "completion": dict(self.completion),
            "warnings": [w.to_dict() for w in self.warnings],
        }

    def to_frame(self) -> pd.DataFrame:
        """Tidy audit lines: ``section, key, count`` (rows, exclusions, counts per item/column)."""
        lines = [("rows", "read", self.rows_read), ("rows", "kept", self.rows_kept)]
        lines += [("rows_excluded", k, v) for k, v in self.rows_excluded.items()]
        lines += [("responses", "produced", self.responses_produced), ("responses", "kept", self.responses_kept)]
        lines += [("responses_excluded", k, v) for k, v in self.responses_excluded.items()]
        for section in ("non_substantive", "out_of_range", "recodes", "unknown_labels", "flags", "mentor_matches",
                        "completion"):
            lines += [(section, k, v) for k, v in getattr(self, section).items()]
        return pd.DataFrame(lines, columns=["section", "key", "count"])

    def __rich__(self):
        from rich.table import Table

        table = Table(title=f"Import audit: {self.source}", show_lines=False)
        table.add_column("", style="bold")
        table.add_column("count", justify="right")
        table.add_row(f"format: {self.format}" + (f", encoding: {self.encoding}" if self.encoding else ""), "")
        table.add_row("rows read", str(self.rows_read))
        if self.completion_rule:
            table.add_row(f"completion: {self.completion_rule}", "")
        table.add_row("rows excluded", str(self.rows_excluded_total))
        for reason, n in sorted(self.rows_excluded.items(), key=lambda kv: -kv[1]):
            table.add_row(f"  excluded: {reason}", str(n))
        table.add_row("rows kept", str(self.rows_kept))
        if self.responses_produced != self.rows_read:
            table.add_row("responses produced (loop & merge)", str(self.responses_produced))
            table.add_row("responses kept", str(self.responses_kept))
        for name, n in self.flags.items():
            table.add_row(f"flagged: {name}", str(n))
        table.add_row("non-substantive answers (N/A, missing codes)", str(sum(self.non_substantive.values())))
        table.add_row("off-scale values set to missing", str(sum(self.out_of_range.values())))
        table.add_row("labels recoded", str(sum(self.recodes.values())))
        table.add_row("warnings", str(len(self.warnings)))
        return table
