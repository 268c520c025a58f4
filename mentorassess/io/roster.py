"""Rosters: reading and validating them, and matching mentors named in an export.

A mentor cell is matched by roster id, e-mail or normalised name (NFKC, case-folded, accents
and titles removed, "Last, First" order handled). Only an exact, unique match is accepted; near
misses are reported with suggestions ("'Dr. Smyth' resembles roster 'Jordan Smith' (M007)") and
the response is excluded as ``unmatched_mentor``, never assigned by guesswork.

Examples
--------
>>> normalise_name("Dr. Smith, Jordan")
'jordan smith'
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from mentorassess.errors import DataError, Problem

__all__ = ["read_roster", "normalise_name", "RosterIndex", "ROSTER_COLUMNS"]

ROSTER_COLUMNS = ("mentor_id", "name", "email", "department", "cohort", "trained")
_TITLES = {"dr", "prof", "professor", "mr", "mrs", "ms", "mx", "phd", "md"}
_TRUE = {"yes", "y", "true", "1", "t"}
_FALSE = {"no", "n", "false", "0", "f", ""}


def normalise_name(name: str) -> str:
    """Comparable form of a person's name (for matching only, never for display)."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", str(name)))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    if "," in text:
        last, _, first = text.partition(",")
        text = f"{first} {last}"
    tokens = [t for t in re.split(r"[^\w]+", text) if t and t not in _TITLES]
    return " ".join(tokens)


