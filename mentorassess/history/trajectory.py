"""Trajectories: released figures across cycles, as the reports receive them (issue 22).

A :class:`Trajectories` object is built only from ledger entries with status ``released``: the
earlier cycles' entries read from the store, this run's entries (made from its ``Profiles``) and
this run's pooled entries that passed the ledger rule. A figure withheld in its cycle has no
released entry, so it can never appear here; the reports read nothing else about other cycles.

Each point carries its window (one cycle, or a pooled block ``2024..2026``), the cycles it covers,
the mean and its standard error (the program-pooled SE the feedback report's interval uses). The
interval shown across cycles is ``mean +/- 1.96 SE`` (clipped to the scale by the report).

Program cells (``PROGRAM_UNIT``) are the program summary's mentor-level means per wave and
competency, recorded in the ledger with the set of mentor contributions behind them, so a later
cycle's program figures can be checked against them like any other release.

Examples
--------
>>> p = TrajectoryPoint("2024..2026", ("2024", "2025", "2026"), "overall", 5.0, 0.25)
>>> p.pooled, round(p.low, 2), round(p.high, 2), cycles_text(p.cycles)
(True, 4.51, 5.49, '2024-2026')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from mentorassess.history.ledger import Entry

__all__ = ["TrajectoryPoint", "ProgramPoint", "Trajectories", "PROGRAM_UNIT", "cycles_text", "build_trajectories",
           "program_entries", "Z95"]

PROGRAM_UNIT = "*program*"  # the ledger unit of program cells (a mentor id cannot start with '*' in rosters)
Z95 = 1.959963984540054


def cycles_text(cycles: Iterable[str]) -> str:
    """``'2024'`` or ``'2024-2026'`` (the first and last cycle a figure covers)."""
    c = list(cycles)
    return c[0] if len(c) == 1 else f"{c[0]}-{c[-1]}"


@dataclass(frozen=True)
class TrajectoryPoint:
    """One released mentee mean of a mentor (one competency, one window)."""

    window: str
    cycles: tuple[str, ...]
    competency: str
    mean: float
    se: float | None = None
    current: bool = False  # from this run (its own cycle, or a pooled block this run closes)

    @property
    def pooled(self) -> bool:
        return len(self.cycles) > 1

    @property
    def low(self) -> float | None:
        return None if self.se is None else self.mean - Z95 * self.se

    @property
    def high(self) -> float | None:
        return None if self.se is None else self.mean + Z95 * self.se


@dataclass(frozen=True)
class ProgramPoint:
    """The program's mentor-level mean of mentees' ratings in one cycle, wave and competency."""

    cycle: str
    wave: str
    competency: str
    mean: float
    ci_low: float | None
    ci_high: float | None
    n_mentors: int | None
    current: bool = False

    @property
    def se(self) -> float | None:
        if self.ci_low is None or self.ci_high is None:
            return None
        return (self.ci_high - self.ci_low) / (2 * Z95)


@dataclass(frozen=True)
class Trajectories:
    """Released figures across cycles for the reports of one run (build with :func:`build_trajectories`)."""

    cycle: str
    order: tuple[str, ...]
    mentors: Mapping[tuple[str, str], tuple[TrajectoryPoint, ...]] = field(default_factory=dict, repr=False)
    program: tuple[ProgramPoint, ...] = field(default=(), repr=False)

    def for_mentor(self, mentor_id: str, wave: str) -> tuple[TrajectoryPoint, ...]:
        return self.mentors.get((str(mentor_id), str(wave)), ())

    def pooled_for(self, mentor_id: str, wave: str) -> tuple[TrajectoryPoint, ...]:
        """This run's pooled points of the mentor (empty unless pooling released them)."""
        return tuple(p for p in self.for_mentor(mentor_id, wave) if p.current and p.pooled)

    def program_cycles(self) -> tuple[str, ...]:
        seen = {p.cycle for p in self.program}
        return tuple(c for c in self.order if c in seen)


def _span(window: str, order: list[str]) -> tuple[str, ...]:
    first, _, last = window.partition("..")
    last = last or first
    if first not in order or last not in order:
        return (first,) if first == last else (first, last)
    return tuple(order[order.index(first):order.index(last) + 1])


def _competency_stat(stat: str) -> tuple[str, str] | None:
    """``'competency:<id>:mean'`` -> ``(id, 'mean')`` (also ``se``); anything else -> None."""
    if not stat.startswith("competency:"):
        return None
    _, comp, kind = stat.split(":")
    return (comp, kind) if kind in ("mean", "se") else None


