"""Bound-aware audit of a linked set of program tables (R8, R9, R11; disclosure-control §2.4, §4.4).

Model
-----
* **Units** are released mentor-wave aggregates (or any protected values), each with a value in
  ``[lo, hi]`` (continuous) and a known weight (1 for a mean of mentor means; the number of
  ratings when a cell averages ratings). The attacker knows which units lie in which cell (a
  program director knows every mentor's department, cohort and training), not their values.
* **Cells** are sets of units. A shown cell releases its weighted mean, rounded to ``decimals``
  (half to even), and its count, so its weighted sum lies in ``W*(m - h) .. W*(m + h)``: two
  linear constraints. A hidden cell releases nothing; its protected quantity is its mean.
* **Audit** (:func:`audit_tables`): for every hidden cell and every unit, minimise and maximise
  the protected quantity by linear programming (HiGHS) subject to every shown cell of the
  release and the bounds; anything whose feasible range is narrower than ``protection`` scale
  points (exact recovery is width 0) is flagged. The problem splits into connected components
  (units linked by shown cells), solved one by one.
* **Insider pass.** For each unit ``u`` (a mentor who knows his own score) its value is fixed and
  the ranges are recomputed for the units sharing a cell with ``u`` and for the hidden cells that
  meet those cells (``scope="cells"``; ``scope="component"`` re-checks everything linked to
  ``u``). A hidden cell containing ``u`` is judged on its other members. An LP is re-solved only
  where ``u`` matters: when the stored optimum of the outsider LP already has ``x_u`` equal to
  ``u``'s value, fixing it cannot move that bound (exact, not a heuristic). Units in the same
  shown cells with the same weight are interchangeable, so one LP serves them all.
* **Secondary suppression** (:func:`secondary_suppression`): while the audit flags something,
  take the first flagged finding and hide the smallest shown cell linked to it (fewest units,
  then least weight, then the given order) whose hiding widens its range (else the smallest
  linked cell), and audit again. Hiding only removes constraints, so it ends; it is greedy, not
  optimal (τ-ARGUS or sdcTable may choose fewer cells; this audit still decides).
* **Speed.** Feasible points are kept as arrays with running column ranges. The greedy loop and
  the program summary only need the verdict and the first flagged finding: ``_verdict`` solves the
  same LPs in the same order as ``audit_tables(first_only=True)`` but builds no unflagged finding,
  and drops in bulk the units that stored points already prove wide (``_lp._proven_wide``, exact:
  it uses values the per-unit inner range also uses). ``tests/_audit_ref.py`` keeps the former
  code; the tests compare findings bit for bit. The program summary also passes ``twins=True``:
  per insider, a unit that can trade value with an interchangeable unit (same cells and weight)
  by at least ``protection`` is dropped in O(1) (``_lp._Twins``; the same verdicts, fewer LPs;
  ``tests/test_release_twins_differential.py`` compares with the code before it).

The LP treats values as continuous, which is right for mentor-level means; for integer answers
use :mod:`mentorassess.release.integer_audit`.

Structural rules (R8) are :func:`cell_allowed`. Every hidden cell is shown as :data:`HIDDEN`,
whatever the reason (:func:`shown_text`): output never distinguishes 'too few', 'protects
another cell' and 'no data'.

Examples
--------
Total minus two shown departments recovers the third exactly (up to rounding):

>>> units = [Unit(f"m{i}", v) for i, v in enumerate([5.0, 6.0, 4.0, 5.5, 6.5, 3.0, 4.0, 4.5, 5.0])]
>>> dept = {"A": ["m0", "m1", "m2"], "B": ["m3", "m4", "m5"], "C": ["m6", "m7", "m8"]}
>>> cells = [Cell("total", tuple(u.id for u in units))] + [Cell(k, tuple(v)) for k, v in dept.items()]
>>> cells[-1] = Cell("C", tuple(dept["C"]), shown=False)
>>> res = audit_tables(cells, units, insider=False)
>>> [(f.target, round(f.width, 2)) for f in res.flagged if f.kind == "cell"]
[('C', 0.5)]
>>> sup = secondary_suppression(cells, units, ["C"], insider=False)
>>> sup.passes, sup.hidden
(True, ('A', 'C'))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from mentorassess.errors import ConfigError, DataError
from mentorassess.release._lp import _inner, _Model, _proven_wide, _range, _Twins
from mentorassess.release.feasible import round_mean

__all__ = ["HIDDEN", "shown_text", "Unit", "Cell", "Finding", "TableAudit", "audit_tables",
           "Suppression", "secondary_suppression", "CellDecision", "cell_allowed"]

#: The one text shown for anything withheld, whatever the reason (R7).
HIDDEN = "not shown"


def shown_text(value, decimals: int = 1) -> str:
    """The text of a released figure: the half-even rounded value, or :data:`HIDDEN`.

    Pass the exact ``Fraction(total, n)`` where ties matter; None and NaN give :data:`HIDDEN`.

    >>> shown_text(Fraction(25, 4)), shown_text(None), shown_text(float("nan")), shown_text(5.0)
    ('6.2', 'not shown', 'not shown', '5.0')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return HIDDEN
    r = round_mean(Fraction(value), decimals)
    return f"{float(r):.{decimals}f}"


