"""The release ledger (R10): what a run released, from whose contributions, and the differencing check.

A *contribution* is one rater's answers to one mentor in one cycle and wave, kept in the store as
``(HMAC(rater id), cycle, wave)``. Every figure a run releases is a ledger entry (unit = mentor,
window = the cycle or a pooled block, wave, statistic, value, status) pointing at the set of
contributions behind it. :func:`differencing_safe` is the rule a new figure must pass against
every released entry of the same mentor: the two sets are equal, or each has at least ``k``
contributions the other lacks (so no difference of two releases isolates fewer than ``k``).

Examples
--------
>>> a = frozenset({("r1", "2024", "c"), ("r2", "2024", "c"), ("r3", "2024", "c")})
>>> differencing_safe(a, [a], 3)
True
>>> differencing_safe(a | {("r4", "2025", "c")}, [a], 3)   # the new window minus the old = one rater
False
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
import pandas as pd
from sqlalchemy import select

from mentorassess.history import schema as S
from mentorassess.scoring import OVERALL

__all__ = ["Entry", "differencing_safe", "released_entries", "already_released", "entries_from_profiles", "released_sets", "insert_entries",
           "Contribution", "OVERALL_STAT"]

Contribution = tuple[str, str, str]  # (rater hash, cycle, wave)
OVERALL_STAT = f"competency:{OVERALL}:mean"


@dataclass(frozen=True)
class Entry:
    """One ledger row before it is written."""

    unit: str
    window: str
    wave: str
    statistic: str
    value: float | None
    status: str
    contributors: frozenset | None


def differencing_safe(new: frozenset, old: Iterable[frozenset], k: int) -> bool:
    """True when ``new`` is equal to, or differs by at least ``k`` in each direction from, every set in ``old``."""
    for o in old:
        if new == o:
            continue
        if len(new - o) < k or len(o - new) < k:
            return False
    return True


def _group_sets(mentor: np.ndarray, wave: np.ndarray, toks: np.ndarray, has: np.ndarray, cols: list[str],
                out: dict) -> None:
    """``out[(mentor, wave, col)]``: the tokens of the rows with a value in ``col``, per (mentor, wave).

    A column answered by every row of a group shares that group's one set (most do), so equal sets
    are one object: hashed once, and stored once by :func:`insert_entries`.
    """
    if not len(toks):
        return
    cm, um = pd.factorize(pd.Series(mentor, dtype=object).astype(str), sort=False)
    cw, uw = pd.factorize(pd.Series(wave, dtype=object).astype(str), sort=False)
    code = cm.astype(np.int64) * len(uw) + cw
    order = np.argsort(code, kind="stable")
    code, toks, has = code[order], toks[order], has[order]
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    ends = np.r_[starts[1:], len(code)]
    for a, b in zip(starts, ends):
        m, w = um[code[a] // len(uw)], uw[code[a] % len(uw)]
        block, t = has[a:b], toks[a:b]
        full = frozenset(t)
        every, some = block.all(axis=0), block.any(axis=0)
        for j, col in enumerate(cols):
            if every[j]:
                out[(m, w, col)] = full
            elif some[j]:
                out[(m, w, col)] = frozenset(t[block[:, j]])


def _contrib_sets(elig_scores, token: Callable[[str], Contribution]) -> tuple[dict, dict]:
    """Per (mentor, wave, competency) and (mentor, wave, item): the contributions with a value."""
    s = elig_scores.scores
    mentee = (s["rater_role"] == "mentee").to_numpy()
    ids = s["response_id"].astype(str).to_numpy()
    toks = np.empty(len(ids), dtype=object)
    toks[:] = [token(r) for r in ids]
    comp_cols = list(elig_scores.score_columns)
    comp: dict = {}
    _group_sets(s["mentor_id"].to_numpy()[mentee], s["wave"].to_numpy()[mentee], toks[mentee],
                s[comp_cols].notna().to_numpy()[mentee], comp_cols, comp)
    it = elig_scores.items
    pos = {r: i for i, r in enumerate(ids)}
    itoks = np.empty(len(it), dtype=object)
    itoks[:] = [toks[pos[r]] for r in it["response_id"].astype(str)]
    imentee = (it["rater_role"] == "mentee").to_numpy()
    item: dict = {}
    icols = [c for c in elig_scores.instrument.item_ids if c in it.columns]
    _group_sets(it["mentor_id"].to_numpy()[imentee], it["wave"].to_numpy()[imentee], itoks[imentee],
                it[icols].notna().to_numpy()[imentee], icols, item)
    return comp, item


def entries_from_profiles(profiles, elig_scores, token: Callable[[str], Contribution], window: str,
                          *, wave_of: Callable[[str], str] = str, units: set | None = None) -> list[Entry]:
    """Ledger entries for the mentee figures of ``profiles`` (released values, withheld competencies).

    Item figures are recorded when released; withheld item cells are not listed (the competency
    entries already say the report was withheld).
    """
    comp_sets, item_sets = _contrib_sets(elig_scores, token)
    out: list[Entry] = []
    c = profiles.competencies
    if units is not None:
        c = c[c["mentor_id"].astype(str).isin(units)]
    se_col = c["pooled_se"].to_numpy(float) if "pooled_se" in c.columns else np.full(len(c), np.nan)
    for m, w, comp, v, se in zip(c["mentor_id"].astype(str), c["wave"].astype(str), c["competency"].astype(str),
                                 c["mentee_mean"].to_numpy(float), se_col):
        released = not np.isnan(v)
        members = frozenset(comp_sets.get((m, w, comp), ())) if released else None
        out.append(Entry(m, window, wave_of(w), f"competency:{comp}:mean", float(v) if released else None,
                         "released" if released else "withheld", members))
        if released and not np.isnan(se):  # the SE the report's interval uses (trajectories)
            out.append(Entry(m, window, wave_of(w), f"competency:{comp}:se", float(se), "released", members))
    it = profiles.items
    if units is not None:
        it = it[it["mentor_id"].astype(str).isin(units)]
    it = it[it["mentee_mean"].notna()]
    for m, w, item, v in zip(it["mentor_id"].astype(str), it["wave"].astype(str), it["item"].astype(str),
                             it["mentee_mean"].to_numpy(float)):
        out.append(Entry(m, window, wave_of(w), f"item:{item}:mean", float(v), "released",
                         frozenset(item_sets.get((m, w, item), ()))))
    return out


def released_entries(conn, units: Iterable[str] | None = None) -> dict[str, dict[tuple, frozenset]]:
    """Per mentor: every released ledger entry, ``(window, wave, statistic, value) -> contribution set``.

    The entries are read first and each contribution set once (many entries of a mentor share one
    set), so a set's members are neither fetched nor hashed once per entry.
    """
    L, C = S.ledger.c, S.contributors.c
    q = select(L.unit, L.window, L.wave, L.statistic, L.value, L.set_id).where(L.status == "released")
    unit_list = None if units is None else sorted(set(units))
    chunks = [None] if unit_list is None else [unit_list[i:i + 500] for i in range(0, len(unit_list), 500)]
    rows: list = []
    members: dict = defaultdict(list)
    for chunk in chunks:
        qq = q if chunk is None else q.where(L.unit.in_(chunk))
        rows += conn.execute(qq).all()
        sids = select(L.set_id).where(L.status == "released")
        if chunk is not None:
            sids = sids.where(L.unit.in_(chunk))
        for sid, h, cyc, w in conn.execute(select(C.set_id, C.rater_hash, C.cycle, C.wave)
                                           .where(C.set_id.in_(sids.scalar_subquery()))):
            members[sid].append((h, cyc, w))
    sets = {sid: frozenset(m) for sid, m in members.items()}
    by: dict = defaultdict(dict)
    for unit, window, wave, stat, value, sid in rows:
        got = sets.get(sid)
        if got is None:   # an entry without members adds nothing (as the former inner join)
            continue
        key = (window, wave, stat, value)
        d = by[unit]
        d[key] = got if key not in d else d[key] | got
    return dict(by)


def already_released(e: Entry, prior: dict[tuple, frozenset]) -> bool:
    """True when ``e`` repeats a released entry exactly (same window, wave, statistic, value, contributions)."""
    return prior.get((e.window, e.wave, e.statistic, e.value)) == e.contributors


def released_sets(conn, units: Iterable[str] | None = None) -> dict[str, list[frozenset]]:
    """Per mentor: the distinct contribution sets of every released ledger entry in the store."""
    return {u: list(set(d.values())) for u, d in released_entries(conn, units).items()}


def insert_entries(conn, cycle: str, entries: list[Entry]) -> int:
    """Write entries with their contribution sets (one set row per distinct set); return rows written."""
    distinct = list(dict.fromkeys(e.contributors for e in entries if e.contributors is not None))
    ids: list[int] = []
    for i in range(0, len(distinct), 2000):  # ids in bulk (INSERT ... RETURNING, in parameter order)
        chunk = [{"cycle": cycle}] * len(distinct[i:i + 2000])
        res = conn.execute(S.contributor_sets.insert().returning(S.contributor_sets.c.id,
                                                                 sort_by_parameter_order=True), chunk)
        ids += [r[0] for r in res]
    set_ids = dict(zip(distinct, ids))
    members = [{"set_id": set_ids[m], "rater_hash": h, "cycle": c, "wave": w}
               for m in distinct for h, c, w in sorted(m)]
    S.insert_rows(conn, S.contributors, members)
    rows = [{"cycle": cycle, "unit": e.unit, "window": e.window, "wave": e.wave, "statistic": e.statistic,
             "value": e.value, "status": e.status,
             "set_id": None if e.contributors is None else set_ids[e.contributors]} for e in entries]
    S.insert_rows(conn, S.ledger, rows)
    return len(rows)


def delete_cycle_entries(conn, cycle: str) -> None:
    """Remove the ledger entries (and their sets) a run of ``cycle`` wrote."""
    conn.execute(S.ledger.delete().where(S.ledger.c.cycle == cycle))
    sids = select(S.contributor_sets.c.id).where(S.contributor_sets.c.cycle == cycle)
    conn.execute(S.contributors.delete().where(S.contributors.c.set_id.in_(sids)))
    conn.execute(S.contributor_sets.delete().where(S.contributor_sets.c.cycle == cycle))


def ledger_frame(conn, where=None) -> pd.DataFrame:
    """The ledger (without contribution sets) as a frame."""
    q = select(S.ledger.c.cycle, S.ledger.c.unit, S.ledger.c.window, S.ledger.c.wave, S.ledger.c.statistic,
               S.ledger.c.value, S.ledger.c.status, S.ledger.c.set_id)
    if where is not None:
        q = q.where(where)
    rows = conn.execute(q.order_by(S.ledger.c.id)).all()
    return pd.DataFrame(rows, columns=["cycle", "unit", "window", "wave", "statistic", "value", "status", "set_id"])

