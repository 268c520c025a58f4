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
    "fmt", "mentees", "wave_label", "participation", "suppressed_notice", "summary", "summary_single",
    "gap_heading", "gap_paragraph", "more_gaps", "similar_views", "hidden_competency",
    "change_sentence", "how_to_read", "closing_note", "evidence_note", "methods_note",
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


def summary(*, strongest: Sequence[tuple[str, float, int | None]],
            focus: tuple[str, float, float | None, str | None] | None,
            biggest_gap: tuple[str, float, float, str] | None,
            mentees_shown: bool,
            self_high: Sequence[tuple[str, float]] = (), self_low: Sequence[tuple[str, float]] = (),
            band: bool = False, has_self: bool = True) -> str:
    """One paragraph: strengths first, then where to grow, then the biggest self-vs-mentee difference.

    Parameters
    ----------
    strongest : [(title, mentee mean, n)] highest-rated competencies (first carries n).
    focus : (title, mentee mean, self score, gap_class) of the competency for attention.
    biggest_gap : (title, self, mentee mean, gap_class) of the largest flagged difference.
    self_high, self_low : [(title, self score)] used when mentee results are not shown.
    """
    if not mentees_shown:
        parts = []
        if self_high:
            parts.append("In your self-assessment you rated yourself highest on "
                         + _join([f"{t} ({fmt(v)})" for t, v in self_high]) + ".")
        if self_low:
            parts.append("You saw most room to grow in "
                         + _join([f"{t} ({fmt(v)})" for t, v in self_low])
                         + "; the suggestions at the end of this report focus there.")
        if not parts:
            parts.append("No self-assessment was received this round; the suggestions at the end of "
                         "this report are a place to start.")
        if band and (self_high or self_low):
            parts.append("The chart shows your own ratings next to the middle half of mentors in this program.")
        elif band:
            parts.append("The chart shows the middle half of mentors in this program.")
        return " ".join(parts)
    parts = []
    if strongest:
        bits = []
        for i, (title, mean, n) in enumerate(strongest):
            bits.append(f"{title} ({fmt(mean)}, based on {mentees(n)})" if i == 0 and n else
                        f"{title} ({fmt(mean)})")
        parts.append("Your mentees rated you highest on " + _join(bits) + ".")
    if focus is not None:
        title, mean, own, gclass = focus
        s = f"The area that stands out for attention is {title} ({fmt(mean)})"
        if gclass == "blind_spot" and own is not None:
            s += f", where your own rating ({fmt(own)}) is noticeably higher than your mentees'"
        parts.append(s + ".")
    if biggest_gap is not None:
        title, own, mean, gclass = biggest_gap
        if focus is None or title != focus[0] or gclass != "blind_spot":
            if gclass == "blind_spot":
                parts.append(f"The biggest difference between your view and your mentees' is in {title}: "
                             f"you rated yourself {fmt(own)}, your mentees {fmt(mean)}.")
            else:
                parts.append(f"The biggest difference between your view and your mentees' is in {title}, "
                             f"where your mentees ({fmt(mean)}) rated you higher than you rated yourself "
                             f"({fmt(own)}).")
        parts.append("The next pages show where your view and theirs differ and suggest one or two concrete "
                     "next steps.")
    elif has_self:
        parts.append("Your own ratings and your mentees' are similar, given the uncertainty. The next pages "
                     "show the numbers behind the chart and suggest one or two concrete next steps.")
    else:
        parts.append("The next pages show the numbers behind the chart and suggest one or two concrete next "
                     "steps.")
    return " ".join(parts)


def summary_single(*, title: str, mean: float | None, n: int | None, own: float | None,
                   gap_class: str | None) -> str:
    """Summary for an instrument with one overall scale (no strongest/weakest competencies)."""
    if mean is None or not n:
        return ("Too few of your mentees answered these questions to show their average. The next pages show "
                "your own ratings and suggest one or two concrete next steps.")
    s = f"Your mentees' average rating of {title[0].lower() + title[1:]} was {fmt(mean)}, based on {mentees(n)}."
    if own is not None:
        if gap_class == "blind_spot":
            s += f" Your own rating ({fmt(own)}) is noticeably higher than your mentees'."
        elif gap_class == "hidden_strength":
            s += f" Your mentees rated you higher than you rated yourself ({fmt(own)})."
        else:
            s += f" Your own rating ({fmt(own)}) is similar, given the uncertainty."
    return s + (" The next pages show the individual questions and suggest one or two concrete next steps.")


