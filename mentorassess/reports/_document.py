"""The content of one feedback report as plain blocks, rendered both to PDF and to HTML.

:func:`build_document` turns :class:`FeedbackData` into a :class:`Document` (headings, paragraphs,
lists, tables, the chart and boxes). The PDF (:mod:`feedback`) and the HTML twin (:mod:`html`) are
two renderings of the same blocks, so they say the same thing. Every interpreting sentence is a
:class:`~mentorassess.reports.rules.Claim`; :meth:`Document.violations` runs the rule checker.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from mentorassess.reports import _claims as C
from mentorassess.reports import wording as W
from mentorassess.reports.rules import Claim, check_report, reading

__all__ = ["Heading", "Para", "Bullets", "Table", "Chart", "Box", "Document", "build_document", "revisit_date"]


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Para:
    text: str
    style: str = "body"          # body | small | subtitle | lead
    claim: Claim | None = None


@dataclass(frozen=True)
class Bullets:
    items: tuple[Any, ...]       # str or Para (a Para keeps its claim)
    quote: bool = False


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]    # fractions of the frame width
    numeric: tuple[int, ...] = ()


@dataclass(frozen=True)
class Chart:
    title: str
    rows: tuple[Any, ...]        # charts.DotRow
    description: str
    scale_min: int
    scale_max: int
    anchors: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Box:
    title: str
    paras: tuple[Para, ...]


@dataclass(frozen=True)
class Document:
    title: str
    lang: str
    data: Any
    blocks: tuple[Any, ...] = field(repr=False)

    def claims(self) -> list[Claim]:
        return [p.claim for p in self._paras() if p.claim is not None]

    def _paras(self) -> list[Para]:
        out: list[Para] = []
        for b in self.blocks:
            if isinstance(b, Para):
                out.append(b)
            elif isinstance(b, Bullets):
                out += [i if isinstance(i, Para) else Para(str(i)) for i in b.items]
            elif isinstance(b, Box):
                out += list(b.paras)
        return out

    def headings(self) -> list[str]:
        return [b.text for b in self.blocks if isinstance(b, Heading)] + \
            [b.title for b in self.blocks if isinstance(b, Box)]

    def sentences(self) -> list[str]:
        """Every non-claim text of the report (headings, notes, captions, chart description)."""
        out = [p.text for p in self._paras() if p.claim is None] + self.headings()
        out += [b.caption for b in self.blocks if isinstance(b, Table)]
        out += [b.description for b in self.blocks if isinstance(b, Chart)]
        return out

    def violations(self) -> list[str]:
        return check_report(self.data, self.claims(), self.sentences(), self.headings())


def revisit_date(d: _dt.date) -> _dt.date:
    """About six months after the report date (the first of that month)."""
    m = d.month + 6
    return _dt.date(d.year + (m - 1) // 12, (m - 1) % 12 + 1, 1)


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def date_text(d: _dt.date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


NUMBERS = "Your ratings in numbers"
DIFFER = "Where your view and your mentees' differ"
ACTION = "Take action"


def build_document(d: Any) -> Document:
    """All blocks of one report, in reading order."""
    from mentorassess.reports.charts import DotRow

    r = reading(d)
    comps = d.competencies
    single = len(comps) == 1
    band = any(c.band_low is not None for c in comps)
    has_self = d.has_self_form and any(c.self_score is not None for c in comps)
    anchors = dict(d.anchors)
    b: list[Any] = [Heading(f"Your mentoring feedback: {d.wave_label}", 1)]
    b.append(Para(" · ".join([d.mentor_name] + ([d.department] if d.department else [])), "lead"))
    b.append(Para(f"{d.program} · {date_text(d.report_date)} · {d.instrument_title}, "
                  f"{W.instrument_status(d.instrument_status)}", "subtitle"))
    b.append(Para(_participation(d)))

    # --- at a glance ---------------------------------------------------------------------------------
    glance: list[Any] = []
    if d.mentees_shown:
        if single:
            c = comps[0]
            if c.mean is not None:
                glance.append(Para(f"Your mentees' average for {c.title[0].lower() + c.title[1:]} was {fmt(c.mean)}"
                                   + (f" (plausibly {fmt(c.low)} to {fmt(c.high)})" if c.low is not None else "")
                                   + f", based on {W.mentees(d.n_mentees)}.",
                                   claim=Claim("overall", "", (), (c.mean,))))
        for cl in (C.standing(d, r), C.highest(d, r), C.focus(d, r)):
            if cl is not None:
                glance.append(Para(cl.text, claim=cl))
        glance += [Para(cl.text, claim=cl) for cl in C.items_extremes(d, r)]
        for it in d.global_items:
            cl = C.global_item(d, it)
            if cl is not None:
                glance.append(Para(cl.text, claim=cl))
        if has_self and d.self_done:
            cl = C.self_vs(d)
            if cl is not None:
                glance.append(Para(cl.text, claim=cl))
        if not any(c.mean is not None for c in comps):
            glance.append(Para(f"Your {W.mentees(d.n_mentees)} answered, but their averages are not shown here: "
                               "with this few mentees, an average could give away what each of them answered."))
    else:
        glance += [Para(cl.text, claim=cl) for cl in C.self_only(d)]
        glance.append(Para(f"Mentee results appear in a round once at least {d.min_raters} of your mentees have "
                           "responded; if fewer respond, that round's mentee results are not shown at all."))
    if getattr(d, "pooled_cycles", None):  # issue 22: where the pooled result is
        glance.append(Para(f"Your mentees' ratings from {d.pooled_cycles}, combined over these cycles, are in the "
                           "section “Your results across cycles”."))
    # glance claims carry their own text (overall's text is the paragraph itself)
    glance = [Para(p.text, p.style, Claim(p.claim.kind, p.text, p.claim.ids, p.claim.numbers, p.claim.detail))
              if p.claim is not None else p for p in glance]
    b += [Heading("At a glance"), Bullets(tuple(glance))]

    # --- the chart and how to read it ----------------------------------------------------------------
    rows = tuple(DotRow(label=c.title, self_score=c.self_score, mean=c.mean, low=c.low, high=c.high,
                        band_low=c.band_low, band_high=c.band_high,
                        note="mentee ratings hidden for anonymity" if c.hidden else None) for c in comps)
    if not any(x.mean is not None or x.self_score is not None for x in rows):
        found = [c for c in comps if c.band_low is not None]
        if found:  # no rating of this mentor to show: what the program found, in words
            b.append(Heading("What the program found"))
            b.append(Bullets(tuple(
                Para(t, claim=Claim("program", t, (), (c.band_low, c.band_high))) for c in found
                for t in [f"{c.title}: the middle half of mentors in this program had mentee averages from "
                          f"{fmt(c.band_low)} to {fmt(c.band_high)} on the scale {d.scale_min} to {d.scale_max}."])))
    elif any(x.mean is not None or x.self_score is not None or x.band_low is not None for x in rows):
        b.append(Heading("Your competency profile" if not single else "Your overall rating"))
        b.append(Chart("Competency profile", rows, _chart_text(d, rows), d.scale_min, d.scale_max, d.anchors))
        b.append(Box("How to read this report", (Para(_how_to_read(d, band, has_self, anchors), "box"),)))

    # --- numbers --------------------------------------------------------------------------------------
    numbers = _numbers_table(d, has_self) if any(x.mean is not None or x.self_score is not None for x in rows) else None
    if numbers is not None:
        b += [Heading(NUMBERS), numbers]
        if not band and (d.mentees_shown or has_self):
            b.append(Para("The program's middle half is shown once at least 10 mentors in the program have enough "
                          "mentee responses.", "small"))

    # --- where views differ ---------------------------------------------------------------------------
    if d.mentees_shown and has_self and d.self_done and any(c.mean is not None for c in comps):
        b.append(Heading(DIFFER))
        flagged = 0
        lowest_item = _lowest_items(d)
        groups: dict[str, list[Claim]] = {}
        for c in comps:
            got = C.gap_claim(d, c, r, lowest_item.get(c.id))
            if got:
                groups.setdefault(got[0], []).append(got[1])
                flagged += 1
        for heading, claims in groups.items():
            b.append(Heading(heading, 3))
            b += [Para(cl.text, claim=cl) for cl in claims[:2]]  # two described in full, the rest in one sentence
            if len(claims) > 2:
                rest = [d.competency(cl.ids[0]) for cl in claims[2:]]
                if claims[0].kind == "gap_self_higher":
                    what = "your own rating is also higher than your mentees' average"
                    bits = [f"{c.title} ({fmt(c.self_score)} against {fmt(c.mean)})" for c in rest]
                else:
                    what = "your mentees also rated you higher than you rated yourself"
                    bits = [f"{c.title} ({fmt(c.mean)} against {fmt(c.self_score)})" for c in rest]
                more = Claim(claims[0].kind if claims[0].kind != "underrated_strength" else "gap_mentees_higher",
                             f"For {W._join(bits)}, {what}, by more than the uncertainty.",
                             tuple(c.id for c in rest), tuple(v for c in rest for v in (c.self_score, c.mean)))
                b.append(Para(more.text, claim=more))
        if not flagged:
            cl = Claim("similar", f"For each competency, your view and your mentees' are about the same: no difference "
                       f"is both at least {fmt(1.0)} point and larger than the plausible range of your mentees' "
                       "average.", (), (1.0,))
            b.append(Para(cl.text, claim=cl))
    for c in comps:
        if c.hidden:
            b.append(Para(W.hidden_competency(c.title, c.self_score if has_self else None)))

    # --- question by question -------------------------------------------------------------------------
    b += _item_blocks(d, r, single)

    # --- change ---------------------------------------------------------------------------------------
    b += _change_blocks(d, has_self)

    # --- across cycles (history) ------------------------------------------------------------------------
    from mentorassess.reports._trajectory import trajectory_blocks

    b += trajectory_blocks(d)

    # --- comments -------------------------------------------------------------------------------------
    if d.comments:
        b += [Heading("What your mentees wrote"),
              Para("Comments are shown as written, in a fixed order that has nothing to do with who wrote them or "
                   "when.", "small")]
        for g in d.comments:
            b += [Heading(g.heading, 3), Bullets(tuple(f"“{t}”" for t in g.comments), quote=True)]
    elif d.comments_withheld:
        b += [Heading("What your mentees wrote"),
              Para(f"Comments are shown only when at least {d.min_raters_comments} mentees have responded, to protect "
                   "their anonymity.")]

    # --- take action ----------------------------------------------------------------------------------
    b += _action_blocks(d, r, single)
    b.append(Box("A conversation, not a grade", (Para(_closing(d, r), "box"),
                                                 Para(W.evidence_note(d.instrument_status), "box"))))
    b.append(Para(W.methods_note(citation=d.instrument_citation, status=d.instrument_status, min_raters=d.min_raters,
                                 min_raters_comments=d.min_raters_comments, interval_method=d.interval_method,
                                 band=band, mentees_shown=d.mentees_shown)
                  + (f" Results for single questions need at least {d.min_raters_items} responses."
                     if d.min_raters_items and d.mentees_shown else ""), "small"))
    title = f"Mentoring feedback for {d.mentor_name} ({d.wave_label})"
    return Document(title=title, lang="en-GB", data=d, blocks=tuple(b))


def fmt(x: float | None) -> str:
    return W.fmt(x)


def _participation(d: Any) -> str:
    own = ""
    if d.has_self_form:
        own = ("You completed your self-assessment. " if d.self_done
               else "We did not receive a self-assessment from you this round. ")
    if d.mentees_shown and d.n_mentees is not None:
        if not d.averages_shown:   # counted, but every average withheld
            return (f"{own}{W.mentees(d.n_mentees).capitalize()} responded, but their averages are not shown, "
                    "to protect their anonymity.")
        return f"{own}{W.mentees(d.n_mentees).capitalize()} responded and their ratings are summarised here."
    shows = ("your self-assessment and program-wide results" if d.self_done
             else "what the program found and suggestions to start from")
    if getattr(d, "pooled_cycles", None):
        return (f"{own}Fewer than {d.min_raters} of your mentees responded this round, so this round's mentee results "
                f"are not shown on their own; the section “Your results across cycles” combines your mentees' "
                f"ratings from {d.pooled_cycles}.")
    return (f"{own}Fewer than {d.min_raters} of your mentees responded this round, so this report shows {shows} "
            "only, to protect your mentees' anonymity.")


def _how_to_read(d: Any, band: bool, has_self: bool, anchors: dict) -> str:
    means = d.averages_shown   # mentees counted but every average withheld: no circle to explain
    s = W.how_to_read(n_competencies=len(d.competencies), scale_min=d.scale_min, scale_max=d.scale_max,
                      anchors=anchors, min_raters=d.min_raters, mentees_shown=means,
                      n_mentees=d.n_mentees, band=False, has_self=has_self)
    if band:
        s += (" The grey background is the middle half of mentors in this program, from their mentees' ratings"
              + (", not from self-ratings, so compare your own rating with it with care"
                 if has_self and not means else "") + ".")
    if has_self and means:
        s += " Where your rating and your mentees' average coincide, the diamond sits just above the circle."
    return s


def _chart_text(d: Any, rows) -> str:
    """The chart in words (the HTML twin's text alternative and the PDF's accessible description)."""
    parts = []
    for x in rows:
        bits = []
        if x.self_score is not None:
            bits.append(f"you {fmt(x.self_score)}")
        if x.mean is not None:
            bits.append(f"mentees' average {fmt(x.mean)}" + (f" (plausibly {fmt(x.low)} to {fmt(x.high)})"
                                                             if x.low is not None else ""))
        elif x.note:
            bits.append(x.note)
        if x.band_low is not None:
            bits.append(f"program middle half {fmt(x.band_low)} to {fmt(x.band_high)}")
        parts.append(f"{x.label}: " + (", ".join(bits) if bits else "no rating shown"))
    return (f"Dot plot on the scale {d.scale_min} to {d.scale_max}. " + "; ".join(parts) + ".")


def _numbers_table(d: Any, has_self: bool) -> Table | None:
    comps = d.competencies
    band = [W.fmt(c.band_low) + " to " + W.fmt(c.band_high) if c.band_low is not None else "" for c in comps]
    if d.mentees_shown:
        header = ["Competency"] + (["You"] if has_self else []) + ["Mentees (n)", "Plausible range",
                                                                    "Program middle half"]
        rows = []
        for c, bd in zip(comps, band):
            mean = "not shown" if c.mean is None else f"{fmt(c.mean)} ({c.n or d.n_mentees})"
            rng = "" if c.low is None else f"{fmt(c.low)} to {fmt(c.high)}"
            rows.append(tuple([c.title] + ([fmt(c.self_score)] if has_self else []) + [mean, rng, bd]))
        widths = (0.36, 0.09, 0.16, 0.19, 0.20) if has_self else (0.40, 0.18, 0.21, 0.21)
        return Table("Mentee averages with their plausible range", tuple(header), tuple(rows), widths,
                     (1, 2) if has_self else (1,))
    if not has_self and not any(band):
        return None
    header = ["Competency"] + (["Your own rating"] if has_self else []) + ["Program middle half"]
    rows = tuple(tuple([c.title] + ([fmt(c.self_score)] if has_self else []) + [bd]) for c, bd in zip(comps, band))
    return Table("Your own ratings and the program's middle half" if has_self else "The program's middle half",
                 tuple(header), rows, (0.5, 0.2, 0.3) if has_self else (0.6, 0.4), (1,) if has_self else ())


def _lowest_items(d: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for it in d.items:
        if it.mean is not None and it.competency:
            cur = out.get(it.competency)
            if cur is None or round(it.mean, 1) < cur[0]:
                out[it.competency] = (round(it.mean, 1), it.label)
    return {k: v[1] for k, v in out.items()}


def _item_blocks(d: Any, r, single: bool) -> list[Any]:
    if not d.mentees_shown:
        return []
    released = [it for it in d.items if it.mean is not None]
    if not released:
        if d.items and d.min_raters_items:
            if d.n_mentees is not None and d.n_mentees >= d.min_raters_items:  # enough responded; hidden for R5
                why = ("Results for single questions are not shown here, because averages of a few people on one "
                       "question could come too close to their individual answers.")
            else:
                why = (f"Results for single questions are shown once at least {d.min_raters_items} mentees have "
                       "responded, because averages of a few people on one question come too close to their "
                       "individual answers.")
            return [Heading("Question by question"), Para(why)]
        return []
    if single:
        show = list(d.items)
    else:
        wanted = set(r.focus) or {min((c for c in d.competencies if c.mean is not None),
                                      key=lambda c: round(c.mean, 1)).id} if any(
            c.mean is not None for c in d.competencies) else set()
        show = [it for it in d.items if it.competency in wanted]
    rows = tuple((it.label, "not shown" if it.mean is None else fmt(it.mean),
                  "" if it.low is None else f"{fmt(it.low)} to {fmt(it.high)}") for it in show)
    out: list[Any] = [Heading("Question by question")]
    caption = "Your mentees' average for each question"
    if not single:
        names = W._join([d.competency(c).title for c in dict.fromkeys(it.competency for it in show)])
        caption += f" of {names}" + (", your focus area" if r.focus else ", the competency your mentees rated lowest")
    out.append(Table(caption, ("Question", "Mentees", "Plausible range"), rows, (0.58, 0.14, 0.28), (1,)))
    for it in d.global_items if single else ():
        if it.mean is not None:
            out.append(Table("Reported on its own", ("Question", "Mentees", "Plausible range"),
                             ((it.label, fmt(it.mean), "" if it.low is None else f"{fmt(it.low)} to {fmt(it.high)}"),),
                             (0.58, 0.14, 0.28), (1,)))
    return out


def _change_blocks(d: Any, has_self: bool) -> list[Any]:
    if not d.change or not d.previous_wave_label:
        return []
    prev = d.previous_wave_label
    out: list[Any] = [Heading(f"Change since the {prev}" if prev[:1].islower() else f"Change since {prev}")]
    has_m = any(ch.mean_before is not None for ch in d.change)
    has_s = has_self and any(ch.self_before is not None for ch in d.change)
    header = ["Competency"] + (["You: before", "You: now"] if has_s else []) + \
        (["Mentees: before (n)", "Mentees: now (n)", "Change (±)"] if has_m else [])
    rows = []
    for ch in d.change:
        row = [ch.title]
        if has_s:
            row += [fmt(ch.self_before), fmt(ch.self_after)]
        if has_m:
            row += [f"{fmt(ch.mean_before)} ({ch.n_before})" if ch.mean_before is not None else "not shown",
                    f"{fmt(ch.mean_after)} ({ch.n_after})" if ch.mean_after is not None else "not shown",
                    _change_cell(ch)]
        rows.append(tuple(row))
    if not has_s and not has_m:
        return []
    k = len(header) - 1
    widths = tuple([1 - 0.14 * k] + [0.14] * k)
    out.append(Table("Before and now", tuple(header), tuple(rows), widths, tuple(range(1, len(header)))))
    out += [Para(cl.text, claim=cl) for cl in C.change(d)]
    note = "A change is not proof of what caused it."
    if has_m:
        note = ("The plausible range of a change combines the uncertainty of both averages; with numbers this small "
                "a change in your mentees' average could be chance. " + note)
    else:
        note = ("Mentee results are compared only when enough mentees responded in both rounds. " + note)
    out.append(Para(note, "small"))
    return out


def _change_cell(ch: Any) -> str:
    if ch.mean_before is None or ch.mean_after is None:
        return ""
    delta = ch.mean_after - ch.mean_before
    u = C.change_uncertainty(ch)
    return f"{'+' if delta >= 0.05 else ''}{fmt(delta)}" + (f" (±{fmt(u)})" if u is not None else "")


def _action_blocks(d: Any, r, single: bool) -> list[Any]:
    goals: list[str] = []
    by = {g.competency_id: g for g in list(d.suggestions) + list(d.all_suggestions)}
    if single and d.item_suggestions:
        goals = [f"For “{label}”, one of your lowest-rated questions: {idea}" for label, idea in d.item_suggestions[:2]]
        lead = "Choose one or two goals; ideas from the questionnaire for your lowest-rated questions:"
    elif r.focus:
        for cid in r.focus[:2]:
            if cid in by and by[cid].suggestions:
                goals.append(f"For {by[cid].title}: {by[cid].suggestions[0]}")
        first = by.get(r.focus[0])
        if len(goals) == 1 and first is not None and len(first.suggestions) > 1:
            goals.append(f"Or, also for {first.title}: {first.suggestions[1]}")
        lead = "Choose one or two goals for your focus area; ideas from the questionnaire:"
    if not goals:
        pool = list(d.suggestions) or list(d.all_suggestions)
        goals = ([f"{g.title}: {g.suggestions[0]}" for g in pool[:2] if g.suggestions] if len(pool) > 1 else
                 [f"{g.title}: {idea}" for g in pool for idea in g.suggestions[:2]])
        lead = ("No single area stands out, so choose one or two ideas that fit your mentoring:"
                if d.mentees_shown else "Ideas from the questionnaire to start from; choose one or two:")
    out: list[Any] = [Heading(ACTION)]
    if d.own_goals:
        out += [Para("What you wrote in your self-assessment:"), Bullets(tuple(f"“{g}”" for g in d.own_goals), True)]
    out += [Para(lead), Bullets(tuple(goals))] if goals else []
    contact = d.contact or "your program team"
    who = ("Talk with your mentees: share what you take from this report and ask what they would like more of. "
           if d.mentees_shown else "Talk with your mentees about what they would like more of. ")
    out.append(Para(f"Whom to talk to: {who}To discuss the report in confidence, contact {contact}."))
    out.append(Para(f"When to look again: by {date_text(revisit_date(d.report_date))}, check how your goals are going, "
                    "before the next round of feedback."))
    return out


def _closing(d: Any, r) -> str:
    s = "Scores like these are most useful as the start of a conversation. "
    if r.highest and r.focus:
        s += ("Consider sharing one strength and one focus area with your mentees and asking what they would like "
              "more of. ")
    s += ("Many mentors write or update a mentoring compact or each mentee's individual development plan (IDP), so "
          "that expectations are agreed and revisited. The program's mentor training covers each of these "
          "competencies.")
    return s
