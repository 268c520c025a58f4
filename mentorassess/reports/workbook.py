"""The staff workbook: sheets built from Profiles, program tables, import audits and item statistics.

Staff filter and sort this workbook, so it carries per-mentor rows (with names when a roster
gives them) and every comment for review; it is not for mentors or a steering committee. The
rules of the feedback reports still hold: a suppressed mentee value is an empty cell next to a
``status`` that says why ("suppressed: fewer than 3 mentee responses"), never a number. All
writing goes through :func:`mentorassess.reports.excel.write_workbook` (strings never formulas,
formula-injection escaping, deterministic bytes, atomic write).

Nothing here computes a statistic: values come from ``aggregate``, ``program_tables`` and
``stats.psych_summary``.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mentorassess.aggregate import BELOW_MIN_RATERS, TOO_FEW_VALID, Profiles
from mentorassess.stats.program_data import ProgramTables
from mentorassess.reports.excel import Sheet, workbook_bytes

__all__ = ["workbook_sheets", "workbook_readme", "write_staff_workbook", "SHEET_NAMES"]

SHEET_NAMES = ("Mentors", "Mentor profiles", "Mentor items", "Program benchmarks", "Training needs",
               "Change", "Subgroups", "Participation", "Import audit", "Item statistics", "Comments for review",
               "Not counted")


def _status(reason: Any, k: int) -> str:
    if reason == BELOW_MIN_RATERS:
        return f"not shown: fewer than {k} mentees responded"
    if reason is None or (isinstance(reason, float) and reason != reason):
        return "shown"
    return "not shown"  # one wording whatever the cause (release rule R7)


def _with_status(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    out = frame.copy()
    if "suppressed_reason" not in out.columns:
        out["suppressed_reason"] = np.where(out["suppressed"].astype(bool), "hidden", None).astype(object)
    out.insert(out.columns.get_loc("suppressed_reason"), "status",
               [_status(r, k) for r in out["suppressed_reason"]])
    return out.drop(columns=["suppressed", "suppressed_reason"])


def workbook_sheets(profiles: Profiles, tables: ProgramTables, *,
                    item_statistics: pd.DataFrame | None = None) -> list[Sheet]:
    """The workbook's sheets (see :data:`SHEET_NAMES`), in order."""
    k = profiles.settings.min_raters
    ids = ["mentor_id", "name", "department", "cohort", "trained"]
    roster = profiles.mentors[["mentor_id", "wave", "name", "department", "cohort", "trained"]]

    mentors = _with_status(profiles.mentors, k)
    mentors = mentors[[c for c in mentors.columns if c != "status"] + ["status"]]

    comp = profiles.competencies.merge(roster, on=["mentor_id", "wave"], how="left")
    comp = _with_status(comp, k)
    lead = ids + ["wave", "competency", "status"]
    comp = comp[lead + [c for c in comp.columns if c not in lead]]

    items = profiles.items.merge(roster, on=["mentor_id", "wave"], how="left")
    items = _with_status(items, k)
    lead_i = ids + ["wave", "competency", "item", "status"]
    keep = ["self_score", "mentee_n", "mentee_mean", "mentee_sd", "pooled_ci_low", "pooled_ci_high", "gap",
            "gap_class"]
    items = items[lead_i + keep]

    bench = profiles.program.copy()
    tn = tables.training_needs.to_frame() if tables.training_needs is not None else pd.DataFrame()
    needs = tn.merge(tables.share_below[["wave", "competency", "share_below"]].assign(level="competency"),
                     on=["wave", "level", "competency"], how="left") if len(tn) else tn
    change = (pd.concat([c.to_frame() for c in tables.changes], ignore_index=True) if tables.changes
              else pd.DataFrame({"note": ["only one wave: no change"]}))
    subs = tables.to_frame()
    if not subs.empty:
        subs = _with_status(subs, tables.subgroups.min_raters)
    part = tables.participation
    audit = part.imports.merge(part.exclusions.pivot_table(index="source", columns="reason", values="rows",
                                                           aggfunc="sum").reset_index(), on="source", how="left") \
        if not part.exclusions.empty else part.imports
    if audit.empty:
        audit = pd.DataFrame({"source": ["(no import audit given: responses received as supplied)"]})

    if item_statistics is None:
        p = profiles.program
        item_statistics = p[p["level"] == "item"].drop(columns=["level", "report_band"]).reset_index(drop=True)

    com = profiles.review.copy()
    com = com.merge(roster[["mentor_id", "wave", "name"]], on=["mentor_id", "wave"], how="left")
    com = com[["response_id", "mentor_id", "name", "wave", "rater_role", "question", "text", "shown_in_feedback"]]
    com = com.sort_values(["mentor_id", "wave", "rater_role", "question", "text"], kind="stable")

    pct = {"share_below": "0%", "program_percentile": "0", "self_percentile": "0"}
    return [
        Sheet("Mentors", mentors.reset_index(drop=True), number_formats=pct,
              note=f"One row per mentor and wave. Mentee figures need at least {k} mentee responses."),
        Sheet("Mentor profiles", comp.reset_index(drop=True), number_formats=pct,
              note="Per mentor, wave and competency; a suppressed cell is empty and 'status' says why."),
        Sheet("Mentor items", items.reset_index(drop=True),
              note="Per mentor, wave and item; same suppression rule as the competencies."),
        Sheet("Program benchmarks", bench, note="Over mentor-level values; empty below the threshold."),
        Sheet("Training needs", needs if len(needs) else pd.DataFrame({"note": ["no wave with enough mentors"]}),
              number_formats={"share_below": "0%"},
              note=f"Lowest program mentee means and largest self-minus-mentee gaps; share_below = share of "
                   f"eligible mentors with a mentee mean below {tables.level:g}."),
        Sheet("Change", change, number_formats={"phi_dz": "0%", "share_improved": "0%"},
              note="Program change per competency over mentors released in both waves (the mentor is the unit); "
                   "phi_dz = Phi(d_z); share_improved = share of those mentors whose own change is positive."),
        Sheet("Subgroups", subs if not subs.empty else pd.DataFrame({"note": ["no roster groups"]}),
              note=f"The mentor is the unit. A cell needs 3 mentors, {k} ratings and no mentor with most of them; "
                   "more cells are hidden so that none can be recovered by subtraction."),
        Sheet("Participation", part.table),
        Sheet("Import audit", audit, note="Rows read = rows kept + rows excluded, per source and reason."),
        Sheet("Item statistics", item_statistics.reset_index(drop=True)),
        Sheet("Comments for review", com.reset_index(drop=True),
              note="All comments, for staff review; shown_in_feedback = appears in the mentor's PDF."),
        Sheet("Not counted", profiles.exclusions.reset_index(drop=True) if len(profiles.exclusions)
              else pd.DataFrame({"note": ["every response counted"]}),
              note="Responses that did not count as raters (repeat submissions, self forms filed as mentee ratings, "
                   "near-empty responses) and why."),
    ]