def gap_heading(gap_class: str, count: int = 1) -> str:
    """Task-focused heading for flagged differences (never "blind spot")."""
    if gap_class == "blind_spot":
        return "Where your view is higher than your mentees'"
    if gap_class == "hidden_strength":
        return "A strength you may underrate" if count == 1 else "Strengths you may underrate"
    return "Similar views"


def gap_paragraph(*, title: str, gap_class: str, own: float, mean: float, low: float | None,
                  high: float | None, n: int, item: str | None = None, brief: bool = False) -> str:
    """The paragraph for one flagged difference; ``brief`` for the second of a kind (no repeated advice)."""
    rng = f" (plausibly {fmt(low)} to {fmt(high)})" if low is not None and high is not None else ""
    if gap_class == "blind_spot":
        s = f"{title}: you rated yourself {fmt(own)}; your {mentees(n)}' average was {fmt(mean)}{rng}."
        s += (" This difference is also larger than the uncertainty." if brief else
              " The difference is larger than the uncertainty, so it is worth exploring.")
        if item:
            s += (f" A place to start: ask your mentees what would help most with “{item}”, the item they "
                  "rated lowest here.")
        return s
    s = f"{title}: your mentees rated you {fmt(mean)}{rng}, higher than your own {fmt(own)}."
    if not brief:
        s += " Your mentees may value this more than you realise; it is a strength to build on."
    return s


def more_gaps(gap_class: str, titles: Sequence[str]) -> str:
    """One sentence for the flagged differences beyond the two described in full."""
    what = ("your own rating is also higher than your mentees' average" if gap_class == "blind_spot"
            else "your mentees also rated you higher than you rated yourself")
    return f"For {_join(list(titles))}, {what} by more than the uncertainty (see the table above)."


def similar_views() -> str:
    return ("For every competency, your view and your mentees' are similar, given the uncertainty: no "
            "difference is larger than the plausible range of your mentees' average.")


def hidden_competency(title: str, min_raters: int, own: float | None) -> str:
    s = (f"{title}: fewer than {min_raters} of your mentees answered these questions, so their ratings "
         "are not shown, to protect their anonymity.")
    if own is not None:
        s += f" Your own rating was {fmt(own)}."
    return s


def change_sentence(*, title: str, previous: str, self_before: float | None, self_after: float | None,
                    mean_before: float | None, mean_after: float | None, n_before: int | None,
                    n_after: int | None) -> str:
    """Change since the previous wave, modestly worded (change is not proof of effect)."""
    parts = []
    if self_before is not None and self_after is not None:
        verb = "rose" if self_after > self_before else "fell" if self_after < self_before else "stayed"
        if verb == "stayed":
            parts.append(f"Your own rating of {title} stayed at {fmt(self_after)}.")
        else:
            parts.append(f"Your own rating of {title} {verb} from {fmt(self_before)} to {fmt(self_after)}.")
    if mean_before is not None and mean_after is not None and n_before and n_after:
        each = (f"{mentees(n_before)} each time" if n_before == n_after
                else f"{mentees(n_before)}, then {n_after}")
        parts.append(f"Your mentees' average went from {fmt(mean_before)} to {fmt(mean_after)} ({each}).")
    return " ".join(parts)


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


def closing_note(contact: str | None) -> str:
    s = ("Scores like these are most useful as the start of a conversation. Consider sharing one strength "
         "and one focus area with your mentees and asking what they would like more of. Many mentors then "
         "write or update a mentoring compact or each mentee's individual development plan (IDP), so that "
         "expectations are agreed and revisited. The program's mentor training covers each of these "
         "competencies")
    if contact:
        s += f", and you are welcome to discuss this report in confidence with {contact}."
    else:
        s += ", and you are welcome to discuss this report in confidence with your program team."
    return s


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