@dataclass(frozen=True)
class Unit:
    """A protected value (a mentor-wave aggregate) with its weight in cell means."""

    id: str
    value: float
    weight: float = 1.0


@dataclass(frozen=True)
class Cell:
    """A table cell: its units, whether it is shown and, optionally, its released mean.

    Without ``mean`` a shown cell releases the half-even rounded weighted mean of its units.
    """

    id: str
    units: tuple[str, ...]
    shown: bool = True
    mean: float | None = None


@dataclass(frozen=True)
class Finding:
    """The feasible range of one protected quantity for one attacker."""

    kind: str            # "unit" or "cell"
    target: str
    insider: str | None  # the unit whose value the attacker knows, None for an outsider
    low: float
    high: float
    flagged: bool
    exact: bool = True   # False: [low, high] is an inner range, already wide enough (bounds="decide")

    @property
    def width(self) -> float:
        return self.high - self.low


@dataclass(frozen=True)
class TableAudit:
    """Result of :func:`audit_tables`."""

    findings: tuple[Finding, ...]
    protection: float
    solves: int
    hidden: tuple[str, ...]

    @property
    def passes(self) -> bool:
        return not any(f.flagged for f in self.findings)

    @property
    def flagged(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.flagged)

    def to_frame(self) -> pd.DataFrame:
        """One row per (quantity, attacker): kind, target, insider, low, high, width, flagged."""
        return pd.DataFrame([{"kind": f.kind, "target": f.target, "insider": f.insider, "low": f.low,
                              "high": f.high, "width": f.width, "flagged": f.flagged, "exact": f.exact}
                             for f in self.findings],
                            columns=["kind", "target", "insider", "low", "high", "width", "flagged", "exact"])


def audit_tables(cells: Sequence[Cell], units: Sequence[Unit], *, lo: float = 1, hi: float = 7,
                 decimals: int | None = 1, protection: float = 1.0, insider: bool = True,
                 scope: str = "cells", first_only: bool = False, bounds: str = "decide") -> TableAudit:
    """Feasible range of every hidden cell and every unit, for an outsider and for insiders.

    Parameters
    ----------
    cells, units : sequences of :class:`Cell`, :class:`Unit`
        Every table of one release, as one linked set.
    lo, hi : float
        Scale of the unit values.
    decimals : int or None
        Decimals of released means (None: exact).
    protection : float
        Smallest acceptable width of a feasible range, in scale points (strictly narrower is
        flagged; 1.0 = 'not bounded within a scale point').
    insider : bool
        Also audit, for each unit, an attacker who knows that unit's value.
    scope : {"cells", "component"}
        What the insider pass re-checks (see module notes).
    first_only : bool
        Stop at the first flagged finding (a quick 'does it pass?').
    bounds : {"decide", "exact"}
        ``"decide"``: a unit whose range is already proven at least ``protection`` wide by
        feasible points found so far (``Finding.exact`` False) gets no LP of its own; the verdict
        is the same. ``"exact"``: solve every range.

    Returns
    -------
    TableAudit

    Examples
    --------
    A mean of 7.0 over three mentors pins each of them:

    >>> a = audit_tables([Cell("d", ("a", "b", "c"))], [Unit(u, 7.0) for u in "abc"])
    >>> [(f.target, round(f.low, 2)) for f in a.flagged if f.insider is None]
    [('a', 6.85), ('b', 6.85), ('c', 6.85)]
    """
    if not (isinstance(protection, (int, float)) and protection >= 0):
        raise ConfigError(f"protection must be a number >= 0; got {protection!r}")
    if scope not in ("cells", "component"):
        raise ConfigError(f"scope must be 'cells' or 'component'; got {scope!r}")
    if bounds not in ("decide", "exact"):
        raise ConfigError(f"bounds must be 'decide' or 'exact'; got {bounds!r}")
    model = _Model(cells, units, lo, hi, decimals)
    out: list[Finding] = []
    hidden = [(c, m) for c, m in zip(model.cells, model.members) if not c.shown and len(m)]

    def judge(kind, target, ins, rng, exact=True):
        flag = rng[1] - rng[0] < protection - 1e-9
        out.append(Finding(kind, target, ins, float(rng[0]), float(rng[1]), bool(flag), exact))
        if flag and first_only:
            raise _Stop

    try:
        _run(model, hidden, judge=judge, insider=insider, scope=scope, protection=protection,
             decide=bounds == "decide")
    except _Stop:
        pass
    return TableAudit(tuple(out), float(protection), model.solves, tuple(c.id for c, _ in hidden))


