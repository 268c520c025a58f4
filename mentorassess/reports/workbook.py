"""The staff workbook: sheets built from Profiles, program tables, import audits and item statistics.

Staff filter and sort this workbook, so it carries per-mentor rows (with names when a roster
gives them) and every comment for review; it is not for mentors or a steering committee. The
rules of the feedback reports still hold: a suppressed mentee value is an empty cell next to a
``status`` that says why ("suppressed: fewer than 3 mentee responses"), never a number. All
writing goes through :func:`mentorassess.reports.excel.write_workbook` (text typed as text with the
quote-prefix style, never a formula; deterministic bytes; atomic write). Labels are words (competency
titles, item wording, "self rating above mentees"), never internal codes; the "Column dictionary"
sheet explains every column; the id and name columns stay frozen on wide sheets. Staff decisions
typed into "Comments for review" are read back by the next run (:mod:`mentorassess.release.review`).

Nothing here computes a statistic: values come from ``aggregate``, ``program_tables``,
``stats.psych_summary`` and ``stats.precision.released`` (shrunken scores from Profiles).
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np
import pandas as pd

from mentorassess.aggregate import BELOW_MIN_RATERS, TOO_FEW_VALID, Profiles
from mentorassess.stats.precision.released import ShrunkenProfiles, shrunken_profiles
from mentorassess.stats.program_data import ProgramTables
from mentorassess.reports._workbook_labels import Labels, column_dictionary
from mentorassess.reports.excel import Sheet, workbook_bytes

__all__ = ["workbook_sheets", "iter_workbook_sheets", "workbook_readme", "write_staff_workbook",
           "SHEET_NAMES"]

SHEET_NAMES = ("Mentors", "Mentor profiles", "Shrunken scores", "Mentor items", "Program benchmarks",
               "Training needs", "Change", "Multilevel change", "Trained vs untrained", "Subgroups", "Participation",
               "Import audit", "Item statistics", "Comments for review", "Not counted", "Distribution",
               "Column dictionary")


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


def _participation(profiles: Profiles) -> pd.DataFrame:
    """Per wave and form, against the roster: mentors invited, responded, released, and the rate."""
    from mentorassess.program_tables import roster_participation

    return roster_participation(profiles)


def _review_sheet(profiles: Profiles, roster: pd.DataFrame, decisions: Mapping[str, str] | None) -> pd.DataFrame:
    from mentorassess.release.comments import KINDS
    from mentorassess.release.review import review_key

    com = profiles.review.reset_index(drop=True).copy()
    com.insert(0, "comment_no", np.arange(len(com), dtype=int))  # "#7" in flag_details is comment_no 7
    com = com.merge(roster[["mentor_id", "wave", "name"]], on=["mentor_id", "wave"], how="left")
    flags = com["flags"] if "flags" in com.columns else pd.Series([""] * len(com), dtype=object)
    kinds = flags.fillna("").astype(str).str.split(";")
    for kind in KINDS:
        com[f"flag_{kind}"] = np.where(kinds.map(lambda ks, k=kind: k in ks), "yes", "").astype(object)
    if "flag_details" not in com.columns:
        com["flag_details"] = ""
    if "needs_review" not in com.columns:
        com["needs_review"] = False
    got = decisions or {}
    com["decision"] = [got.get(review_key(r, q)) for r, q in zip(com["response_id"], com["question"])]
    cols = ["comment_no", "response_id", "mentor_id", "name", "wave", "rater_role", "question", "text",
            "shown_in_feedback", "needs_review", *(f"flag_{k}" for k in KINDS), "flag_details", "decision"]
    return com[cols]


def _shrunken_sheet(shrunk: ShrunkenProfiles, roster: pd.DataFrame, k: int) -> pd.DataFrame:
    """EB scores beside the raw mentee means, with the raw cell's status (same release decision)."""
    t = shrunk.table.merge(roster, on=["mentor_id", "wave"], how="left")
    not_est = t["status"].eq("not_estimated").to_numpy()
    t = _with_status(t.drop(columns="status"), k)
    t.loc[not_est, "status"] = f"shown; no shrunken score: fewer than {shrunk.min_mentors} mentors released"
    lead = ["mentor_id", "name", "department", "cohort", "trained", "wave", "competency", "status"]
    return t[lead + ["mentee_mean", "eb_score", "eb_sd", "eb_ci_low", "eb_ci_high", "reliability"]]


