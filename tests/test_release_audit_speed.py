"""The fast table audit (release.audit / release._lp) gives exactly what the slow reference gives.

``tests/_audit_ref.py`` is the audit as it was before the speed-up (array-kept feasible points,
the verdict-only audit ``_verdict`` with its bulk 'proven wide' check, the greedy loop without a
final full audit). Instances are program-like: a total, two crossed partitions, random values,
some cells hidden, so that the insider pass, the inner ranges and secondary suppression all act.
"""

from __future__ import annotations

import numpy as np
import pytest

import tests._audit_ref as ref
from mentorassess.release import audit as fast
from mentorassess.release.audit import Cell, Unit


def _instance(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 11))
    step = [0.25, 0.5, 1.0][seed % 3]
    vals = np.round(rng.uniform(1, 7, n) / step) * step
    units = [Unit(f"m{i}", float(v), float(rng.choice([1.0, 1.0, 2.0, 3.0])) if seed % 4 == 0 else 1.0)
             for i, v in enumerate(vals)]
    cells = [Cell("total", tuple(u.id for u in units))]
    for name, k in (("dept", int(rng.integers(2, 4))), ("cohort", 2)):
        lab = rng.integers(0, k, n)
        for g in range(k):
            mem = tuple(units[i].id for i in np.flatnonzero(lab == g))
            if mem:
                cells.append(Cell(f"{name}{g}", mem, shown=bool(rng.random() > 0.25)))
    primary = [c.id for c in cells[1:] if rng.random() < 0.15]
    return cells, units, primary


def _key(audit):
    return [(f.kind, f.target, f.insider, f.low, f.high, f.flagged, f.exact) for f in audit.findings]


SEEDS = range(12)


@pytest.mark.parametrize("seed", SEEDS)
def test_audit_tables_findings_identical_to_reference(seed):
    cells, units, _ = _instance(seed)
    for kw in ({}, {"first_only": True}, {"bounds": "exact"}, {"scope": "component"}, {"insider": False},
               {"decimals": 2, "protection": 0.5}):
        new, old = fast.audit_tables(cells, units, **kw), ref.audit_tables(cells, units, **kw)
        assert _key(new) == _key(old), kw          # bit for bit, inner ranges included
        assert (new.solves, new.hidden, new.passes) == (old.solves, old.hidden, old.passes)


@pytest.mark.parametrize("seed", SEEDS)
def test_verdict_equals_first_only_audit(seed):
    cells, units, _ = _instance(seed)
    for kw in ({}, {"scope": "component"}, {"bounds": "exact"}, {"protection": 1.5}):
        v, old = fast._verdict(cells, units, **kw), ref.audit_tables(cells, units, first_only=True, **kw)
        assert v.passes == old.passes and v.solves == old.solves
        assert _key(v) == [k for k in _key(old) if k[5]]     # only the flagged finding is kept


@pytest.mark.parametrize("seed", SEEDS)
def test_secondary_suppression_identical_to_reference(seed):
    cells, units, primary = _instance(seed)
    new, old = fast.secondary_suppression(cells, units, primary), ref.secondary_suppression(cells, units, primary)
    assert (new.hidden, new.primary, new.steps, new.passes) == (old.hidden, old.primary, old.steps, old.passes)
    assert _key(new.audit) == _key(old.audit) and new.audit.solves == old.audit.solves
    hidden, prim, steps, verdict = fast._suppress(cells, units, primary, lo=1, hi=7, decimals=1, protection=1.0,
                                                  insider=True, scope="cells", max_steps=None, bounds="decide")
    assert (hidden, prim, steps, verdict.passes) == (old.hidden, old.primary, old.steps, old.passes)


def test_instances_exercise_suppression_and_inner_ranges():
    """The random instances are not trivial: some need secondary cells, some findings are inner."""
    stepped = inner = 0
    for seed in SEEDS:
        cells, units, primary = _instance(seed)
        stepped += bool(fast.secondary_suppression(cells, units, primary).steps)   # equal to ref (above)
        inner += any(not f.exact for f in fast.audit_tables(cells, units).findings)
    assert stepped >= 6 and inner >= 6