def _verdict(cells, units, *, lo=1, hi=7, decimals=1, protection=1.0, insider=True, scope="cells",
             bounds="decide", twins=False) -> TableAudit:
    """``audit_tables(..., first_only=True)`` keeping only its flagged finding (if any).

    The same linear programs are solved in the same order, so ``passes``, the flagged finding and
    ``solves`` are those of :func:`audit_tables`; the unflagged findings before it are not built,
    and units whose proven range is already wide are recognised in bulk (:func:`_proven_wide`).
    ``twins``: per insider, units an exchange with an interchangeable unit proves wide are dropped
    first (:class:`_lp._Twins`, O(1) each): the same verdict and flagged finding, fewer LPs.
    """
    model = _Model(cells, units, lo, hi, decimals)
    out: list[Finding] = []
    hidden = [(c, m) for c, m in zip(model.cells, model.members) if not c.shown and len(m)]

    def judge(kind, target, ins, rng, exact=True):
        if rng[1] - rng[0] < protection - 1e-9:
            out.append(Finding(kind, target, ins, float(rng[0]), float(rng[1]), True, exact))
            raise _Stop

    try:
        _run(model, hidden, judge=judge, insider=insider, scope=scope, protection=protection,
             decide=bounds == "decide", quick=True, twins=twins)
    except _Stop:
        pass
    return TableAudit(tuple(out), float(protection), model.solves, tuple(c.id for c, _ in hidden))


class _Stop(Exception):
    """First flagged finding reached (``first_only``)."""


def _run(model, hidden, *, judge, insider, scope, protection, decide, quick=False, twins=False):
    """The outsider pass, then the insider pass (see the module notes).

    ``quick``: ``judge`` records only flagged findings, so units proven wide are skipped in bulk
    (with ``twins`` first those an exchange with an interchangeable unit proves wide).
    """
    cache: dict = {}
    wide = (lambda r: r[1] - r[0] >= protection) if decide else (lambda r: False)

    def cell_form(m, drop=None):
        keep = [g for g in m if g != drop]
        ws = float(model.w[keep].sum())
        return {g: model.w[g] / ws for g in keep}

    for c, m in hidden:
        judge("cell", c.id, None, _range(model, cell_form(m), {}, cache, ("cell", c.id)))
    # units with the same shown cells and weight are interchangeable in the constraints: same range
    inside = np.zeros((len(model.ids), len(model.bounds)), dtype=bool)
    for k, (m, *_) in enumerate(model.bounds):
        inside[m, k] = True
    atom = [(tuple(np.flatnonzero(inside[g]).tolist()), float(model.w[g])) for g in range(len(model.ids))]
    memo: dict = {}
    for g, uid in enumerate(model.ids):
        if atom[g] not in memo:
            inner = _inner(model, g) if model.comp[g] in model.constrained else None
            if inner is not None and wide(inner):
                judge("unit", uid, None, inner, exact=False)
                continue
            memo[atom[g]] = _range(model, {g: 1.0}, {}, cache, ("unit", g))
        judge("unit", uid, None, memo[atom[g]])
    if not insider:
        return
    # near: the units sharing a cell with u (scope "cells") or u's component; same cells, same set
    M = np.zeros((len(model.members), len(model.ids)), dtype=bool)
    for k, m in enumerate(model.members):
        M[k, m] = True
    near_of: dict = {}
    hidden_sets = [set(m.tolist()) for _, m in hidden]
    whole = [None] * len(hidden)             # the outsider form of each hidden cell, built once
    pair = _Twins(model, atom) if quick and decide and twins else None
    for u, uid in enumerate(model.ids):
        comp = model.comp[u]
        if model.size[comp] == 1:
            continue   # linked to nothing: knowing it tells nothing about others
        fixed = {u: float(model.x[u])}
        if scope == "cells":
            pattern = M[:, u].tobytes()
            if pattern not in near_of:
                near_of[pattern] = M[M[:, u]].any(axis=0)
            near = near_of[pattern]
        else:
            near = model.comp == comp
        for h, ((c, m), ms) in enumerate(zip(hidden, hidden_sets)):
            if not near[m].any() or (len(m) == 1 and m[0] == u):
                continue
            if u in ms:
                form = cell_form(m, drop=u)
                if not any(model.comp[g] == comp for g in form):
                    continue
                judge("cell", c.id, uid, _range(model, form, fixed, cache, None))
            else:
                if whole[h] is None:
                    form = cell_form(m)
                    whole[h] = (form, set(model.comp[list(form)].tolist()))
                form, comps = whole[h]
                if comp not in comps:
                    continue
                judge("cell", c.id, uid, _range(model, form, fixed, cache, ("cell", c.id)))
        sel = near & (model.comp == comp)
        sel[u] = False
        gs = np.flatnonzero(sel)
        if pair is not None:
            gs = gs[~pair.wide(gs, u, protection)]
        if quick and decide:
            gs = gs[~_proven_wide(model, gs, u, protection)]   # their findings would be unflagged
        memo = {}
        for g in gs.tolist():
            if atom[g] not in memo:
                inner = _inner(model, g, u)
                if wide(inner):
                    judge("unit", model.ids[g], uid, inner, exact=False)
                    continue
                memo[atom[g]] = _range(model, {g: 1.0}, fixed, cache, ("unit", g))
            judge("unit", model.ids[g], uid, memo[atom[g]])