def _multilevel_sheet(tables: ProgramTables) -> pd.DataFrame:
    ml = getattr(tables, "multilevel", ())
    if not ml:
        return pd.DataFrame({"note": ["only one wave: no change"]})
    return pd.concat([m.to_frame() for m in ml], ignore_index=True)


def _distribution(manifest: Any) -> pd.DataFrame:
    if manifest is None:
        return pd.DataFrame({"note": ["no feedback reports were written in this run"]})
    if isinstance(manifest, pd.DataFrame):
        return manifest.reset_index(drop=True)
    rows = [{"mentor_id": e.mentor_id, "name": e.name, "email": e.email, "wave": e.wave, "file": e.file,
             "sha256": e.sha256, "bytes": e.bytes} for e in manifest.entries]
    return pd.DataFrame(rows, columns=["mentor_id", "name", "email", "wave", "file", "sha256", "bytes"])


def workbook_sheets(profiles: Profiles, tables: ProgramTables, *,
                    item_statistics: pd.DataFrame | None = None, instrument: Any = None,
                    decisions: Mapping[str, str] | None = None, manifest: Any = None,
                    shrunken: ShrunkenProfiles | None = None) -> list[Sheet]:
    """The workbook's sheets (see :data:`SHEET_NAMES`), in order (arguments as :func:`iter_workbook_sheets`)."""
    return list(iter_workbook_sheets(profiles, tables, item_statistics=item_statistics, instrument=instrument,
                                     decisions=decisions, manifest=manifest, shrunken=shrunken))


