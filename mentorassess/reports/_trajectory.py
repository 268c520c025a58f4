"""A mentor's released averages across cycles in the feedback report (issue 22).

:func:`trajectory_views` reshapes the points of a
:class:`~mentorassess.history.trajectory.Trajectories` (released ledger entries only: a figure
withheld in its cycle has no point) into :class:`~mentorassess.reports._view.TrajectoryView` rows,
one column per cycle up to this run's and one per pooled block. :func:`trajectory_blocks` lays
them out as a table with the comparison sentences of :func:`mentorassess.reports._claims.trend`.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from mentorassess.reports import wording as W
from mentorassess.reports._view import CycleValue, TrajectoryView

__all__ = ["trajectory_views", "trajectory_blocks", "ACROSS", "window_text"]

ACROSS = "Your results across cycles"
Z95 = 1.959963984540054


def window_text(cycles: Sequence[str]) -> str:
    """``'2025'`` or ``'2024-2026'``."""
    return cycles[0] if len(cycles) == 1 else f"{cycles[0]}-{cycles[-1]}"


def _clip(v: float | None, lo: float, hi: float) -> float | None:
    return None if v is None else min(max(v, lo), hi)


def trajectory_views(points: Sequence[Any], order: Sequence[str], cycle: str, instrument, *,
                     shown: bool, current: Mapping[str, tuple[Any, Any]] | None = None
                     ) -> tuple[tuple[TrajectoryView, ...], str | None]:
    """(rows overall first, then competencies in instrument order; the pooled window this report shows).

    ``points``: the mentor's released points for this wave. ``shown``: this cycle's report shows
    mentee results (if not, a point of this cycle alone cannot exist; :meth:`FeedbackData.check`
    refuses one). ``current``: this report's own plausible range per competency, used for this
    cycle's column so the two tables of one report print the same range. Nothing is returned when no earlier cycle or pooled block has a released value:
    a single column would repeat the report.
    """
    order = list(order)
    pos = {c: i for i, c in enumerate(order)}
    windows: dict[str, tuple[int, int, tuple[str, ...]]] = {}
    for c in order:  # every cycle up to this one is a column, released or not (withheld looks like no data)
        windows[c] = (pos[c], pos[c], (c,))
    for p in points:
        if p.pooled:
            windows[p.window] = (pos.get(p.cycles[0], -1), pos.get(p.cycles[-1], -1), tuple(p.cycles))
    cols = sorted(windows.items(), key=lambda kv: (kv[1][1], -kv[1][0]))  # a block after its last cycle
    by = {(p.window, p.competency): p for p in points}
    if not any(p.window != cycle for p in points):
        return (), None
    lo_s, hi_s = instrument.scale.min, instrument.scale.max
    comps = [("overall", "Overall")] if len(instrument.competencies) > 1 else []
    comps += [(c.id, c.title) for c in instrument.competencies]
    rows, pooled = [], None
    for cid, title in comps:
        vals = []
        for w, (first, last, cyc) in cols:
            p = by.get((w, cid))
            current_col = w == cycle or (p is not None and p.current)
            if p is not None and p.current and p.pooled:
                pooled = window_text(cyc)
            low = None if p is None or p.se is None else _clip(p.mean - Z95 * p.se, lo_s, hi_s)
            high = None if p is None or p.se is None else _clip(p.mean + Z95 * p.se, lo_s, hi_s)
            if p is not None and w == cycle and len(cyc) == 1 and (current or {}).get(cid, (None,))[0] is not None:
                low, high = current[cid]  # the range the report's own table prints (t-based)
            vals.append(CycleValue(window=window_text(cyc), first=first, last=last,
                                   mean=None if p is None else p.mean, se=None if p is None else p.se,
                                   low=low, high=high, pooled=len(cyc) > 1, current=current_col))
        if any(v.mean is not None for v in vals):
            rows.append(TrajectoryView(cid, title, tuple(vals)))
    return tuple(rows), pooled


def _cell(v: CycleValue) -> str:
    if v.mean is None:
        return "not shown"
    return W.fmt(v.mean) + (f" ({W.fmt(v.low)} to {W.fmt(v.high)})" if v.low is not None else "")


def trajectory_blocks(d: Any) -> list[Any]:
    """The section's blocks (heading, pooled note, table, comparison sentences, note)."""
    from mentorassess.reports import _claims as C
    from mentorassess.reports._document import Heading, Para, Table

    if not d.trajectory:
        return []
    out: list[Any] = [Heading(ACROSS)]
    if d.pooled_cycles:
        out.append(Para(f"Based on mentees' ratings from {d.pooled_cycles}. Your mentees' results could not be "
                        "shown for a single cycle, to protect their anonymity, so their ratings over these cycles are "
                        "combined into one result; it is shown only because no other result could be subtracted from "
                        "it to single anyone out."))
    heads = tuple(v.window + (" (combined)" if v.pooled else "") for v in d.trajectory[0].values)
    k = len(heads)
    first = 0.28 if k <= 3 else 0.22
    widths = tuple([first] + [(1 - first) / k] * k)
    rows = tuple(tuple([t.title] + [_cell(v) for v in t.values]) for t in d.trajectory)
    out.append(Table("Your mentees' average in each cycle, with its plausible range", ("Competency",) + heads, rows,
                     widths, tuple(range(1, k + 1))))
    out += [Para(cl.text, claim=cl) for cl in C.trend(d)]
    out.append(Para("Only results released in their own cycle appear here; a cycle with too few responses reads "
                    "“not shown”, like a cycle without data. Different mentees rate you in different cycles, so a "
                    "change is not proof of what caused it.", "small"))
    return out
