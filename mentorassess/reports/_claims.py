"""The interpreting sentences of a feedback report, each built as a :class:`~rules.Claim`.

Only :mod:`mentorassess.reports.rules` decides (highest, focus, standing, gaps); this module turns
its decisions into words, always with the numbers behind them.
"""

from __future__ import annotations

from typing import Any, Sequence

from mentorassess.reports.rules import GAP_MIN, Claim, Reading, half, trends
from mentorassess.reports.wording import _join, fmt, mentees

__all__ = ["gap_kind", "highest", "focus", "standing", "self_vs", "gap_claim", "items_extremes", "global_item",
           "change", "self_only", "BAND_WORDS", "trend"]

BAND_WORDS = "the middle half of mentors in this program (from their mentees' ratings)"


def gap_kind(c: Any) -> str | None:
    """``self_higher`` / ``mentees_higher`` when |self - mean| >= 1.0 and beyond the half-width, else None."""
    if c.mean is None or c.self_score is None:
        return None
    g = c.self_score - c.mean
    if abs(g) < GAP_MIN or abs(g) <= half(c.low, c.high):
        return None
    return "self_higher" if g > 0 else "mentees_higher"


def _titles(d: Any, ids: Sequence[str]) -> list[str]:
    return [d.competency(i).title for i in ids]


def _all(n: int, noun: str) -> str:
    """``all 6 competencies``; ``both competencies`` for two ("all 2" read wrongly, round 8)."""
    return f"both {noun}" if n == 2 else f"all {n} {noun}"


def highest(d: Any, r: Reading) -> Claim | None:
    shown = [c for c in d.competencies if c.mean is not None]
    if len(shown) < 2 or not r.highest:
        return None
    c0 = d.competency(r.highest[0])
    n = f"based on {mentees(d.n_mentees)}"
    if r.all_same:
        every = _all(len(shown), "competencies")
        return Claim("all_same", f"Your mentees rated {every} the same: {fmt(c0.mean)} ({n}).", (), (c0.mean,))
    if len(r.highest) == 1:
        return Claim("highest", f"Your mentees rated you highest on {c0.title} ({fmt(c0.mean)}, {n}).",
                     r.highest, (c0.mean,))
    return Claim("highest", f"Your mentees rated you equally highest on {_join(_titles(d, r.highest))} "
                 f"({'both' if len(r.highest) == 2 else 'all'} {fmt(c0.mean)}, {n}).", r.highest, (c0.mean,))


def focus(d: Any, r: Reading) -> Claim | None:
    shown = [c for c in d.competencies if c.mean is not None]
    if len(shown) < 2 or r.all_same:
        return None
    top = d.competency(r.highest[0])
    if r.focus:
        f = d.competency(r.focus[0])
        what = (f"The competency that stands out for attention is {f.title}" if len(r.focus) == 1 else
                f"The competencies that stand out for attention are {_join(_titles(d, r.focus))}, equally")
        rng = (f"; plausibly {fmt(f.low)} to {fmt(f.high)}" if f.low is not None and len(r.focus) == 1 else "")
        return Claim("focus", f"{what} ({fmt(f.mean)}{rng}): clearly below your highest-rated, "
                     f"{top.title} ({fmt(top.mean)}), by more than the uncertainty.", r.focus, (f.mean, top.mean))
    low = min(shown, key=lambda c: (round(c.mean, 1), d.competencies.index(c)))
    h = max(half(c.low, c.high) for c in shown)
    return Claim("no_focus", f"No competency stands out as a clear focus area: your mentees' averages run from "
                 f"{fmt(low.mean)} to {fmt(top.mean)}, a spread within the uncertainty of each average "
                 f"(up to ±{fmt(h)} points), so they are about the same.", (), (low.mean, top.mean, h))


