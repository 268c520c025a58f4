"""Reading survey exports and writing canonical files.

Public entry points: :func:`read_export` (Qualtrics, REDCap, SPSS, SurveyMonkey, Google Forms,
Microsoft Forms, LimeSurvey, generic CSV/XLSX -> canonical responses plus an :class:`ImportReport`)
and :func:`read_roster`.
"""

from __future__ import annotations

from mentorassess.io.api import ImportResult, read_export
from mentorassess.io.audit import EXCLUSION_REASONS, ImportAuditError, ImportReport
from mentorassess.io.mapping import Mapping, load_mapping
from mentorassess.io.roster import read_roster
from mentorassess.io.rows import ImportOptions

__all__ = ["read_export", "ImportResult", "ImportReport", "ImportAuditError", "ImportOptions", "EXCLUSION_REASONS",
           "read_roster", "load_mapping", "Mapping"]