def iter_workbook_sheets(profiles: Profiles, tables: ProgramTables, *,
                         item_statistics: pd.DataFrame | None = None, instrument: Any = None,
                         decisions: Mapping[str, str] | None = None, manifest: Any = None,
                         shrunken: ShrunkenProfiles | None = None) -> Iterator[Sheet]:
    """The workbook's sheets (see :data:`SHEET_NAMES`), one at a time, in order.

    ``item_statistics`` has one row per form, wave and item (columns ``form`` and ``wave`` first);
    without it the sheet shows the program's item means per form and wave. ``decisions`` (comment
    key -> ``exclude``/``keep``, from :func:`mentorassess.release.review.read_comment_review`) pre-fill
    the review sheet's decision column, so a decision survives reruns. ``manifest`` is the feedback
    manifest (:class:`mentorassess.release.manifest.Manifest`) the distribution sheet lists, or a
    callable returning it, called only when that sheet is reached: a run writes the sheets before it
    while its feedback reports are still being written.
    ``shrunken`` (default: :func:`~mentorassess.stats.precision.released.shrunken_profiles` of
    ``profiles``) fills "Shrunken scores".
    """
    if instrument is None:
        try:
            from mentorassess.instruments import load_instrument

            instrument = load_instrument(profiles.settings.instrument_id)
        except Exception:  # noqa: BLE001 - a custom instrument not on disk: codes made readable instead
            instrument = None
    lab = Labels(instrument)
    k = profiles.settings.min_raters
    ids = ["mentor_id", "name", "department", "cohort", "trained"]
    roster = profiles.mentors[["mentor_id", "wave", "name", "department", "cohort", "trained"]]

    mentors = _with_status(profiles.mentors, k)
    mentors = mentors[["mentor_id", "name"] + [c for c in mentors.columns if c not in ("mentor_id", "name", "status")]
                      + ["status"]]

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
        item_statistics = (p[p["level"] == "item"].drop(columns=["level", "report_band"])
                           .rename(columns={"rater_role": "form"}).reset_index(drop=True))
        stats_note = ("Item means over mentors per form and wave (no psychometric analysis in this run: "
                      "too few responses or not requested).")
    else:
        stats_note = ("Item statistics per form and wave (from the psychometric analysis of each form and wave): "
                      "means, SDs, item-rest correlations, alpha if dropped, flags.")
    lead_s = [c for c in ("form", "wave") if c in item_statistics.columns]
    item_statistics = item_statistics[lead_s + [c for c in item_statistics.columns if c not in lead_s]]

    if shrunken is None:
        shrunken = shrunken_profiles(profiles, level=profiles.settings.level, min_mentors=getattr(tables, "min_mentors", 3))
    shrunk = _shrunken_sheet(shrunken, roster, k)
    com = _review_sheet(profiles, roster, decisions)
    excluded = int((com["decision"] == "exclude").sum())

    def L(df: pd.DataFrame) -> pd.DataFrame:
        return lab.frame(df.reset_index(drop=True))

    pct = {"share_below": "0%", "program_percentile": "0", "self_percentile": "0"}
    sheets = [
        Sheet("Mentors", L(mentors), number_formats=pct,
              note=f"One row per mentor and wave. Mentee figures need at least {k} mentee responses."),
        Sheet("Mentor profiles", L(comp), number_formats=pct,
              note="Per mentor, wave and competency; a suppressed cell is empty and 'status' says why."),
        Sheet("Shrunken scores", L(shrunk), number_formats={"reliability": "0.00"},
              note="Per mentor, wave and competency: the raw mentee mean beside its empirical-Bayes (shrunken) "
                   "estimate from lmer(score ~ 1 + (1 | mentor)) fitted to the released means of the wave and "
                   "competency. Where the raw mean is not shown, neither is the shrunken one. For staff only: "
                   "feedback reports do not show shrunken scores (docs/precision.md)."),
        Sheet("Mentor items", L(items),
              note="Per mentor, wave and item; same suppression rule as the competencies."),
        Sheet("Program benchmarks", L(bench), note="Over mentor-level values; empty below the threshold."),
        Sheet("Training needs", L(needs) if len(needs) else pd.DataFrame({"note": ["no wave with enough mentors"]}),
              number_formats={"share_below": "0%"},
              note=f"Lowest program mentee means and largest self-minus-mentee gaps; share_below = share of "
                   f"eligible mentors with a mentee mean below {tables.level:g}."),
        Sheet("Change", L(change), number_formats={"phi_dz": "0%", "share_improved": "0%"},
              note="Program change per competency over mentors released in both waves (the mentor is the unit); "
                   "phi_dz = Phi(d_z); share_improved = share of those mentors whose own change is positive."),
        Sheet("Multilevel change", L(_multilevel_sheet(tables)),
              note="Mentees' ratings: score ~ wave + (1 | mentor) per competency by REML over the mentors released "
                   "in both waves, Satterthwaite df (as lmerTest); d_total = estimate / SD of a single rating. A "
                   f"row needs {getattr(tables, 'min_mentors', 3)} mentors and no mentor with most of its ratings."),
        Sheet("Trained vs untrained", L(pd.concat([d.to_frame() for d in tables.trained], ignore_index=True))
              if getattr(tables, "trained", ()) else pd.DataFrame({"note": ["no roster column 'trained' or one wave"]}),
              note="Difference in differences over mentors released in both waves: trained mentors' mean change minus "
                   "untrained mentors' (Welch 95% interval); empty when either group has fewer than "
                   f"{getattr(tables, 'min_mentors', 3)} mentors. Observational: not the effect of training."),
        Sheet("Subgroups", L(subs) if not subs.empty else pd.DataFrame({"note": ["no roster groups"]}),
              note=f"The mentor is the unit. A cell needs 3 mentors, {k} ratings and no mentor with most of them; "
                   "more cells are hidden so that none can be recovered by subtraction."),
        Sheet("Participation", L(_participation(profiles)), number_formats={"response_rate": "0%"},
              note="Mentors per form and wave: invited (on the roster), responded, released (figures shown)."),
        Sheet("Import audit", audit, note="Rows read = rows kept + rows excluded, per source and reason."),
        Sheet("Item statistics", L(item_statistics), note=stats_note),
        Sheet("Comments for review", L(com),
              note="Every comment. To drop one from the next run's reports, type exclude in 'decision' and "
                   f"save; the next run reads this workbook back. Marked exclude now: {excluded}."),
        Sheet("Not counted", profiles.exclusions.reset_index(drop=True) if len(profiles.exclusions)
              else pd.DataFrame({"note": ["every response counted"]}),
              note="Responses that did not count as raters (repeat submissions, self forms filed as mentee ratings, "
                   "near-empty responses) and why."),
    ]
    yield from sheets
    sheets.append(Sheet("Distribution", _distribution(manifest() if callable(manifest) else manifest),
                        note="The feedback reports to send, as listed in feedback/manifest.csv (one row per file)."))
    yield sheets[-1]
    yield Sheet("Column dictionary", column_dictionary(sheets), freeze=2, note="What every column of every sheet holds.")


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
        ("Shrunken scores", "Per mentor, wave and competency: raw mentee mean, shrunken (empirical-Bayes) estimate, "
                            "its conditional SD and interval, and the reliability of that mentor's mean."),
        ("Mentor items", "The same per item."),
        ("Program benchmarks", "Per wave, role, competency and item: mentors, mean, SD, quartiles."),
        ("Training needs", "Competencies by program mentee mean, share below the level, gaps; lowest items."),
        ("Change", "Pre/post change per competency, paired by mentor, with 95% CI, d_z and share improved."),
        ("Multilevel change", "Pre/post change of mentees' ratings from the multilevel model score ~ wave + "
                              "(1 | mentor): estimate, Satterthwaite df, 95% CI, standardised change."),
        ("Trained vs untrained", "Change of trained minus untrained mentors (difference in differences) with its "
                                 "interval; observational, not the effect of training."),
        ("Subgroups", "Means by department, cohort and training with primary and secondary suppression."),
        ("Participation", "Mentors per form and wave: invited (roster), responded, released, response rate."),
        ("Import audit", "Rows read, kept and excluded by reason for each imported file."),
        ("Item statistics", "Per form and wave: item means, SDs, item-rest correlations, alpha if dropped, flags."),
        ("Comments for review", "Every comment, flagged for roster names, e-mail addresses, phone numbers, dates, "
                                "course codes and repeats. Type exclude in the decision column and save: the next "
                                "run (same output folder, or comment_review: in the configuration) leaves the "
                                "comment out of every report and keeps your decision in its new workbook."),
        ("Not counted", "Responses that did not count as raters, with the reason."),
        ("Distribution", "The feedback reports to send: mentor, e-mail, file and checksum (feedback/manifest.csv)."),
        ("Column dictionary", "What every column of every sheet holds."),
        ("Text safety", "Every text cell is stored as text with Excel's quote-prefix style: shown exactly as "
                        "written and never run as a formula, even after editing."),
    ]


def write_staff_workbook(profiles: Profiles, tables: ProgramTables, path: str | os.PathLike, *,
                         report_date: _dt.date, item_statistics: pd.DataFrame | None = None,
                         instrument_title: str = "", instrument: Any = None,
                         decisions: Mapping[str, str] | None = None, manifest: Any = None,
                         shrunken: ShrunkenProfiles | None = None) -> Path:
    """Write the staff workbook atomically; return its path (arguments as :func:`iter_workbook_sheets`).

    Each sheet is written as soon as it is built: a callable ``manifest`` is called after the sheets
    before "Distribution" are in the file."""
    from mentorassess._files import atomic_write_bytes

    sheets = iter_workbook_sheets(profiles, tables, item_statistics=item_statistics, instrument=instrument,
                                  decisions=decisions, manifest=manifest, shrunken=shrunken)
    data = workbook_bytes(sheets, readme=workbook_readme(profiles, report_date=report_date,
                                                         instrument_title=instrument_title),
                          title="mentorassess staff workbook")
    return atomic_write_bytes(path, data)
