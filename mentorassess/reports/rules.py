"""From numbers to words: the one place that decides what a feedback report may claim.

Every sentence of a feedback report that interprets a number is built here as a :class:`Claim`
(its text, what kind of claim it is, which competencies or items it names and the numbers it
states). :func:`reading` decides, once per report, which competencies are the highest, which (if
any) is a focus area, where the mentor stands against the program, and which self-vs-mentee
differences are larger than the uncertainty. :func:`check_report` re-derives all of that from the
report's data and verifies the produced sentences against it, so a report never contradicts itself.

The rules (``docs/feedback-reports.md`` §2-3, issue 18):

1. A competency is never both a strength (or "highest") and a focus area.
2. Two averages differ only when the gap exceeds the larger half-width of their plausible
   ranges; otherwise they are "about the same", and "no clear focus area" is a valid outcome.
3. Ties (at the one decimal printed) are named together, never split between "highest" and "lowest".
4. Where the mentor stands against the program's middle half (below / within / above the 25th-75th
   percentile band of mentor averages) is said in one sentence, with the numbers.
5. Every claim names its number.
6. "Strength" is never said of a focus area or of a competency below the program's middle half.
7. No self-assessment wording when the instrument has no self form.
8. References point to sections by name, never "above", "below" or a page number.
9. Change gives n per wave; mentee change only when both waves are released.
10. Across cycles (issue 22): a comparison names the latest earlier released window that does not
    overlap this one, and says "more than the uncertainty" exactly when the change exceeds
    1.96 x sqrt(SE1^2 + SE2^2), both at the one decimal printed; a window with no released average
    is never compared.
11. No sentence says that fewer than k mentees answered when the report says n >= k responded
    (a hidden competency has one wording, true whatever the reason it is hidden).

Examples
--------
>>> from mentorassess.reports.rules import differ
>>> differ(6.1, 0.3, 5.0, 0.4), differ(6.1, 0.8, 5.6, 0.8)
(True, False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple, Sequence

from mentorassess.reports.wording import fmt, mentees

__all__ = ["Claim", "Reading", "reading", "differ", "standing_of", "check_report", "STRENGTH_KINDS",
           "FOCUS_KINDS", "Trend", "trends"]

STRENGTH_KINDS = ("highest", "strength", "item_highest")
FOCUS_KINDS = ("focus", "item_focus")
GAP_MIN = 1.0  # package convention (feedback-reports §3 rule 6)


@dataclass(frozen=True)
class Claim:
    """One interpreting sentence: ``kind``, its ``text``, the ids it names and the numbers it states."""

    kind: str
    text: str
    ids: tuple[str, ...] = ()
    numbers: tuple[float | int, ...] = ()
    detail: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())


def half(low: float | None, high: float | None) -> float:
    """Half-width of a plausible range (0 when there is none)."""
    return 0.0 if low is None or high is None else (high - low) / 2.0


def differ(a: float, ha: float, b: float, hb: float) -> bool:
    """Is ``a`` above ``b`` by more than the uncertainty (the larger of the two half-widths)?"""
    return round(a, 1) - round(b, 1) > max(ha, hb) and round(a, 1) > round(b, 1)


def standing_of(mean: float, band_low: float, band_high: float) -> str:
    """``below``, ``within`` or ``above`` the program's middle half, at the printed precision."""
    m, lo, hi = round(mean, 1), round(band_low, 1), round(band_high, 1)
    return "below" if m < lo else "above" if m > hi else "within"


@dataclass(frozen=True)
class Reading:
    """What the numbers of one report allow it to say."""

    highest: tuple[str, ...] = ()      # ties included, in instrument order
    focus: tuple[str, ...] = ()        # empty: no clear focus area
    all_same: bool = False
    standing: tuple[tuple[str, str], ...] = ()  # (competency id, below/within/above)
    item_highest: tuple[str, ...] = ()
    item_focus: tuple[str, ...] = ()
    item_all_same: bool = False

    def standing_dict(self) -> dict[str, str]:
        return dict(self.standing)