def standing(d: Any, r: Reading) -> Claim | None:
    if not r.standing:
        return None
    groups: dict[str, list[str]] = {"below": [], "within": [], "above": []}
    for cid, where in r.standing:
        groups[where].append(cid)
    detail = tuple((k, tuple(v)) for k, v in groups.items())
    if len(d.competencies) == 1:
        c = d.competencies[0]
        where = r.standing[0][1]
        return Claim("standing", f"Your mentees' average ({fmt(c.mean)}) is {where} {BAND_WORDS}, which runs from "
                     f"{fmt(c.band_low)} to {fmt(c.band_high)}.", (), (c.mean, c.band_low, c.band_high), detail)
    nums: list[float] = []
    parts = []
    for where in ("above", "within", "below"):
        ids = groups[where]
        if not ids:
            continue
        cs = [d.competency(i) for i in ids]
        whole = len(ids) == len(r.standing)
        if len(ids) <= 2:   # named: "on all 1 competencies" read wrongly (round 8)
            bits = [f"{c.title} ({fmt(c.mean)}; middle half {fmt(c.band_low)} to {fmt(c.band_high)})" for c in cs]
            nums += [v for c in cs for v in (c.mean, c.band_low, c.band_high)]
            parts.append(f"{where} it on {_join(bits)}")
        else:
            lo, hi = min(c.mean for c in cs), max(c.mean for c in cs)
            nums += [lo, hi]
            count = f"all {len(ids)}" if whole else str(len(ids))
            rng = fmt(lo) if fmt(lo) == fmt(hi) else f"{fmt(lo)} to {fmt(hi)}"
            parts.append(f"{where} it on {count} competencies (your averages {rng})")
    return Claim("standing", f"Compared with {BAND_WORDS}, your mentees' averages are " + _join(parts) + ".",
                 (), tuple(nums), detail)


def self_vs(d: Any) -> Claim | None:
    both = [c for c in d.competencies if c.mean is not None and c.self_score is not None]
    if not both:
        return None
    hi = [c for c in both if gap_kind(c) == "self_higher"]
    lo = [c for c in both if gap_kind(c) == "mentees_higher"]
    same = len(both) - len(hi) - len(lo)
    nums: list[float] = []
    parts = []
    if hi:
        parts.append("your own rating is higher than your mentees' on " + _join(
            [f"{c.title} ({fmt(c.self_score)} against {fmt(c.mean)})" for c in hi]))
        nums += [v for c in hi for v in (c.self_score, c.mean)]
    if lo:
        parts.append("your mentees' rating is higher than your own on " + _join(
            [f"{c.title} ({fmt(c.mean)} against {fmt(c.self_score)})" for c in lo]))
        nums += [v for c in lo for v in (c.mean, c.self_score)]
    if len(both) == 1 and not parts:
        c = both[0]
        return Claim("self_vs", f"You and your mentees: your own rating ({fmt(c.self_score)}) and their average "
                     f"({fmt(c.mean)}) are about the same, given the uncertainty.", (), (c.self_score, c.mean))
    if same:   # "on all 2 the two ..." and "on the other 1 the two ..." read wrongly (round 8)
        if parts:
            where = "the other competency" if same == 1 else f"the other {same} competencies"
        else:
            where = f"each of the {same} competencies" if same > 1 else "it"
        parts.append(f"on {where} the two are about the same, given the uncertainty")
    return Claim("self_vs", "You and your mentees: " + "; ".join(parts) + ".", (), tuple(nums) or (same,))


