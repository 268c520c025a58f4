"""The program summary's audit with the twin bound (``release._lp._Twins``, ``twins=True``) gives the
verdicts of the code before it, kept verbatim below (release/audit.py ``_verdict``, ``_run``,
``_suppress`` and program.py ``_audit`` at commit 1f04a23): the same passes, the same first flagged
finding, the same secondary cells and steps, the same suppression pattern of every table set, on
random program-like releases where interchangeable mentors abound and cells must be hidden.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mentorassess.program as program
from mentorassess.release import audit as fast
from mentorassess.release._lp import _inner, _Model, _proven_wide, _range
from mentorassess.release.audit import Cell, Finding, TableAudit, Unit, _next_cell
from mentorassess.suppression import SHOWN, protect_cells

# ---- the former code, verbatim -------------------------------------------------------------------
def _verdict(cells, units, *, lo=1, hi=7, decimals=1, protection=1.0, insider=True, scope="cells",
             bounds="decide") -> TableAudit:
    """``audit_tables(..., first_only=True)`` keeping only its flagged finding (if any).

    The same linear programs are solved in the same order, so ``passes``, the flagged finding and
    ``solves`` are those of :func:`audit_tables`; the unflagged findings before it are not built,
    and units whose proven range is already wide are recognised in bulk (:func:`_proven_wide`).
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
             decide=bounds == "decide", quick=True)
    except _Stop:
        pass
    return TableAudit(tuple(out), float(protection), model.solves, tuple(c.id for c, _ in hidden))


class _Stop(Exception):
    """First flagged finding reached (``first_only``)."""