@dataclass(frozen=True)
class Suppression:
    """Result of :func:`secondary_suppression`: the hidden cells and the audit trail."""

    hidden: tuple[str, ...]
    primary: tuple[str, ...]
    steps: tuple[tuple[int, str, str], ...]   # (step, cell hidden, the finding that asked for it)
    audit: TableAudit
    passes: bool

    def to_frame(self) -> pd.DataFrame:
        """The audit trail: one row per secondary suppression."""
        return pd.DataFrame(list(self.steps), columns=["step", "cell", "because"])


def secondary_suppression(cells: Sequence[Cell], units: Sequence[Unit], primary_hidden: Iterable[str], *,
                          lo: float = 1, hi: float = 7, decimals: int | None = 1, protection: float = 1.0,
                          insider: bool = True, scope: str = "cells", max_steps: int | None = None,
                          bounds: str = "decide") -> Suppression:
    """Hide further cells, smallest first, until :func:`audit_tables` passes.

    Parameters
    ----------
    primary_hidden : iterable of str
        Cells hidden by the primary rules (:func:`cell_allowed`, R5); cells given with
        ``shown=False`` are hidden too.
    max_steps : int, optional
        Stop after this many secondary suppressions (default: as many as there are cells).

    Returns
    -------
    Suppression
        ``passes`` is False only when no shown cell linked to a flagged finding is left (or
        ``max_steps`` was reached).
    """
    hidden, primary, steps, res = _suppress(cells, units, primary_hidden, lo=lo, hi=hi, decimals=decimals,
                                            protection=protection, insider=insider, scope=scope,
                                            max_steps=max_steps, bounds=bounds)
    cur = [Cell(c.id, c.units, c.id not in hidden and c.shown, c.mean) for c in cells]
    res = audit_tables(cur, units, lo=lo, hi=hi, decimals=decimals, protection=protection, insider=insider,
                       scope=scope, bounds=bounds)
    return Suppression(hidden, primary, steps, res, res.passes)


def _suppress(cells, units, primary_hidden, *, lo, hi, decimals, protection, insider, scope, max_steps, bounds,
              twins=False):
    """The greedy loop of :func:`secondary_suppression` without its final full audit.

    Returns ``(hidden, primary, steps, verdict)``; ``verdict.passes`` equals the final audit's.
    """
    prim = set(primary_hidden)
    unknown = prim - {c.id for c in cells}
    if unknown:
        raise DataError("primary_hidden names unknown cells", value=", ".join(sorted(map(str, unknown))[:5]))
    order = {c.id: k for k, c in enumerate(cells)}
    state = {c.id: (c.shown and c.id not in prim) for c in cells}
    primary = tuple(c.id for c in cells if not state[c.id])
    uw = {u.id: float(u.weight) for u in units}
    steps: list[tuple[int, str, str]] = []
    limit = len(cells) if max_steps is None else int(max_steps)
    while True:
        cur = [Cell(c.id, c.units, state[c.id], c.mean) for c in cells]
        res = _verdict(cur, units, lo=lo, hi=hi, decimals=decimals, protection=protection,
                       insider=insider, scope=scope, bounds=bounds, twins=twins)
        if res.passes or len(steps) >= limit:
            break
        pick = _next_cell(cur, units, res.flagged, order, uw, lo, hi, decimals, protection)
        if pick is None:
            break
        pick, why = pick
        state[pick] = False
        steps.append((len(steps) + 1, pick, why))
    hidden = tuple(c.id for c in cells if not state[c.id])
    return hidden, primary, tuple(steps), res