def gap_claim(d: Any, c: Any, r: Reading, item: str | None = None) -> tuple[str, Claim] | None:
    """(heading, claim) for one competency whose self/mentee difference exceeds the uncertainty."""
    kind = gap_kind(c)
    if kind is None:
        return None
    rng = f" (plausibly {fmt(c.low)} to {fmt(c.high)})" if c.low is not None else ""
    nums = (c.self_score, c.mean) + ((c.low, c.high) if c.low is not None else ())
    if kind == "self_higher":
        s = (f"{c.title}: you rated yourself {fmt(c.self_score)}; your {mentees(c.n or d.n_mentees)}' average was "
             f"{fmt(c.mean)}{rng}. The difference is larger than the uncertainty, so it is worth exploring.")
        if item:
            s += f" A place to start: ask your mentees what would help most with “{item}”, the question they rated lowest here."
        return "Where your view is higher than your mentees'", Claim("gap_self_higher", s, (c.id,), nums)
    below = dict(r.standing).get(c.id) == "below"
    if c.id in r.focus or below:
        s = (f"{c.title}: your mentees rated you {fmt(c.mean)}{rng}, higher than your own {fmt(c.self_score)}; "
             "the difference is larger than the uncertainty.")
        return "Where your mentees rate you higher than you do", Claim("gap_mentees_higher", s, (c.id,), nums)
    s = (f"{c.title}: your mentees rated you {fmt(c.mean)}{rng}, higher than your own {fmt(c.self_score)}. "
         "Your mentees may value this more than you realise; it is a strength to build on.")
    return "A strength you may underrate", Claim("underrated_strength", s, (c.id,), nums)


def items_extremes(d: Any, r: Reading) -> list[Claim]:
    shown = [it for it in d.items if it.mean is not None]
    if len(shown) < 2:
        return []
    by = {it.id: it for it in shown}
    top = by[r.item_highest[0]]
    q = lambda ids: _join([f"“{by[i].label}”" for i in ids])  # noqa: E731
    if r.item_all_same:
        return [Claim("note_items_same", f"Your mentees gave {_all(len(shown), 'questions')} the same average, "
                      f"{fmt(top.mean)}.", (), (top.mean,))]
    out = [Claim("item_highest", (f"Highest-rated question: {q(r.item_highest)} ({fmt(top.mean)})."
                                  if len(r.item_highest) == 1 else
                                  f"{len(r.item_highest)} questions share the highest average, {fmt(top.mean)}: "
                                  f"{q(r.item_highest)}."), r.item_highest, (top.mean,))]
    if r.item_focus:
        low = by[r.item_focus[0]]
        out.append(Claim("item_focus", (f"Lowest-rated question: {q(r.item_focus)} ({fmt(low.mean)}), below the "
                                        "highest by more than the uncertainty." if len(r.item_focus) == 1 else
                                        f"{len(r.item_focus)} questions share the lowest average, {fmt(low.mean)}, "
                                        f"below the highest by more than the uncertainty: {q(r.item_focus)}."),
                         r.item_focus, (low.mean,)))
    else:
        low = min(shown, key=lambda it: round(it.mean, 1))
        h = max(half(it.low, it.high) for it in shown)
        out.append(Claim("item_no_focus", f"No question stands out as lowest: your mentees' question averages run "
                         f"from {fmt(low.mean)} to {fmt(top.mean)}, within the uncertainty of each (up to "
                         f"±{fmt(h)} points).", (), (low.mean, top.mean, h)))
    return out


def global_item(d: Any, it: Any) -> Claim | None:
    if it.mean is None:
        return None
    rng = f" (plausibly {fmt(it.low)} to {fmt(it.high)})" if it.low is not None else ""
    return Claim("global", f"{it.label}: your mentees' average was {fmt(it.mean)}{rng}, based on "
                 f"{mentees(it.n or d.n_mentees)}. This question is reported on its own and is not part of the score.",
                 (), (it.mean,))


def change_uncertainty(ch: Any) -> float | None:
    """Half-width of the change's plausible range: both waves' half-widths combined (None if unknown)."""
    if ch.half_before is None or ch.half_after is None:
        return None
    return (ch.half_before ** 2 + ch.half_after ** 2) ** 0.5