def _run(model, hidden, *, judge, insider, scope, protection, decide, quick=False):
    """The outsider pass, then the insider pass (see the module notes).

    ``quick``: ``judge`` records only flagged findings, so units proven wide are skipped in bulk.
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


def _suppress(cells, units, primary_hidden, *, lo, hi, decimals, protection, insider, scope, max_steps, bounds):
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
                       insider=insider, scope=scope, bounds=bounds)
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


def _audit(units: pd.DataFrame, comps: list[str], cells: list, status: np.ndarray, k: int) -> np.ndarray:
    """Bound-aware audit (release.audit, linear programming over the mentor values of every cell of
    the (role, wave) table set): hide further cells until no hidden cell and no mentor's value is
    bounded within one scale point, for an outsider or a mentor who knows his own value. One pattern
    serves every competency (their cells share members), so hidden cells are the union over them.
    """
    # (the import of Cell, Unit, _suppress, _verdict from release.audit: the former ones are above)

    ids = [f"c{i}" for i in range(len(cells))]
    mentors = units.index.astype(str).to_numpy()
    hidden = {ids[i] for i, st in enumerate(status) if st != SHOWN}
    live = [i for i, c in enumerate(cells) if c[2].any()]
    changed = True
    while changed:
        changed = False
        for comp in comps:
            vals = units[comp].to_numpy(float)
            members = [tuple(mentors[cells[i][2]]) for i in live]
            means = [None if ids[i] in hidden else float(np.round(vals[cells[i][2]].mean(), 9)) for i in live]
            cs = [Cell(ids[i], m, shown=ids[i] not in hidden, mean=mu) for i, m, mu in zip(live, members, means)]
            us = [Unit(m, float(v)) for m, v in zip(mentors, vals)]
            if _verdict(cs, us).passes:   # the verdict of audit_tables(first_only=True), quicker
                continue
            # secondary_suppression without its final full audit (its passes is the same)
            res_hidden, _, _, res = _suppress(cs, us, [ids[i] for i in live if ids[i] in hidden], lo=1, hi=7,
                                              decimals=1, protection=1.0, insider=True, scope="cells",
                                              max_steps=None, bounds="decide")
            new = set(res_hidden) - hidden
            if not res.passes:  # nothing left that could protect: withhold the whole table set
                new |= {ids[i] for i in live} - hidden
            if new:
                hidden |= new
                changed = True
    out = status.copy()
    for i in range(len(cells)):
        if ids[i] in hidden and out[i] == SHOWN:
            out[i] = "secondary"
    return out




# ---- instances -----------------------------------------------------------------------------------
def _release(seed: int):
    """Program-like: a total, departments and cohorts (few atoms, many interchangeable mentors),
    values on a grid (some near the scale's ends), some cells hidden by the primary rules."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 40))
    step = [0.25, 0.5, 1.0, 0.1][seed % 4]
    centre = rng.uniform(1.5, 6.8)
    vals = np.clip(np.round(rng.normal(centre, rng.uniform(0.2, 1.5), n) / step) * step, 1, 7)
    units = [Unit(f"m{i}", float(v)) for i, v in enumerate(vals)]
    cells = [Cell("total", tuple(u.id for u in units))]
    for name, k in (("dept", int(rng.integers(2, 6))), ("cohort", int(rng.integers(2, 4)))):
        lab = rng.integers(0, k, n)
        for g in range(k):
            mem = tuple(units[i].id for i in np.flatnonzero(lab == g))
            if mem:
                cells.append(Cell(f"{name}{g}", mem, shown=bool(rng.random() > 0.2)))
    primary = [c.id for c in cells[1:] if rng.random() < 0.2]
    return cells, units, primary


SEEDS = range(40)


def _flag(res):
    return [(f.kind, f.target, f.insider) for f in res.flagged]


@pytest.mark.parametrize("seed", SEEDS)
def test_verdict_and_suppression_equal_former_code(seed):
    cells, units, primary = _release(seed)
    for kw in ({}, {"protection": 1.5}, {"protection": 0.5, "decimals": 2}, {"scope": "component"}):
        new, old = fast._verdict(cells, units, twins=True, **kw), _verdict(cells, units, **kw)
        assert new.passes == old.passes and _flag(new) == _flag(old), kw
        for a, b in zip(new.flagged, old.flagged):
            assert abs(a.low - b.low) < 1e-7 and abs(a.high - b.high) < 1e-7
        assert new.solves <= old.solves
    args = dict(lo=1, hi=7, decimals=1, protection=1.0, insider=True, scope="cells", max_steps=None,
                bounds="decide")
    h1, p1, s1, v1 = fast._suppress(cells, units, primary, twins=True, **args)
    h0, p0, s0, v0 = _suppress(cells, units, primary, **args)
    assert (h1, p1, s1, v1.passes) == (h0, p0, s0, v0.passes)


def test_instances_need_suppression_and_the_bound_saves_solves():
    """Not trivial: secondary cells are needed, verdicts fail, and the bound removes LPs."""
    steps = fails = saved = 0
    for seed in SEEDS:
        cells, units, primary = _release(seed)
        args = dict(lo=1, hi=7, decimals=1, protection=1.0, insider=True, scope="cells", max_steps=None,
                    bounds="decide")
        steps += bool(_suppress(cells, units, primary, **args)[2])
        new, old = fast._verdict(cells, units, twins=True), _verdict(cells, units)
        fails += not old.passes
        saved += old.solves - new.solves
    assert steps >= 10 and fails >= 10 and saved > 0


def _program_units(seed: int):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(12, 45))
    comps = ["c1", "c2", "overall"]
    vals = np.clip(np.round(rng.normal(rng.uniform(2, 6.5), 0.9, (n, len(comps))) * 4) / 4, 1, 7)
    units = pd.DataFrame(vals, columns=comps, index=[f"M{i:02d}" for i in range(n)])
    units["raters"] = rng.integers(1, 6, n).astype(float)
    dept, coh = rng.integers(0, int(rng.integers(2, 5)), n), rng.integers(0, 2, n)
    dept[:3] = 9                                    # a small department rated at the ceiling (or floor)
    units.iloc[:3, :len(comps)] = 7.0 if seed % 2 else 1.0
    cells = [("(all)", "(all)", np.ones(n, dtype=bool), -1, n)]
    for p, lab in enumerate((dept, coh)):
        for v in sorted(set(lab.tolist())):
            cells.append(("by", str(v), lab == v, p, int((lab == v).sum())))
    members = np.vstack([c[2] for c in cells])
    primary = np.array([c[4] < 3 or units["raters"].to_numpy()[c[2]].sum() < 3 for c in cells])
    status = protect_cells(members, [c[3] for c in cells], 3, primary=primary)
    return units, comps, cells, status


@pytest.mark.parametrize("seed", range(12))
def test_program_audit_pattern_equals_former_code(seed):
    units, comps, cells, status = _program_units(seed)
    new = program._audit(units, comps, cells, status, 3)
    old = _audit(units, comps, cells, status, 3)
    assert list(new) == list(old)


def test_program_instances_get_secondary_cells():
    extra = sum(int(np.sum((_audit(*_program_units(s)[:4], 3) == "secondary"))) for s in range(12))
    assert extra > 0