def _extremes(rows: Sequence[Any]) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """(highest ids, clear focus ids, all equal) of rows with ``id, mean, low, high``."""
    shown = [r for r in rows if r.mean is not None]
    if len(shown) < 2:
        return (), (), False
    top = max(round(r.mean, 1) for r in shown)
    bottom = min(round(r.mean, 1) for r in shown)
    highest = tuple(r.id for r in shown if round(r.mean, 1) == top)
    if top == bottom:
        return highest, (), True
    lowest = [r for r in shown if round(r.mean, 1) == bottom]
    tops = [r for r in shown if round(r.mean, 1) == top]
    clear = all(any(differ(t.mean, half(t.low, t.high), r.mean, half(r.low, r.high)) for t in tops) for r in lowest)
    return highest, (tuple(r.id for r in lowest) if clear else ()), False


def reading(d: Any) -> Reading:
    """Decide highest, focus, standing (and the same for items) from a ``FeedbackData``."""
    if not d.mentees_shown:
        return Reading()
    comps = d.competencies
    highest, focus, same = _extremes(comps) if len(comps) > 1 else ((), (), False)
    standing = tuple((c.id, standing_of(c.mean, c.band_low, c.band_high)) for c in comps
                     if c.mean is not None and c.band_low is not None and c.band_high is not None)
    ih, ifo, isame = _extremes([it for it in d.items if it.mean is not None])
    return Reading(highest=highest, focus=focus, all_same=same, standing=standing,
                   item_highest=ih, item_focus=ifo, item_all_same=isame)


@dataclass(frozen=True)
class Trend:
    """This window's released average of one competency against the previous released window."""

    id: str
    title: str
    before: Any   # CycleValue
    after: Any    # CycleValue
    change: float
    uncertainty: float
    differs: bool


def trends(d: Any) -> list[Trend]:
    """Rule 10: per trajectory row, this run's released window against the latest earlier non-overlapping one."""
    out = []
    for t in getattr(d, "trajectory", ()):
        cur = [v for v in t.values if v.current and v.mean is not None]
        if len(cur) != 1:
            continue
        a = cur[0]
        earlier = [v for v in t.values if v.mean is not None and v.last < a.first]
        if not earlier or a.se is None:
            continue
        b = max(earlier, key=lambda v: (v.last, v.first))
        if b.se is None:
            continue
        u = 1.959963984540054 * (a.se ** 2 + b.se ** 2) ** 0.5
        delta = a.mean - b.mean
        out.append(Trend(t.id, t.title, b, a, delta, u, abs(round(delta, 1)) > round(u, 1)))  # as printed
    return out


# --- checking ---------------------------------------------------------------------------------------------
_POSITION = re.compile(r"\b(table|chart|section|list) (above|below)\b|\bsee (above|below)\b|\bprevious page\b|"
                       r"\bnext page\b|\bon page \d|\bpage \d (shows|suggests)", re.I)
_SELF = re.compile(r"self-assessment|your own rating|you rated yourself|your own view", re.I)
_SECTION_REF = re.compile(r"“([^”]+)” section|section “([^”]+)”")


class _Facts(NamedTuple):
    """What the sentence rules (7, 8, 11) look for in one sentence."""

    self_words: bool  # rule 7: self-assessment wording
    by_position: bool  # rule 8: "table above", "next page", ...
    section_refs: tuple[str, ...]  # rule 8: the section names it refers to, in order
    fewer_than: tuple[str, ...]  # rule 11: the k of each "fewer than k mentees", in order


@lru_cache(maxsize=8192)
def _facts(sentence: str) -> _Facts:
    """The regular expressions of rules 7, 8 and 11 on one sentence, once per distinct sentence of a
    process (most sentences of a report recur in other reports: headings, notes, captions)."""
    return _Facts(_SELF.search(sentence) is not None, _POSITION.search(sentence) is not None,
                  tuple(m.group(1) or m.group(2) for m in _SECTION_REF.finditer(sentence)),
                  tuple(m.group(1) for m in _FEWER.finditer(sentence)))


def _ids_of(claims: Sequence[Claim], kinds: Sequence[str]) -> set[str]:
    return {i for c in claims if c.kind in kinds for i in c.ids}


