"""Solver audit of whole releases (issue 15): nothing a release withholds is determined by what it shows.

Mentor reports: for every released report of a generated program, the exact integer audit
(:func:`mentorassess.release.integer_audit.audit_report`, one-hot MILP over the raters' answers)
is given exactly the figures the report releases (item means where item detail is released,
competency means, the overall mean, the one n) and must find no answer that an outsider, or an
insider who knows one rater's answers, can pin to fewer than 3 values.

Program tables: every (role, wave, competency) table set of the program summary, with its shown
cells' rounded means as constraints, passes the bound-aware LP audit
(:func:`mentorassess.release.audit.audit_tables`): no hidden cell and no mentor's value is bounded
within one scale point, for an outsider or for a mentor who knows his own value.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from mentorassess.aggregate import aggregate
from mentorassess.instruments import load_instrument
from mentorassess.program import ALL, _groups, _units, program_summary
from mentorassess.release.audit import Cell, Unit, audit_tables
from mentorassess.release.counting import eligible
from mentorassess.release.integer_audit import audit_report
from mentorassess.sample import generate
from mentorassess.scoring import OVERALL, score

MCA = load_instrument("mca-26")


@lru_cache(maxsize=None)
def _release(seed: int = 7, n: int = 16):
    prog = generate(seed=seed, n_mentors=n)
    sc = score(prog.responses, MCA)
    return prog, sc, aggregate(sc, roster=prog.roster)


def _reports():
    prog, sc, prof = _release()
    m = prof.mentors
    return [(r.mentor_id, r.wave) for r in m[~m["suppressed"]].itertuples()]


@pytest.mark.parametrize("key", _reports(), ids=lambda k: f"{k[0]}-{k[1]}")
def test_released_report_pins_no_answer(key):
    prog, sc, prof = _release()
    mentor, wave = key
    el = eligible(sc, prof.mentors.assign(email=None)[["mentor_id"]]).scores
    it = el.items
    ans = it[(it["mentor_id"] == mentor) & (it["wave"] == wave) & (it["rater_role"] == "mentee")]
    items = list(MCA.item_ids)
    answers = ans[items].to_numpy(float)
    p = prof.profile(mentor, wave)
    shown_items = set(p.items.loc[p.items["mentee_mean"].notna(), "item"])
    comp = p.competencies.set_index("competency")
    shown_comps = {c for c in comp.index if c != OVERALL and pd.notna(comp.loc[c, "mentee_mean"])}
    competencies = {c.id: [items.index(i) for i in c.items] for c in MCA.competencies}
    res = audit_report(answers, competencies, lo=1, hi=7, decimals=1,
                       item_means={items.index(i) for i in shown_items},
                       competency_means=shown_comps, overall=pd.notna(comp.loc[OVERALL, "mentee_mean"]),
                       min_answered=MCA.scoring.min_answered, may_skip="known", ell=3, insider=True,
                       time_limit=5.0)
    assert not res.pinned_items(), (mentor, wave, res.pinned_items())


def test_program_tables_pass_the_lp_audit():
    prog, sc, prof = _release(seed=20260630, n=40)
    by = ("department", "cohort", "trained")
    tab = program_summary(prof, by=by, roster=prog.roster).to_frame()
    groups = _groups(prof, prog.roster, by)
    audited = 0
    for (role, wave, comp), g in tab.groupby(["rater_role", "wave", "competency"]):
        units = _units(prof, role, wave, list(prof.competency_ids))
        us = [Unit(str(m), float(units.loc[m, comp])) for m in units.index]
        cells = []
        for c in g.itertuples():
            mem = tuple(str(m) for m in units.index if c.by == ALL or str(groups.loc[m, c.by]) == c.group)
            if mem:
                cells.append(Cell(f"{c.by}={c.group}", mem, shown=not c.suppressed,
                                  mean=None if c.suppressed else float(c.mean)))
        res = audit_tables(cells, us, protection=1.0, insider=True)
        assert res.passes, (role, wave, comp, [(f.target, f.insider, f.low, f.high) for f in res.flagged][:3])
        audited += 1
    assert audited >= 20 and tab["suppressed"].any() and (~tab["suppressed"]).any()
