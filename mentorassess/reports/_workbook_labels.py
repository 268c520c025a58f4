"""Plain-word labels and the column dictionary of the staff workbook.

Staff read competency titles and item wording from the instrument, never internal codes such as
``professional_development`` or ``blind_spot``; every column of every sheet is explained on the
"Column dictionary" sheet (:data:`COLUMNS`; a test checks that none is missing).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Labels", "COLUMNS", "GAP_WORDS", "column_dictionary"]

GAP_WORDS = {"blind_spot": "self rating above mentees", "hidden_strength": "self rating below mentees",
             "aligned": "self and mentees agree"}
_KIND_WORDS = {"lowest_mentee_mean": "lowest mentee mean", "largest_gap": "largest self-minus-mentee gap"}
_ROLE_WORDS = {"mentee": "mentees", "self": "self"}


class Labels:
    """Instrument titles for competency codes and item wording for item ids."""

    def __init__(self, instrument: Any = None) -> None:
        self.comp: dict[str, str] = {"overall": "Overall"}
        self.items: dict[str, str] = {}
        if instrument is not None:
            for c in getattr(instrument, "competencies", ()):
                self.comp[c.id] = c.title
            for i in getattr(instrument, "items", ()):
                self.items[i.id] = i.label

    def competency(self, code: Any) -> Any:
        if code is None or (isinstance(code, float) and code != code):
            return code
        code = str(code)
        return self.comp.get(code) or code.replace("_", " ").capitalize()

    def item(self, item_id: Any) -> Any:
        return self.items.get(str(item_id)) if item_id is not None else None

    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """Codes replaced by words; an ``item_text`` column after ``item``."""
        out = df.copy()
        for col in ("competency", "strongest", "weakest", "self_strongest", "self_weakest"):
            if col in out.columns:
                out[col] = _per_distinct(out[col], self.competency)
        if "gap_class" in out.columns:
            out["gap_class"] = _per_distinct(out["gap_class"], lambda v: GAP_WORDS.get(v, v))
        if "kind" in out.columns:
            out["kind"] = _per_distinct(out["kind"], lambda v: _KIND_WORDS.get(v, v))
        for col in ("rater_role", "role"):
            if col in out.columns:
                out[col] = _per_distinct(out[col], lambda v: _ROLE_WORDS.get(v, v))
        if "item" in out.columns and not {"item_text", "label"} & set(out.columns) and self.items:
            out.insert(out.columns.get_loc("item") + 1, "item_text", _per_distinct(out["item"], self.item))
        return out


def _per_distinct(values: pd.Series, fn) -> np.ndarray:
    """``values.map(fn)`` as an object array, ``fn`` called once per distinct value (and once per
    missing cell, with that cell's own value)."""
    arr = values.to_numpy(dtype=object)
    codes, uniq = pd.factorize(arr, use_na_sentinel=True)
    words = np.empty(len(uniq) + 1, dtype=object)
    words[:-1] = [fn(u) for u in uniq]
    out = words[codes]
    for k in np.flatnonzero(codes < 0):
        out[k] = fn(arr[k])
    return out


COLUMNS: dict[str, str] = {
    "mentor_id": "The mentor's id in the roster.",
    "name": "The mentor's name from the roster (empty without a roster).",
    "department": "The mentor's department from the roster.",
    "cohort": "The mentor's cohort from the roster.",
    "trained": "Whether the roster marks the mentor as having taken the mentor training.",
    "wave": "Survey wave (e.g. pre = before the program, post = after).",
    "form": "Questionnaire: self = the mentor's self-assessment, mentee = mentees rating their mentor.",
    "mentee_n": "Mentee responses counted for this mentor and wave (empty when not shown).",
    "self_present": "Whether the mentor completed the self-assessment in this wave.",
    "comments_shown": "Mentee comments printed in the mentor's feedback report.",
    "mentee_comments": "Mentee comments received (shown or not).",
    "strongest": "Competency with the highest mentee mean for this mentor.",
    "weakest": "Competency with the lowest mentee mean for this mentor.",
    "self_strongest": "Competency the mentor rated highest in the self-assessment.",
    "self_weakest": "Competency the mentor rated lowest in the self-assessment.",
    "program_percentile": "Where the mentor's mentee mean falls among the program's mentors (0-100).",
    "self_percentile": "Where the mentor's self score falls among the program's self scores (0-100).",
    "status": "Either shown, or why the mentee figures are not shown (too few mentee responses).",
    "competency": "Competency (title from the instrument).",
    "item": "Item id in the instrument.",
    "item_text": "The item's wording.",
    "self_score": "The mentor's self-assessment score (1-7 scale).",
    "self_n": "Self-assessment responses (normally 1).",
    "mentee_mean": "Mean of the mentees' ratings of this mentor.",
    "mentee_sd": "Standard deviation of the mentees' ratings of this mentor.",
    "mentee_se": "Standard error of the mentee mean.",
    "mentee_ci_low": "Lower end of the 95% interval from this mentor's own mentee ratings.",
    "mentee_ci_high": "Upper end of the 95% interval from this mentor's own mentee ratings.",
    "pooled_sd": "Within-mentor SD pooled over the program's mentors.",
    "pooled_df": "Degrees of freedom of the pooled SD.",
    "pooled_se": "Standard error of the mentee mean from the pooled SD.",
    "pooled_ci_low": "Lower end of the 95% interval from the pooled SD (used in the feedback reports).",
    "pooled_ci_high": "Upper end of the 95% interval from the pooled SD (used in the feedback reports).",
    "gap": "Self score minus mentee mean.",
    "gap_class": "Whether the self rating is above, below or in line with the mentees' ratings.",
    "mentee_rank": "Rank of the competency among this mentor's mentee means (1 = highest).",
    "self_rank": "Rank of the competency among this mentor's self scores (1 = highest).",
    "rater_role": "Who rated: the mentor (self) or the mentees.",
    "role": "Who rated: the mentor (self) or the mentees.",
    "level": "Whether the row is a competency or a single item.",
    "n_mentors": "Mentors whose values enter this figure (the mentor is the unit).",
    "mean": "Mean over mentor-level values.",
    "sd": "Standard deviation over mentor-level values.",
    "p25": "25th percentile over mentors.",
    "p50": "Median over mentors.",
    "p75": "75th percentile over mentors.",
    "report_band": "Whether the feedback reports print the program band for this row.",
    "kind": "Why the row is listed: lowest mentee mean or largest self-minus-mentee gap.",
    "rank": "Position in that list (1 = most in need).",
    "value": "The mean or gap that ranks the row.",
    "share_below": "Share of mentors with a mentee mean below the stated level.",
    "pre": "The earlier wave.",
    "post": "The later wave.",
    "pairing": "How the waves are paired (by mentor).",
    "method": "The test used.",
    "n": "Mentors released in both waves (the pairs compared).",
    "n_pre": "Mentors released in the earlier wave.",
    "n_post": "Mentors released in the later wave.",
    "mean_pre": "Mean over the paired mentors, earlier wave.",
    "mean_post": "Mean over the paired mentors, later wave.",
    "mean_diff": "Mean of the mentors' changes (later minus earlier).",
    "sd_diff": "SD of the mentors' changes.",
    "t": "Paired t statistic.",
    "df": "Degrees of freedom.",
    "p": "Two-sided p value.",
    "ci_low": "Lower end of the 95% interval.",
    "ci_high": "Upper end of the 95% interval.",
    "mentors_compared": "Mentors compared.",
    "wilcoxon_V": "Wilcoxon signed-rank statistic.",
    "wilcoxon_p": "Wilcoxon p value.",
    "wilcoxon_exact": "Whether the Wilcoxon p value is exact.",
    "d_z": "Standardised change: mean change / SD of the changes.",
    "g_z": "d_z with the small-sample correction.",
    "share_improved": "Share of the paired mentors whose own change is positive.",
    "suppressed": "Whether the row is hidden by the release rules.",
    "phi_dz": "Probability that a mentor's change is positive under a normal model, Phi(d_z).",
    "by": "The roster column the mentors are grouped by.",
    "group": "The group (a value of that roster column).",
    "n_raters": "Ratings behind the figure.",
    "invited": "Mentors on the roster in this wave.",
    "responded": "Mentors with at least one response on this form.",
    "released": "Mentors whose figures are shown (self-assessment present; or enough mentee responses).",
    "response_rate": "responded / invited.",
    "responses": "Responses counted on this form.",
    "raters": "Distinct raters.",
    "mentors": "Mentors with at least one response.",
    "mentors_at_min": "Mentors with at least the minimum number of mentee responses (mentee form only).",
    "source": "Imported file.",
    "rows_read": "Rows read from the file.",
    "rows_kept": "Rows kept.",
    "rows_excluded": "Rows excluded (the reason columns add up to this).",
    "comment_no": "Comment number; flag details refer to other comments as #comment_no.",
    "response_id": "The survey response the comment belongs to.",
    "question": "The comment question.",
    "text": "The comment as written.",
    "shown_in_feedback": "Whether the comment appears in the mentor's feedback report.",
    "needs_review": "Whether any flag was raised.",
    "flag_name": "Holds a name from the roster.",
    "flag_email": "Holds an e-mail address.",
    "flag_phone": "Holds a phone number.",
    "flag_date": "Holds a date.",
    "flag_course_code": "Holds a course code.",
    "flag_duplicate": "Repeats another comment (same or nearly the same text).",
    "flag_details": "What was found, in words (whose name, which other comment).",
    "decision": "Staff decision: type 'exclude' to drop the comment from the next run's reports; "
                "empty or 'keep' keeps it.",
    "reason": "Why the response did not count.",
    "n_trained": "Trained mentors released in both waves.",
    "n_untrained": "Untrained mentors released in both waves.",
    "change_trained": "Mean of the trained mentors' own changes.",
    "change_untrained": "Mean of the untrained mentors' own changes.",
    "did": "Difference in differences: trained minus untrained mean change.",
    "se": "Standard error (Welch).",
    "label": "The item's wording.",
    "scale": "Competency the item belongs to.",
    "missing": "Share of responses leaving the item empty.",
    "floor": "Share of answers at the lowest scale point.",
    "ceiling": "Share of answers at the highest scale point.",
    "r_drop": "Item-rest correlation (the item with the rest of its competency).",
    "alpha_if_dropped": "Cronbach's alpha of the competency without this item.",
    "scale_alpha": "Cronbach's alpha of the competency.",
    "flags": "Conventions the item meets (e.g. low item-rest r, ceiling); see the psychometric report.",
    "eb_score": "Shrunken (empirical-Bayes) mentee score: the mentor's mean pulled toward the program mean, "
                "the more the fewer mentees (lme4 random-intercept model over the released means).",
    "eb_sd": "Conditional SD of the shrunken score (lme4 ranef condVar; treats the program mean and variances "
             "as known, so slightly too small).",
    "eb_ci_low": "Lower end of the 95% interval of the shrunken score (score - 1.96 conditional SD).",
    "eb_ci_high": "Upper end of the 95% interval of the shrunken score (score + 1.96 conditional SD).",
    "reliability": "Reliability of this mentor's mean for its number of mentees: between-mentor variance / "
                   "(between + within / n); also the weight the mentor's own mean gets in the shrunken score.",
    "model": "The mixed model fitted (lme4 formula).",
    "n_ratings_pre": "Mentee ratings of these mentors in the earlier wave.",
    "n_ratings_post": "Mentee ratings of these mentors in the later wave.",
    "estimate": "Change in mentees' ratings (later minus earlier wave), the model's wave effect.",
    "d_total": "Standardised change: estimate / SD of a single mentee rating (between plus within mentors).",
    "tau2": "Variance between mentors (random intercept).",
    "sigma2": "Variance within mentors (between mentees of one mentor).",
    "note": "Explanation.",
    "email": "Recipient e-mail address from the roster.",
    "file": "Feedback report file, relative to the feedback folder.",
    "sha256": "Checksum of the file (to verify it was not altered).",
    "bytes": "File size in bytes.",
    "recipient": "Recipient printed inside the PDF.",
    "sheet": "Sheet of this workbook.",
    "column": "Column of that sheet.",
    "meaning": "What the column holds.",
}


#: Columns whose meaning differs on one sheet.
SHEET_COLUMNS: dict[str, dict[str, str]] = {
    "Multilevel change": {
        "t": "t statistic of the wave effect.", "se": "Standard error of the wave effect.",
        "df": "Satterthwaite degrees of freedom (as R's lmerTest).", "p": "Two-sided p value (Satterthwaite df).",
        "n_mentors": "Mentors whose mentee mean is released in both waves (empty when the row is withheld).",
        "suppressed": "Whether the row is withheld (fewer than 3 mentors, or one mentor with most ratings)."},
}


def describe(column: str, sheet: str = "") -> str:
    """The meaning of a column, from :data:`COLUMNS` (empty when unknown)."""
    if sheet == "Import audit" and str(column) not in COLUMNS:
        return f"Rows excluded for the reason '{column}'."
    if str(column) in SHEET_COLUMNS.get(sheet, {}):
        return SHEET_COLUMNS[sheet][str(column)]
    return COLUMNS.get(str(column), "")


def column_dictionary(sheets) -> pd.DataFrame:
    """One row per sheet and column: what the column holds."""
    rows = [{"sheet": s.name, "column": str(c), "meaning": describe(c, s.name)} for s in sheets for c in s.frame.columns]
    return pd.DataFrame(rows, columns=["sheet", "column", "meaning"])