def check_report(d: Any, claims: Sequence[Claim], sentences: Sequence[str] = (),
                 headings: Sequence[str] = ()) -> list[str]:
    """Verify a report's claims and sentences against its data; return the rule violations (empty: fine).

    ``d`` is the report's ``FeedbackData``; ``claims`` the interpreting sentences; ``sentences`` every
    other sentence of the report (headings, notes, captions); ``headings`` the section names.
    """
    bad: list[str] = []
    r = reading(d)
    comps = {c.id: c for c in d.competencies}
    items = {it.id: it for it in d.items}
    strong = _ids_of(claims, STRENGTH_KINDS + ("underrated_strength",))
    focus = _ids_of(claims, FOCUS_KINDS)
    # 1. never both
    for cid in sorted(strong & focus):
        bad.append(f"{cid} is called both a strength/highest and a focus area")
    # 2-3. focus only when clear; ties named together
    for c in claims:
        if c.kind == "focus" and set(c.ids) != set(r.focus):
            bad.append(f"focus area {c.ids} does not follow the numbers (clear lowest: {r.focus or 'none'})")
        if c.kind == "item_focus" and set(c.ids) != set(r.item_focus):
            bad.append(f"item focus {c.ids} does not follow the numbers (clear lowest: {r.item_focus or 'none'})")
        if c.kind == "highest" and set(c.ids) != set(r.highest):
            bad.append(f"highest {c.ids} does not name exactly the tied highest {r.highest}")
        if c.kind == "item_highest" and set(c.ids) != set(r.item_highest):
            bad.append(f"highest items {c.ids} do not name exactly the tied highest {r.item_highest}")
        if c.kind == "no_focus" and r.focus:
            bad.append(f"'no clear focus area' although {r.focus} is clearly lowest")
        if c.kind == "item_no_focus" and r.item_focus:
            bad.append(f"'no clear lowest item' although {r.item_focus} is clearly lowest")
    if d.mentees_shown and sum(c.mean is not None for c in d.competencies) >= 2:
        kinds = {c.kind for c in claims}
        if not ({"focus", "no_focus", "all_same"} & kinds):
            bad.append("the report neither names a focus area nor says there is no clear one")
    # 4. standing: one honest sentence
    stand = [c for c in claims if c.kind == "standing"]
    if r.standing:
        if len(stand) != 1:
            bad.append(f"expected one sentence on where the mentor stands, found {len(stand)}")
        else:
            said = {k: set(v) for k, v in stand[0].detail}
            truth: dict[str, set[str]] = {"below": set(), "within": set(), "above": set()}
            for cid, where in r.standing:
                truth[where].add(cid)
            for k in truth:
                if said.get(k, set()) != truth[k]:
                    bad.append(f"standing sentence says {k} = {sorted(said.get(k, set()))}, numbers say "
                               f"{sorted(truth[k])}")
    elif stand:
        bad.append("a standing sentence without a program band to stand against")
    # 5. every claim names its number
    for c in claims:
        if c.kind in ("all_same", "no_focus", "similar", "item_no_focus", "self_only") and not c.numbers:
            bad.append(f"{c.kind}: states no number: {c.text!r}")
        for v in c.numbers:
            shown = str(v) if isinstance(v, int) else fmt(v)
            if shown not in c.text:
                bad.append(f"{c.kind}: number {shown} missing from {c.text!r}")
        for i in c.ids:
            row = comps.get(i) or items.get(i)
            value = getattr(row, "mean", None) if row is not None else None
            if c.kind in STRENGTH_KINDS + FOCUS_KINDS + ("underrated_strength", "gap_self_higher") and value is not None:
                if fmt(value) not in c.text:
                    bad.append(f"{c.kind}: {i}'s value {fmt(value)} missing from {c.text!r}")
        if not c.numbers and not c.kind.startswith("note"):
            bad.append(f"{c.kind}: a claim without a number: {c.text!r}")
    # 6. "strength" never for a focus area or a competency below the program's middle half
    below = {cid for cid, where in r.standing if where == "below"}
    for c in claims:
        if "strength" in c.text.lower():
            for i in c.ids:
                if i in r.focus or i in focus:
                    bad.append(f"{i} is a focus area but is called a strength: {c.text!r}")
                elif i in below:
                    bad.append(f"{i} lies below the program's middle half but is called a strength: {c.text!r}")
    # gaps only where larger than the uncertainty
    for c in claims:
        if c.kind in ("gap_self_higher", "gap_mentees_higher", "underrated_strength"):
            for i in c.ids:
                row = comps.get(i)
                if row is None or row.mean is None or row.self_score is None:
                    bad.append(f"{c.kind} for {i} without both numbers")
                    continue
                g = row.self_score - row.mean
                if abs(g) < GAP_MIN or abs(g) <= half(row.low, row.high) or \
                        (g > 0) != (c.kind == "gap_self_higher"):
                    bad.append(f"{c.kind} for {i}: the gap {g:+.2f} is within the uncertainty or the other way")
    # 7. no self wording without a self form
    text = list(sentences) + [c.text for c in claims]
    facts = [_facts(s) for s in text]
    if not d.has_self_form:
        for s, f in zip(text, facts):
            if f.self_words:
                bad.append(f"self-assessment wording without a self form: {s!r}")
    # 8. references by section name
    names = set(headings)
    for s, f in zip(text, facts):
        if f.by_position:
            bad.append(f"a reference by position, not by section name: {s!r}")
        for ref in f.section_refs:
            if names and ref not in names:
                bad.append(f"a reference to a section that does not exist: {ref!r}")
    # no strength/focus advice in a report that names neither
    if not strong and any("one strength and one focus area" in s for s in text):
        bad.append("suggests sharing a strength and a focus area that the report does not name")
    # 9. change: n per wave; mentee change only when both waves are released
    for ch in d.change:
        if (ch.mean_before is None) != (ch.mean_after is None):
            bad.append(f"change of {ch.id}: mentee average of one wave only")
        if ch.mean_before is not None and not (ch.n_before and ch.n_after):
            bad.append(f"change of {ch.id}: no n per wave")
    for c in claims:
        if c.kind in ("change_mentees", "change_same"):
            ns = dict(c.detail).get("n", ())
            for n in ns:
                if str(n) not in c.text:
                    bad.append(f"change sentence without n per wave: {c.text!r}")
    # 11. no sentence says fewer mentees answered than the report says responded
    n = getattr(d, "n_mentees", None)
    if n:
        for s, f in zip(text, facts):
            for k in f.fewer_than:
                if n >= int(k):
                    bad.append(f"says fewer than {k} mentees although {n} responded: {s!r}")
    # 12. the marks a sentence explains are on the chart: no mentees' average explained where none is shown
    if not d.averages_shown:
        for s in text:
            if "filled circle" in s or "coincide" in s or "ratings are summarised here" in s:
                bad.append(f"explains the mentees' average although the chart shows none: {s!r}")
    bad += _check_trends(d, claims)
    return bad