def change(d: Any) -> list[Claim]:
    """One sentence per competency whose mentee average changed by more than the uncertainty, one for the rest."""
    rows = [ch for ch in d.change if ch.mean_before is not None and ch.mean_after is not None]
    out, same, widest = [], 0, 0.0
    for ch in rows:
        delta = ch.mean_after - ch.mean_before
        u = change_uncertainty(ch)
        if u is not None and abs(round(delta, 1)) <= u:
            same += 1
            widest = max(widest, u)
            continue
        tail = (f" (plausibly ±{fmt(u)}), more than the uncertainty" if u is not None else
                "; with numbers this small it could be chance")
        out.append(Claim("change_mentees", f"{ch.title}: your mentees' average went from {fmt(ch.mean_before)} "
                         f"({mentees(ch.n_before)}) to {fmt(ch.mean_after)} ({mentees(ch.n_after)}), a change of "
                         f"{'+' if delta >= 0.05 else ''}{fmt(delta)}{tail}.",
                         (), (ch.mean_before, ch.mean_after) + ((u,) if u is not None else ()),
                         (("n", (ch.n_before, ch.n_after)),)))
    if same:
        n = (rows[0].n_before, rows[0].n_after)
        what = "the only competency" if same == 1 and len(rows) == 1 else f"{same} of the {len(rows)} competencies"
        out.append(Claim("change_same", f"For {what}, your mentees' average changed by less than the uncertainty "
                         f"(up to ±{fmt(widest)} points; {mentees(n[0])} then, {mentees(n[1])} now), so it is about "
                         "the same.", (), (widest,), (("n", n),)))
    return out


def self_only(d: Any) -> list[Claim]:
    """Below the threshold: what the self-assessment says (no mentee value at all)."""
    rated = [c for c in d.competencies if c.self_score is not None]
    if not rated:
        return []
    if len(rated) == 1:
        c = rated[0]
        return [Claim("self_only", f"You rated yourself {fmt(c.self_score)} on {c.title}.", (), (c.self_score,))]
    top = max(round(c.self_score, 1) for c in rated)
    bottom = min(round(c.self_score, 1) for c in rated)
    hi = [c for c in rated if round(c.self_score, 1) == top]
    lo = [c for c in rated if round(c.self_score, 1) == bottom]
    if top == bottom:
        every = _all(len(rated), "competencies")
        return [Claim("self_only", f"You rated yourself the same on {every} ({fmt(top)}).", (), (top,))]
    return [Claim("self_only", f"In your self-assessment you rated yourself highest on {_join([c.title for c in hi])} "
                  f"({fmt(top)}) and lowest on {_join([c.title for c in lo])} ({fmt(bottom)}).", (), (top, bottom))]


def trend(d: Any) -> list[Claim]:
    """Across cycles (rule 10): one sentence per competency that changed by more than the uncertainty,
    one for the rest, each naming the two windows compared."""
    out: list[Claim] = []
    same: dict[tuple[str, str], list] = {}
    for t in trends(d):
        b, a = t.before, t.after
        if not t.differs:
            same.setdefault((b.window, a.window), []).append(t)
            continue
        word = "rose" if t.change > 0 else "fell"
        text = (f"{t.title}: your mentees' average {word} from {fmt(b.mean)} in {b.window} to {fmt(a.mean)} in "
                f"{a.window}, a change of {'+' if t.change >= 0.05 else ''}{fmt(t.change)} (plausibly "
                f"±{fmt(t.uncertainty)}), more than the uncertainty.")
        out.append(Claim("trend_change", text, (), (b.mean, a.mean, t.uncertainty),
                         (("ids", (t.id,)), ("from", (b.window,)), ("to", (a.window,)))))
    for (bw, aw), group in same.items():
        widest = max(t.uncertainty for t in group)
        if len(group) == 1:
            t = group[0]
            text = (f"{t.title}: your mentees' average went from {fmt(t.before.mean)} in {bw} to "
                    f"{fmt(t.after.mean)} in {aw}, a change within the uncertainty (plausibly ±{fmt(widest)}), "
                    "so it is about the same.")
            nums: tuple = (t.before.mean, t.after.mean, widest)
        else:
            text = (f"{_join([t.title for t in group])}: your mentees' averages in {aw} differ from those in {bw} "
                    f"by less than the uncertainty (up to ±{fmt(widest)} points), so they are about the same.")
            nums = (widest,)
        out.append(Claim("trend_same", text, (), nums,
                         (("ids", tuple(t.id for t in group)), ("from", (bw,)), ("to", (aw,)))))
    return out