def _points(entries: Iterable[Entry], order: list[str], current_windows: set[str]) -> dict:
    """``(mentor, wave) -> points`` from released competency mean/se entries."""
    vals: dict = {}
    parsed: dict = {}   # statistic -> (competency, kind) or None: a run repeats a few dozen statistics
    for e in entries:
        if e.status != "released" or e.value is None:
            continue
        stat = parsed.get(e.statistic, False)
        if stat is False:
            stat = parsed[e.statistic] = _competency_stat(e.statistic)
        if stat is None or (isinstance(e.value, float) and math.isnan(e.value)):
            continue
        comp, kind = stat
        vals.setdefault((e.unit, e.wave, e.window, comp), {})[kind] = float(e.value)
    out: dict = {}
    pos = {c: i for i, c in enumerate(order)}
    spans: dict = {}
    for (unit, wave, window, comp), v in vals.items():
        if "mean" not in v:
            continue
        cyc = spans.get(window)
        if cyc is None:
            cyc = spans[window] = _span(window, order)
        out.setdefault((unit, wave), []).append(
            TrajectoryPoint(window, cyc, comp, v["mean"], v.get("se"), window in current_windows))
    for key, pts in out.items():
        pts.sort(key=lambda p: (pos.get(p.cycles[-1], -1), pos.get(p.cycles[0], -1), p.competency))
        out[key] = tuple(pts)
    return out


def program_entries(profile, mentor_sets: Mapping[tuple[str, str], frozenset], window: str) -> list[Entry]:
    """Ledger entries of the program summary's mentee cells (``program_profile`` rows with a mean).

    ``mentor_sets``: ``(wave, competency) -> contributions`` of the mentors whose means entered the cell.
    """
    out: list[Entry] = []
    rows = profile[(profile["rater_role"] == "mentee")]
    for r in rows.itertuples(index=False):
        mean = float(r.mean) if r.mean == r.mean and r.mean is not None else None
        if mean is None:
            continue
        members = mentor_sets.get((str(r.wave), str(r.competency)), frozenset())
        for stat, value in (("mean", mean), ("ci_low", r.ci_low), ("ci_high", r.ci_high),
                            ("mentors", r.n_mentors)):
            if value is None or value != value:
                continue
            out.append(Entry(PROGRAM_UNIT, window, str(r.wave), f"program:{r.competency}:{stat}", float(value),
                             "released", members))
    return out


def _program_points(entries: Iterable[Entry], current_windows: set[str]) -> list[ProgramPoint]:
    vals: dict = {}
    for e in entries:
        if e.unit != PROGRAM_UNIT or e.status != "released" or e.value is None:
            continue
        if not e.statistic.startswith("program:"):
            continue
        _, comp, kind = e.statistic.split(":")
        vals.setdefault((e.window, e.wave, comp), {})[kind] = float(e.value)
    out = []
    for (window, wave, comp), v in vals.items():
        if "mean" not in v:
            continue
        out.append(ProgramPoint(window, wave, comp, v["mean"], v.get("ci_low"), v.get("ci_high"),
                                int(v["mentors"]) if "mentors" in v else None, window in current_windows))
    return out


def build_trajectories(cycle: str, order: list[str], earlier: Iterable[Entry], current: Iterable[Entry],
                       ) -> Trajectories:
    """Trajectories from released ledger entries: ``earlier`` (the store) and ``current`` (this run).

    Only cycles up to ``cycle`` in ``order`` are kept, so re-running an old cycle never shows a
    later one.
    """
    order = list(order)
    if cycle not in order:
        order.append(cycle)
    upto = order[:order.index(cycle) + 1]
    current = [e for e in current if e.status == "released"]
    cur_windows = {e.window for e in current}
    inside = {}   # window -> every cycle of it is in upto (a run sees a handful of windows)
    keep = []
    for e in earlier:
        if e.status != "released" or e.window in cur_windows:
            continue
        ok = inside.get(e.window)
        if ok is None:
            ok = inside[e.window] = all(c in upto for c in _span(e.window, upto))
        if ok:
            keep.append(e)
    entries = keep + current
    mentors = _points([e for e in entries if e.unit != PROGRAM_UNIT], upto, cur_windows)
    pos = {c: i for i, c in enumerate(upto)}
    program = sorted(_program_points(entries, cur_windows), key=lambda p: (pos.get(p.cycle, -1), p.wave,
                                                                             p.competency))
    return Trajectories(cycle=str(cycle), order=tuple(upto), mentors=mentors, program=tuple(program))
