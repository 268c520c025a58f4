"""Plain-language sentences for the mentor feedback report.

Wording rules (``docs/feedback-reports.md`` §2, ``docs/instruments.md`` §8): describe perceptions
("your mentees rated..."), never traits ("you are..."); strengths first, then at most two focus
areas, each with a concrete next step; give ranges in numbers explained in words; one decimal; never
rank the mentor against peers; say that evidence linking scores to outcomes is limited. Every
function returns plain text (no markup) built only from values it is given; nothing here computes a
statistic.
"""

from __future__ import annotations

from typing import Sequence

__all__ = [
    "fmt", "mentees", "wave_label", "participation", "suppressed_notice", "hidden_competency", "how_to_read", "evidence_note", "methods_note",
    "comment_heading", "COMMENT_HEADINGS", "instrument_status",
]

WAVE_LABELS = {
    "pre": "start of the program",
    "post": "end of the program",
    "retrospective_pre": "looking back to the start",
    "follow_up": "follow-up",
}

COMMENT_HEADINGS = {
    "comment_strengths": "What works well",
    "comment_growth": "What could be different",
}


def fmt(x: float | None) -> str:
    """One decimal, no negative zero; an en dash for a missing value."""
    if x is None:
        return "–"
    s = f"{float(x):.1f}"
    return "0.0" if s == "-0.0" else s


def mentees(n: int) -> str:
    return f"{n} mentee" if n == 1 else f"{n} mentees"


def wave_label(wave: str) -> str:
    """A reader-friendly name for a wave id (``post`` -> ``end of the program``)."""
    return WAVE_LABELS.get(wave, wave.replace("_", " "))


def _join(parts: Sequence[str]) -> str:
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def comment_heading(prompt_id: str, prompt: str) -> str:
    return COMMENT_HEADINGS.get(prompt_id, prompt)


def suppressed_notice(min_raters: int, self_done: bool = True) -> str:
    """The whole-report notice below the threshold; identical for 0, 1, ... min_raters-1."""
    shows = "your self-assessment and program-wide results" if self_done else "program-wide results and suggestions"
    return (f"Fewer than {min_raters} of your mentees responded this round, so this report shows {shows} only, "
            "to protect your mentees' anonymity. Mentee results will appear once enough mentees have responded.")


def participation(self_done: bool, mentees_shown: bool, n_mentees: int | None, min_raters: int) -> str:
    """The participation line under the header."""
    own = ("You completed your self-assessment." if self_done
           else "We did not receive a self-assessment from you this round.")
    if mentees_shown and n_mentees is not None:
        return f"{own} {mentees(n_mentees).capitalize()} responded and their ratings are summarised here."
    return f"{own} {suppressed_notice(min_raters, self_done)}"


def hidden_competency(title: str, own: float | None) -> str:
    """The one sentence for a competency whose mentee average is not shown, whatever the reason.

    It is true for every reason (too few answers, or an average that would come too close to
    each mentee's answers), so it neither contradicts the report's count of mentees nor tells the
    mentor which reason applied.
    """
    s = (f"{title}: your mentees' ratings are not shown, to protect their anonymity: with this few answers "
         "to these questions, an average could give away what each of them answered.")
    if own is not None:
        s += f" Your own rating was {fmt(own)}."
    return s


def how_to_read(*, n_competencies: int, scale_min: int, scale_max: int, anchors: dict[int, str],
                min_raters: int, mentees_shown: bool, n_mentees: int | None, band: bool,
                has_self: bool = True) -> str:
    lo = f'{scale_min} “{anchors[scale_min]}”' if scale_min in anchors else str(scale_min)
    hi = f'{scale_max} “{anchors[scale_max]}”' if scale_max in anchors else str(scale_max)
    if n_competencies == 1:
        s = [f"The chart shows the overall rating from {lo} to {hi}."]
    else:
        s = [f"Each row of the chart is one of the {n_competencies} mentoring competencies, rated from {lo} to "
             f"{hi}."]
    if has_self:
        s.append("The open diamond is your own rating.")
    if mentees_shown and n_mentees:
        s.append(f"The filled circle is your mentees' average, based on {mentees(n_mentees)}. The shaded band "
                 "shows where that average could plausibly lie (a 95% range): with few mentees one person's "
                 "view moves it a lot, so treat differences smaller than the band as “about the same”.")
    if band:
        s.append("The grey background is the middle half of mentors in this program.")
    s.append(f"Individual ratings are never shown, and mentee results are hidden when fewer than {min_raters} "
             "responded. These scores are perceptions at one point in time: a starting point for a "
             "conversation, not a grade.")
    return " ".join(s)


STATUS_TEXT = {
    "validated": "validated questionnaire",
    "provisional": "provisional questionnaire, still being validated",
    "our-design": "questionnaire designed for this program, not validated",
}


def instrument_status(status: str) -> str:
    """Reader-facing words for an instrument's status (shown wherever its scores are)."""
    return STATUS_TEXT.get(status, f"status: {status}")


def evidence_note(status: str = "validated") -> str:
    which = ("a validated questionnaire, but scores" if status == "validated"
             else "a questionnaire that is not fully validated, and scores")
    return (f"This report is feedback for your own development. It uses {which} are one view of mentoring, "
            "and evidence linking them to mentee outcomes is still limited.")


def methods_note(*, citation: str, status: str, min_raters: int, min_raters_comments: int,
                 interval_method: str, band: bool, mentees_shown: bool = True) -> str:
    s = f"Methods: {citation.strip().rstrip('.')} ({instrument_status(status)})."
    if mentees_shown:
        s += (f" Mentee averages are shown with a 95% plausible range computed from the {interval_method};"
              f" mentee results need at least {min_raters} responses, comments at least {min_raters_comments}.")
    else:
        s += f" Mentee results need at least {min_raters} responses."
    if band:
        s += (" The program's middle half is the 25th to 75th percentile of mentor averages among mentors with "
              "enough responses.")
    return s
