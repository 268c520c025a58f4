"""One FeedbackData of each kind of feedback report (full, below threshold, no data, single-competency,
with change), hand-made so each kind is exercised whatever the sample's release rules hide."""

from __future__ import annotations

import dataclasses

from mentorassess.instruments import load_instrument
from mentorassess.reports._profile import suggestions_for_items
from mentorassess.reports._view import ChangeView, CompetencyView, ItemView, SuggestionGroup
from tests._feedback_helpers import make_data


def _all_suggestions(inst):
    return tuple(SuggestionGroup(c.id, c.title, c.suggestions[:2]) for c in inst.competencies if c.suggestions)


def full():
    d = make_data(n=6, change=False)
    return dataclasses.replace(d, all_suggestions=_all_suggestions(load_instrument("mca-26")), min_raters_items=5)


def with_change():
    d = full()
    change = tuple(ChangeView(id=c.id, title=c.title, self_before=c.self_score - 0.5, self_after=c.self_score,
                              mean_before=c.mean - (0.9 if i == 1 else 0.2), mean_after=c.mean, n_before=5, n_after=6,
                              half_before=0.45, half_after=0.4)
                   for i, c in enumerate(d.competencies) if c.mean is not None)
    return dataclasses.replace(d, change=change, previous_wave_label="start of the program")


def below_threshold():
    d = make_data(n=2, change=False)
    return dataclasses.replace(d, all_suggestions=_all_suggestions(load_instrument("mca-26")))


def no_data(instrument_id: str = "met-13"):
    d = make_data(n=1, change=False, comments=False, self_done=False, instrument_id=instrument_id)
    comps = tuple(dataclasses.replace(c, band_low=3.9, band_high=4.5) for c in d.competencies)
    return dataclasses.replace(d, has_self_form=False, own_goals=(), competencies=comps,
                               all_suggestions=_all_suggestions(load_instrument(instrument_id)))


def single_competency(instrument_id: str = "met-13", n: int = 6):
    """A single-competency instrument (no self form) with item detail released and its global item."""
    inst = load_instrument(instrument_id)
    comp = inst.competencies[0]
    means = [4.6, 4.1, 4.4, 3.2, 4.5, 4.0, 3.9, 4.7, 4.4, 3.0, 3.1, 4.2, 3.6, 3.8]
    items = tuple(ItemView(id=i, label=inst.item(i).wording, mean=means[k % len(means)], n=n,
                           low=means[k % len(means)] - 0.5, high=min(means[k % len(means)] + 0.5, inst.scale.max),
                           competency=comp.id) for k, i in enumerate(comp.items))
    glob = tuple(ItemView(id=it.id, label=it.wording, mean=4.3, n=n, low=3.8, high=4.8) for it in inst.items
                 if not it.in_total)
    low = sorted(items, key=lambda it: (round(it.mean, 1), it.id))[:3]
    base = make_data(n=n, change=False, self_done=False, instrument_id=instrument_id)
    c = CompetencyView(id=comp.id, title=comp.title, mean=4.0, n=n, low=3.6, high=4.4, band_low=3.9, band_high=4.5)
    return dataclasses.replace(base, has_self_form=False, competencies=(c,), items=items, global_items=glob,
                               focus_items=(), strongest=(), weakest=(), min_raters_items=5,
                               all_suggestions=_all_suggestions(inst),
                               item_suggestions=tuple(suggestions_for_items(comp.suggestions, low, inst, 2)))


KINDS = {"full": full, "below_threshold": below_threshold, "no_data": no_data, "single_competency": single_competency,
         "with_change": with_change}