def read_roster(path: str | Path) -> pd.DataFrame:
    """Read a roster CSV or XLSX: ``mentor_id, name, email, department, cohort, trained``.

    ``mentor_id`` and ``name`` are required; other columns are optional (empty when absent).
    ``trained`` accepts yes/no, true/false, 1/0.

    Raises
    ------
    DataError
        Missing columns, empty or duplicate ids, duplicate e-mails, unreadable ``trained`` values.
    """
    from mentorassess.io.tables import RawTable, read_text_grid, read_xlsx_grid, split_header

    path = Path(path)
    file = str(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        grid = read_xlsx_grid(path, file)
    else:
        grid, _ = read_text_grid(path, file)
    table: RawTable = split_header(grid, 1, grid.row(0), "roster")
    cols = {c.strip().casefold(): c for c in table.columns}
    missing = [c for c in ("mentor_id", "name") if c not in cols]
    if missing:
        raise DataError(f"roster column(s) missing: {', '.join(missing)}", file=file, row=1,
                        hint=f"a roster has the columns {', '.join(ROSTER_COLUMNS)} (mentor_id and name required)")
    out = pd.DataFrame({c: table.body[cols[c]].str.strip() if c in cols else "" for c in ROSTER_COLUMNS})
    # A roster written by our own CSV writer carries the formula-injection escape: drop it, as the
    # canonical readers do, so names reach the reports (and the workbook) exactly as typed.
    from mentorassess._safe import unescape_cell

    for c in out.columns:  # only a cell starting with ' can change (once per such cell)
        vals = out[c].to_numpy(dtype=object)
        quoted = np.fromiter((isinstance(v, str) and v.startswith("'") for v in vals), dtype=bool, count=len(vals))
        if quoted.any():
            vals = vals.copy()
            vals[quoted] = [unescape_cell(v) for v in vals[quoted]]
            out[c] = vals
    problems: list[Problem] = []
    for i in np.flatnonzero([not v for v in out["mentor_id"].tolist()]).tolist():
        problems.append(Problem("empty mentor_id", file=file, row=int(table.rows[i]), column="mentor_id",
                                code="roster-empty-id"))
    for key in ("mentor_id", "email"):
        vals = out[key].str.casefold()
        dup = vals[(vals != "") & vals.duplicated(keep=False)]
        for v in sorted(set(dup)):
            rows = [int(table.rows[i]) for i in dup.index[dup == v]]
            shown = out[key].iat[int(dup.index[dup == v][0])]
            problems.append(Problem(f"duplicate {key} {shown!r} in rows {', '.join(map(str, rows))}", file=file, row=rows[0],
                                    column=key, value=v, code="roster-duplicate",
                                    hint=f"each mentor must appear once with a unique {key}"))
    trained = out["trained"].str.casefold()
    bad = trained[~trained.isin(_TRUE | _FALSE)]
    for i in bad.index[:5]:
        problems.append(Problem(f"trained must be yes/no, true/false or 1/0; found {out['trained'].iat[i]!r}", file=file, row=int(table.rows[i]),
                                column="trained", value=out["trained"].iat[i], code="roster-bad-bool"))
    if problems:
        raise DataError.from_problems(problems, summary=f"{file}: the roster cannot be used")
    out["trained"] = trained.isin(_TRUE)
    out["email"] = out["email"].replace("", pd.NA)
    return out


class RosterIndex:
    """Lookup of roster mentors by id, e-mail and normalised name."""

    def __init__(self, roster: pd.DataFrame) -> None:
        self.ids = {str(i).strip(): str(i).strip() for i in roster["mentor_id"]}
        self.ids_ci: dict[str, list[str]] = {}
        for i in self.ids:
            self.ids_ci.setdefault(i.casefold(), []).append(i)
        self.ids_unpadded: dict[str, list[str]] = {}  # "00123" under "123": a spreadsheet removed the zeros
        for i in self.ids:
            if i.isdigit() and i.startswith("0") and i.lstrip("0"):
                self.ids_unpadded.setdefault(i.lstrip("0"), []).append(i)
        self.emails: dict[str, list[str]] = {}
        self.display: dict[str, str] = {}
        n = len(roster)
        names = roster["name"].tolist() if "name" in roster else [""] * n
        emails = roster["email"].tolist() if "email" in roster else [None] * n
        self._named: list[tuple[str, object]] = []
        for mid, name, email in zip(roster["mentor_id"].tolist(), names, emails):
            mid = str(mid).strip()
            self.display[mid] = str(name)
            if isinstance(email, str) and email.strip():
                self.emails.setdefault(email.strip().casefold(), []).append(mid)
            self._named.append((mid, name))
        self._names: dict[str, list[str]] | None = None

    @property
    def names(self) -> dict[str, list[str]]:
        """Normalised name -> mentor ids; built on first use (most exports match by id)."""
        if self._names is None:
            self._names = {}
            for mid, name in self._named:
                self._names.setdefault(normalise_name(name), []).append(mid)
        return self._names

    def match(self, value: str) -> tuple[str | None, str, list[str]]:
        """``(mentor_id or None, method, suggestions)`` for one mentor cell."""
        v = str(value).strip()
        if v in self.ids:
            return v, "id", []
        for method, table, key in (("id (case)", self.ids_ci, v.casefold()),
                                   ("id (leading zeros restored)", self.ids_unpadded if v.isdigit() else {}, v),
                                   ("email", self.emails, v.casefold()),
                                   ("name", self.names, normalise_name(v))):
            hits = table.get(key, [])
            if len(hits) == 1:
                return hits[0], method, []
            if len(hits) > 1:
                return None, "ambiguous", [self._show(h) for h in hits]
        return None, "none", self.suggest(v)

    def suggest(self, value: str) -> list[str]:
        """Up to three roster entries that resemble ``value``."""
        out: list[str] = []
        norm = normalise_name(value)
        name_hits = difflib.get_close_matches(norm, list(self.names), n=3, cutoff=0.6) if norm else []
        for key in name_hits:
            out.extend(self._show(m) for m in self.names[key])
        # Token overlap catches "Dr. Smith" vs "Jordan Smith".
        tokens = set(norm.split())
        if tokens:
            for key, mids in self.names.items():
                if tokens & set(key.split()) and len(min(tokens, key=len)) > 2:
                    out.extend(self._show(m) for m in mids)
        for key in difflib.get_close_matches(value.casefold(), list(self.ids_ci) + list(self.emails), n=3,
                                             cutoff=0.75):
            out.extend(self._show(m) for m in self.ids_ci.get(key, []) + self.emails.get(key, []))
        seen: list[str] = []
        for s in out:
            if s not in seen:
                seen.append(s)
        return seen[:3]

    def _show(self, mid: str) -> str:
        return f"{self.display.get(mid, mid)!r} ({mid})"