def _describe(f: Finding) -> str:
    who = f" (insider {f.insider})" if f.insider else ""
    return f"{f.kind} {f.target}{who}: range {f.low:.3g}..{f.high:.3g}"


def _next_cell(cur, units, flagged, order, uw, lo, hi, decimals, protection):
    """The smallest shown cell linked to the first flagged finding whose hiding widens its range.

    Candidates are the shown cells in the components of the finding's units, smallest first
    (units, weight, given order); if hiding none of them alone widens the range, the smallest.
    """
    model = _Model(cur, units, lo, hi, decimals)
    f = flagged[0]
    by_id = {c.id: c for c in cur}
    touch = set(by_id[f.target].units) if f.kind == "cell" else {f.target}
    comps = {int(model.comp[model.index[u]]) for u in touch}
    if f.insider is not None:
        comps.add(int(model.comp[model.index[f.insider]]))
    cand = [c for c, m in zip(cur, model.members)
            if c.shown and len(m) and int(model.comp[m[0]]) in comps]
    if not cand:
        return None
    cand.sort(key=lambda c: (len(set(c.units)), sum(uw.get(u, 0) for u in set(c.units)), order[c.id]))
    for c in cand:
        trial = [Cell(x.id, x.units, x.shown and x.id != c.id, x.mean) for x in cur]
        tm = _Model(trial, units, lo, hi, decimals)
        fixed = {} if f.insider is None else {tm.index[f.insider]: float(tm.x[tm.index[f.insider]])}
        if f.kind == "cell":
            keep = [tm.index[u] for u in set(by_id[f.target].units) if u != f.insider]
            ws = float(tm.w[keep].sum())
            form = {g: tm.w[g] / ws for g in keep}
        else:
            form = {tm.index[f.target]: 1.0}
        low, high = _range(tm, form, fixed)
        if high - low > f.width + 1e-9:
            return c.id, _describe(f)
    return cand[0].id, _describe(f)


# --- structural rules (R8) ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CellDecision:
    """Whether a program cell may be shown, with a reason code (never printed: see :data:`HIDDEN`)."""

    allowed: bool
    reason: str          # ok, no-data, too-few-raters, too-few-mentors, dominant-mentor
    raters: int
    mentors: int
    top_share: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"allowed": self.allowed, "reason": self.reason, "raters": self.raters,
                              "mentors": self.mentors, "top_share": self.top_share}])


def cell_allowed(raters_by_mentor: Mapping[str, int], *, min_raters: int = 3, min_mentors: int = 3,
                 max_mentor_share: float = 0.5, distinct_raters: int | None = None) -> CellDecision:
    """R8: at least ``min_raters`` distinct raters, ``min_mentors`` mentors, no mentor above the share.

    Parameters
    ----------
    raters_by_mentor : mapping
        Distinct substantive raters per mentor in the cell (mentors with 0 do not count).
    distinct_raters : int, optional
        Distinct raters of the whole cell when a rater can rate several mentors (default: the
        sum of the mapping).
    max_mentor_share : float
        A mentor supplying more than this share of the cell's raters makes it unsafe (exactly
        the share is allowed).

    Examples
    --------
    >>> cell_allowed({"m1": 3, "m2": 4, "m3": 2}).reason
    'ok'
    >>> cell_allowed({"m1": 9}).reason, cell_allowed({"m1": 8, "m2": 1, "m3": 1}).reason
    ('too-few-mentors', 'dominant-mentor')
    """
    if min_raters < 1 or min_mentors < 1 or not 0 < max_mentor_share <= 1:
        raise ConfigError("min_raters and min_mentors must be >= 1 and max_mentor_share in (0, 1]")
    counts = {str(k): int(v) for k, v in raters_by_mentor.items() if int(v) > 0}
    if any(int(v) < 0 for v in raters_by_mentor.values()):
        raise DataError("rater counts cannot be negative")
    total = sum(counts.values()) if distinct_raters is None else int(distinct_raters)
    mentors = len(counts)
    share = max(counts.values()) / sum(counts.values()) if counts else 0.0
    if total == 0:
        reason = "no-data"
    elif total < min_raters:
        reason = "too-few-raters"
    elif mentors < min_mentors:
        reason = "too-few-mentors"
    elif share > max_mentor_share + 1e-12:
        reason = "dominant-mentor"
    else:
        reason = "ok"
    return CellDecision(reason == "ok", reason, total, mentors, float(share))
