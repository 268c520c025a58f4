"""Hand-made FeedbackData for the feedback report tests (no scoring involved)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from mentorassess.instruments import load_instrument
from mentorassess.reports._view import (ChangeView, CommentGroup, CompetencyView, FeedbackData, ItemView,
                                        SuggestionGroup)

COMMENTS = ("Always makes time for me, even in busy weeks.", "=) very supportive during my first grant.",
            "+1 for the weekly one-to-one meetings.")
GROWTH = ("Could share expectations about timelines earlier.", "-Clearer guidance on independence.")


def make_data(name: str = "Zofia Wiśniewska", *, n: int = 5, min_raters: int = 3, band: bool = True,
              comments: bool = True, change: bool = True, hidden: str | None = None,
              instrument_id: str = "mca-26", self_done: bool = True) -> FeedbackData:
    inst = load_instrument(instrument_id)
    shown = n >= min_raters
    selfs = [5.0, 6.0, 4.5, 5.5, 4.0, 6.5, 5.2, 4.8]
    means = [6.1, 4.3, 5.4, 5.9, 5.0, 5.6, 5.3, 5.1]
    comps = []
    for i, c in enumerate(inst.competencies):
        m = means[i % 8]
        s = selfs[i % 8]
        is_hidden = shown and hidden == c.id
        gap = s - m
        gclass = ("blind_spot" if gap >= 1.0 else "hidden_strength" if gap <= -1.0 else "aligned")
        if not self_done:
            gap, gclass = None, None
        if not self_done:
            s = None
        comps.append(CompetencyView(
            id=c.id, title=c.title, self_score=s,
            mean=m if shown and not is_hidden else None, n=n if shown and not is_hidden else None,
            low=m - 0.8 if shown and not is_hidden else None, high=min(m + 0.8, 7) if shown and not is_hidden else None,
            band_low=5.0 if band else None, band_high=5.9 if band else None,
            gap=gap if shown and not is_hidden else None,
            gap_class=gclass if shown and not is_hidden else None, hidden=is_hidden))
        if not self_done:
            comps[-1] = dataclasses.replace(comps[-1], self_score=None)
    order = sorted((c for c in comps if c.mean is not None), key=lambda c: -c.mean)
    if shown:
        strongest = tuple(c.id for c in order[:2])
        weakest = tuple(c.id for c in order[::-1][:2])
    else:
        so = sorted((c for c in comps if c.self_score is not None), key=lambda c: -c.self_score)
        strongest = tuple(c.id for c in so[:2])
        weakest = tuple(c.id for c in so[::-1][:2])
    focus = []
    for cid in weakest:
        comp = inst.competency(cid)
        focus.append((cid, tuple(ItemView(id=i, label=inst.item(i).label, self_score=5.0 if self_done else None,
                                          mean=4.5 + 0.2 * k if shown else None, n=n if shown else None,
                                          low=3.9 + 0.2 * k if shown else None, high=5.1 + 0.2 * k if shown else None)
                                 for k, i in enumerate(comp.items))))
    items = tuple(dataclasses.replace(it, competency=cid) for cid, its in focus for it in its)
    ch = ()
    if change:
        ch = tuple(ChangeView(id=c.id, title=c.title,
                              self_before=None if c.self_score is None else c.self_score - 0.6,
                              self_after=c.self_score,
                              mean_before=(c.mean - 0.3) if c.mean is not None else None,
                              mean_after=c.mean, n_before=n if c.mean is not None else None,
                              n_after=n if c.mean is not None else None) for c in comps)
    groups = ()
    if comments and shown:
        groups = (CommentGroup("What works well", tuple(sorted(COMMENTS, key=str.casefold))),
                  CommentGroup("What could be different", tuple(sorted(GROWTH, key=str.casefold))))
    sugg = tuple(SuggestionGroup(cid, inst.competency(cid).title, inst.competency(cid).suggestions[:2])
                 for cid in weakest) or tuple(SuggestionGroup(c.id, c.title, c.suggestions[:1])
                                              for c in inst.competencies)
    return FeedbackData(
        mentor_id="M007", mentor_name=name, wave="post", wave_label="end of the program",
        program="Clinical research mentoring program", report_date=dt.date(2026, 11, 25),
        instrument_id=inst.id, instrument_title=inst.title, instrument_status=inst.status,
        instrument_citation=inst.citation, scale_min=inst.scale.min, scale_max=inst.scale.max,
        anchors=tuple(sorted(inst.scale.labels.items())), min_raters=min_raters,
        min_raters_comments=min_raters, self_done=self_done, mentees_shown=shown,
        n_mentees=n if shown else None, competencies=tuple(comps), strongest=strongest, weakest=weakest,
        focus_items=tuple(focus), items=items, previous_wave_label="start of the program" if change else None,
        change=ch, comments=groups, suggestions=sugg, department="Public Health")
