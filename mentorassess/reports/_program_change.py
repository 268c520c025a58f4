"""The program summary's multilevel pre/post change (issue 21): headline, section-5 block, method note.

The figures come from :attr:`ProgramTables.multilevel`
(:func:`mentorassess.stats.precision.released.multilevel_change`); this module only words them.
Words follow the printed numbers: the change "rose" only when the printed lower end of its 95%
interval is above zero, "fell" only when the printed upper end is below zero, otherwise it "did not
clearly change" and the text says the interval includes zero (:func:`direction`). Every sentence
names the mentors it rests on.
"""

from __future__ import annotations

import math
from typing import Any

from mentorassess.reports._program_blocks import Block, _b, _table

__all__ = ["direction", "multilevel_sentence", "multilevel_headline", "multilevel_blocks", "multilevel_method",
           "MODEL_TEXT"]

MODEL_TEXT = "score ~ wave + (1 | mentor)"


def _nan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _s1(v: float) -> str:
    text = f"{float(v):+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text.replace("-", "−")


def _num(text: str) -> float:
    return float(text.replace("−", "-"))


def direction(estimate: float, ci_low: float, ci_high: float) -> str:
    """``rose``, ``fell`` or ``did not clearly change``, decided on the printed (one-decimal) interval.

    Examples
    --------
    >>> direction(0.4, 0.12, 0.7), direction(0.4, 0.04, 0.7), direction(-0.5, -0.9, -0.06)
    ('rose', 'did not clearly change', 'fell')
    """
    lo, hi = _num(_s1(ci_low)), _num(_s1(ci_high))
    if lo > 0:
        return "rose"
    if hi < 0:
        return "fell"
    return "did not clearly change"


def multilevel_sentence(row: Any, *, pre: str, post: str, scale_max: float, who: str = "Mentees' ratings") -> str:
    """One statement of a competency's (or the overall score's) multilevel change, numbers first."""
    verb = direction(row["estimate"], row["ci_low"], row["ci_high"])
    text = (f"{who} {verb} between {pre} and {post}: estimated change {_s1(row['estimate'])} points on the "
            f"1–{scale_max:g} scale (95% CI {_s1(row['ci_low'])} to {_s1(row['ci_high'])}; Satterthwaite df "
            f"{row['df']:.1f}; standardised change d = {row['d_total']:.2f}), over {int(row['n_mentors'])} mentors "
            f"released in both waves.").replace("d = -", "d = −")
    if verb == "did not clearly change":
        text += " The interval includes zero."
    return text


def _ml(tables: Any):
    ml = getattr(tables, "multilevel", ())
    return ml[0] if ml else None


def multilevel_headline(tables: Any, *, scale_max: float) -> str | None:
    """The page-1 finding for mentees' ratings (None when the overall change is withheld or absent)."""
    m = _ml(tables)
    r = None if m is None else m.overall()
    if r is None:
        return None
    return multilevel_sentence(r, pre=m.pre, post=m.post, scale_max=scale_max,
                               who="Mentees' ratings (overall)") + " Multilevel model: see 5."


def multilevel_blocks(tables: Any, titles: dict[str, str], *, scale_max: float) -> list[Block]:
    """Section 5's block: the statement for the overall score and a table per competency."""
    m = _ml(tables)
    if m is None:
        return []
    out: list[Block] = [_b("h3", f"Mentees' ratings, {m.pre} to {m.post}: multilevel model")]
    r = m.overall()
    if r is not None:
        out.append(_b("body", multilevel_sentence(r, pre=m.pre, post=m.post, scale_max=scale_max,
                                                  who="Mentees' ratings of their mentors (overall)")))
    rows = []
    for x in m.table.itertuples(index=False):
        name = titles.get(x.competency, x.competency)
        if bool(x.suppressed) or _nan(x.estimate):
            rows.append([name, "–", "–", "–", "–"])
            continue
        rows.append([name, str(int(x.n_mentors)), f"{_s1(x.estimate)} [{_s1(x.ci_low)}, {_s1(x.ci_high)}]",
                     f"{x.df:.1f}", f"{x.d_total:.2f}".replace("-", "−")])
    out.append(_table(["Competency", "Mentors", "Change [95% CI]", "df", "d"], rows, [0.4, 0.12, 0.24, 0.12, 0.12],
                      (1, 2, 3, 4)))
    out.append(_b("small", f"Model {MODEL_TEXT}, fitted by REML to the mentee ratings of the mentors whose results "
                           "are released in both waves: each rating is nested in its mentor, so a mentor with many "
                           "mentees does not count as many independent observations. Change = the wave effect "
                           "(later minus earlier); its 95% interval uses Satterthwaite's degrees of freedom (df), "
                           "as R's lmerTest. d = change divided by the SD of a single mentee rating (between- plus "
                           "within-mentor variance). A row needs at least "
                           f"{m.min_mentors} mentors and no mentor with more than "
                           f"{m.max_mentor_share:.0%} of its ratings, otherwise it shows '–'."))
    return [Block("keep", children=tuple(out))]


def multilevel_method(tables: Any) -> str | None:
    """The methods bullet for the multilevel change (None without it)."""
    m = _ml(tables)
    if m is None:
        return None
    return (f"Multilevel change (mentees' ratings): the linear mixed model {MODEL_TEXT} per competency, by REML, "
            "over the mentee ratings of mentors released in both waves, built from each mentor's released mean, "
            "number of ratings and SD (the model's likelihood depends on nothing else); t interval with "
            "Satterthwaite df, equal to R's lmerTest. Raters are not linked across waves in this model; the "
            "paired table of section 5 compares the same mentors with each mentor counted once.")

