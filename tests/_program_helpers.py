"""Shared data for the program, workbook and psychometric report tests (built once per session)."""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache

REPORT_DATE = dt.date(2026, 6, 30)
EVIL_NAME = "=HYPERLINK(\"http://x\",\"click\")"
EVIL_COMMENT = "=1+2 and more"
# The shape of ImportReport.to_dict() (mentorassess.io.audit): rows_excluded maps reason -> rows.
IMPORT_AUDIT = {"source": "qualtrics_mentee.csv", "rows_read": 212, "rows_kept": 199,
                "rows_excluded": {"preview": 2, "incomplete": 8, "duplicate": 3}, "rows_excluded_total": 13}


@lru_cache(maxsize=None)
def program_data():
    """Sample program (24 mentors) with a formula-like name and comment, scored and aggregated."""
    from mentorassess.aggregate import aggregate
    from mentorassess.stats.program_data import program_tables
    from mentorassess.sample import generate
    from mentorassess.scoring import score

    prog = generate(seed=11, n_mentors=24)
    responses = prog.responses.copy()
    roster = prog.roster.copy()
    roster.loc[roster.index[0], "name"] = EVIL_NAME
    mentee_rows = responses.index[(responses["rater_role"] == "mentee")
                                  & (responses["mentor_id"] == roster["mentor_id"].iloc[0])]
    first = mentee_rows[0] if len(mentee_rows) else responses.index[responses["rater_role"] == "mentee"][0]
    responses.loc[first, "comment_strengths"] = EVIL_COMMENT
    sc = score(responses, "mca-26")
    prof = aggregate(sc, roster=roster)
    tables = program_tables(prof, import_reports=[IMPORT_AUDIT], roster=roster)
    return prog, responses, roster, sc, prof, tables


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(p.extract_text() for p in reader.pages).replace("\xa0", " ")


def page_count(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)