def workbook_readme(profiles: Profiles, *, report_date: _dt.date, instrument_title: str = "") -> list[tuple[str, str]]:
    """README rows: what each sheet holds, thresholds, date."""
    s = profiles.settings
    return [
        ("Report date", report_date.isoformat()),
        ("Instrument", f"{instrument_title} ({s.instrument_id})".strip()),
        ("Waves", ", ".join(s.waves)),
        ("Confidentiality", f"Mentee figures are shown only with at least {s.min_raters} mentee responses and "
                            f"{s.min_raters} valid answers per value; comments need {s.min_raters_comments}. "
                            "Suppressed cells are empty with a status saying why. This workbook is for "
                            "evaluation staff only: it names mentors and lists every comment."),
        ("Intervals", f"{s.level:.0%} t intervals: the mentor's own (mentee_ci_*) and from the program's pooled "
                      "within-mentor SD (pooled_ci_*, used in the feedback PDFs)."),
        ("Mentors", "One row per mentor and wave: mentee responses, strongest/weakest, program percentile."),
        ("Mentor profiles", "Per mentor, wave and competency: self score, mentee n, mean, SD, intervals, gap."),
        ("Mentor items", "The same per item."),
        ("Program benchmarks", "Per wave, role, competency and item: mentors, mean, SD, quartiles."),
        ("Training needs", "Competencies by program mentee mean, share below the level, gaps; lowest items."),
        ("Change", "Pre/post change per competency, paired by mentor, with 95% CI, d_z and share improved."),
        ("Subgroups", "Means by department, cohort and training with primary and secondary suppression."),
        ("Participation", "Responses, mentors and raters per wave and form; mentors at the threshold."),
        ("Import audit", "Rows read, kept and excluded by reason for each imported file."),
        ("Item statistics", "Item means, SDs, item-rest correlations, alpha if dropped, flags."),
        ("Comments for review", "Every comment with its response_id, to exclude one in the configuration."),
        ("Not counted", "Responses that did not count as raters, with the reason."),
        ("Text safety", "Text starting with = + - @ or a tab/line break is prefixed with ' so that it is never "
                        "run as a formula."),
    ]


def write_staff_workbook(profiles: Profiles, tables: ProgramTables, path: str | os.PathLike, *,
                         report_date: _dt.date, item_statistics: pd.DataFrame | None = None,
                         instrument_title: str = "") -> Path:
    """Write the staff workbook atomically; return its path."""
    from mentorassess._files import atomic_write_bytes

    sheets = workbook_sheets(profiles, tables, item_statistics=item_statistics)
    data = workbook_bytes(sheets, readme=workbook_readme(profiles, report_date=report_date,
                                                         instrument_title=instrument_title),
                          title="mentorassess staff workbook")
    return atomic_write_bytes(path, data)