_FEWER = re.compile(r"[Ff]ewer than (\d+) (?:of your )?mentees")


def _check_trends(d: Any, claims: Sequence[Claim]) -> list[str]:
    """Rule 10: each cross-cycle sentence matches :func:`trends` (windows compared and the verdict)."""
    bad: list[str] = []
    truth = {t.id: t for t in trends(d)}
    said: set[str] = set()
    for c in claims:
        if c.kind not in ("trend_change", "trend_same"):
            continue
        det = dict(c.detail)
        for i in det.get("ids", ()):
            t = truth.get(i)
            if t is None:
                bad.append(f"{c.kind} for {i}: no released pair of windows to compare")
                continue
            said.add(i)
            if (t.before.window, t.after.window) != (det.get("from", ("",))[0], det.get("to", ("",))[0]):
                bad.append(f"{c.kind} for {i}: compares {det.get('from')} with {det.get('to')}, the numbers "
                           f"give {t.before.window} and {t.after.window}")
            if t.differs != (c.kind == "trend_change"):
                bad.append(f"{c.kind} for {i}: the change {t.change:+.2f} against ±{t.uncertainty:.2f} says "
                           f"{'more' if t.differs else 'less'} than the uncertainty")
            for w in (t.before.window, t.after.window):
                if w not in c.text:
                    bad.append(f"{c.kind} for {i}: window {w} missing from {c.text!r}")
    for i in sorted(set(truth) - said):
        bad.append(f"no sentence compares {i} with the previous cycle")
    return bad


def mentee_phrase(n: int | None) -> str:
    return mentees(n) if n else "your mentees"
