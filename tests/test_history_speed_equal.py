"""Speed changes of the history store that must not change what it records or shows.

The former code of the changed functions is kept here verbatim (``_former_*``); on a simulated
three-cycle program that pools, the new code must give the very same contribution sets, released
entries, trajectory points and stored response rows.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from tests._history_helpers import CYCLES, fresh_pg_database, program, record, stop_local_pg


# -- former code, verbatim ------------------------------------------------------------------------
def _former_contrib_sets(elig_scores, token):
    s = elig_scores.scores
    mentee = (s["rater_role"] == "mentee").to_numpy()
    ids = s["response_id"].astype(str).to_numpy()
    toks = np.empty(len(ids), dtype=object)
    toks[:] = [token(r) for r in ids]
    comp_cols = list(elig_scores.score_columns)
    comp: dict = defaultdict(set)
    for col in comp_cols:
        ok = mentee & s[col].notna().to_numpy()
        for m, w, t in zip(s["mentor_id"].to_numpy()[ok], s["wave"].to_numpy()[ok], toks[ok]):
            comp[(str(m), str(w), col)].add(t)
    it = elig_scores.items
    pos = {r: i for i, r in enumerate(ids)}
    itoks = np.empty(len(it), dtype=object)
    itoks[:] = [toks[pos[r]] for r in it["response_id"].astype(str)]
    imentee = (it["rater_role"] == "mentee").to_numpy()
    item: dict = defaultdict(set)
    for col in [c for c in elig_scores.instrument.item_ids if c in it.columns]:
        ok = imentee & it[col].notna().to_numpy()
        for m, w, t in zip(it["mentor_id"].to_numpy()[ok], it["wave"].to_numpy()[ok], itoks[ok]):
            item[(str(m), str(w), col)].add(t)
    return comp, item


def _former_released_entries(conn, units=None):
    from mentorassess.history import schema as S

    q = (select(S.ledger.c.unit, S.ledger.c.window, S.ledger.c.wave, S.ledger.c.statistic, S.ledger.c.value,
                S.contributors.c.rater_hash, S.contributors.c.cycle, S.contributors.c.wave)
         .join(S.contributors, S.contributors.c.set_id == S.ledger.c.set_id)
         .where(S.ledger.c.status == "released"))
    unit_list = None if units is None else sorted(set(units))
    rows: list = []
    if unit_list is None:
        rows = conn.execute(q).all()
    else:
        for i in range(0, len(unit_list), 500):
            rows += conn.execute(q.where(S.ledger.c.unit.in_(unit_list[i:i + 500]))).all()
    by: dict = defaultdict(lambda: defaultdict(set))
    for unit, window, wave, stat, value, h, cyc, w in rows:
        by[unit][(window, wave, stat, value)].add((h, cyc, w))
    return {u: {k: frozenset(v) for k, v in entries.items()} for u, entries in by.items()}


def _former_jsonable(v):
    if v is None:
        return None
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(float(v)) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (pd.Timestamp, dt.date, dt.datetime)):
        return v.isoformat()
    if v is pd.NaT:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def _former_response_rows(store, run_id, responses):
    cols = list(responses.columns)
    rows = []
    for rec in responses.itertuples(index=False, name=None):
        d = {c: _former_jsonable(v) for c, v in zip(cols, rec)}
        rows.append({"run_id": run_id, "response_id": str(d["response_id"]), "mentor_id": str(d["mentor_id"]),
                     "rater_role": str(d["rater_role"]), "wave": str(d["wave"]),
                     "rater_hash": store.rater_hash(d.get("rater_id")),
                     "payload": json.dumps(d, ensure_ascii=False, sort_keys=True)})
    return rows


def _former_span(window, order):
    first, _, last = window.partition("..")
    last = last or first
    if first not in order or last not in order:
        return (first,) if first == last else (first, last)
    return tuple(order[order.index(first):order.index(last) + 1])


def _former_points(entries, order, current_windows):
    from mentorassess.history.trajectory import TrajectoryPoint

    vals: dict = {}
    for e in entries:
        if e.status != "released" or e.value is None or not e.statistic.startswith("competency:"):
            continue
        _, comp, kind = e.statistic.split(":")
        if kind not in ("mean", "se") or (isinstance(e.value, float) and math.isnan(e.value)):
            continue
        vals.setdefault((e.unit, e.wave, e.window, comp), {})[kind] = float(e.value)
    out: dict = {}
    pos = {c: i for i, c in enumerate(order)}
    for (unit, wave, window, comp), v in vals.items():
        if "mean" not in v:
            continue
        cyc = _former_span(window, order)
        out.setdefault((unit, wave), []).append(
            TrajectoryPoint(window, cyc, comp, v["mean"], v.get("se"), window in current_windows))
    for key, pts in out.items():
        pts.sort(key=lambda p: (pos.get(p.cycles[-1], -1), pos.get(p.cycles[0], -1), p.competency))
        out[key] = tuple(pts)
    return out


# -- the comparison -------------------------------------------------------------------------------
@pytest.fixture(scope="module", autouse=True)
def _pg_cleanup():
    yield
    stop_local_pg()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def recorded(request, tmp_path_factory):
    """Three cycles of 40 mentors recorded with pooling in blocks of three (the third closes it)."""
    from mentorassess.history.store import open_store

    folder = tmp_path_factory.mktemp("hist")
    drop = None
    if request.param == "sqlite":
        store = open_store(folder / "h.sqlite")
    else:
        url, drop = fresh_pg_database()
        store = open_store(url, secret=str(folder / "program.secret"))
    data = program()
    results = [record(store, c, *data[c], program=True) for c in CYCLES]
    yield store, data, results
    store.close()
    if drop:
        drop()


def test_pooling_happened(recorded):
    _, _, results = recorded
    assert results[-1].block == CYCLES and any(p["status"] == "released" for p in results[-1].pooled)


def test_contribution_sets_equal_the_former_code(recorded):
    from mentorassess.aggregate import aggregate
    from mentorassess.history.ledger import _contrib_sets
    from mentorassess.history.record import _tokens
    from mentorassess.instruments import load_instrument
    from mentorassess.release.counting import eligible
    from mentorassess.release.rules import ReleaseRules
    from mentorassess.scoring import score

    store, data, _ = recorded
    ins = load_instrument("mca-26")
    for c in CYCLES:
        r, roster = data[c]
        r = r.copy()
        r.loc[r.index[::7], "mca03"] = np.nan      # some columns unanswered by some raters of a mentor
        elig = eligible(score(r, ins), roster).scores
        aggregate(elig, rules=ReleaseRules(), roster=roster)
        origin = {str(x): (c, str(w)) for x, w in zip(r["response_id"], r["wave"])}
        new = _contrib_sets(elig, _tokens(store, r, origin))
        old = _former_contrib_sets(elig, _tokens(store, r, origin))
        for a, b in zip(new, old):
            assert {k: frozenset(v) for k, v in b.items()} == a
            assert all(isinstance(v, frozenset) for v in a.values())
        assert any(len(v) < len(new[1][(m, w, "mca01")]) for (m, w, col), v in new[1].items()
                   if col == "mca03" and (m, w, "mca01") in new[1])


def test_released_entries_equal_the_former_query(recorded):
    from mentorassess.history.ledger import released_entries

    store, _, _ = recorded
    with store.read() as conn:
        assert released_entries(conn) == _former_released_entries(conn)
        some = sorted(_former_released_entries(conn))[::3] + ["no-such-mentor"]
        assert released_entries(conn, some) == _former_released_entries(conn, some)
        assert released_entries(conn, []) == {}


def test_trajectory_points_equal_the_former_code(recorded):
    from mentorassess.history.trajectory import _points

    store, data, _ = recorded
    plan = record(store, "2026", *data["2026"], program=True, plan_only=True)
    entries = list(plan.entries) + list(plan.pooled_entries)
    for order in (list(CYCLES), ["2025", "2026"], []):
        for cur in ({"2026"}, {"2024..2026"}, set()):
            assert _points(entries, order, cur) == _former_points(entries, order, cur)
    assert plan.trajectories.mentors    # the plan's own trajectories are not empty


def test_stored_response_rows_equal_the_former_code(recorded):
    from mentorassess.history.record import _response_rows

    store, data, _ = recorded
    r = data["2025"][0].copy()
    r["when"] = pd.to_datetime(["2024-05-01"] * (len(r) - 1) + [None])
    r["count"] = pd.array([1] * (len(r) - 1) + [None], dtype="Int64")
    r["whole"] = 3
    r.loc[r.index[0], "mca01"] = np.nan
    assert _response_rows(store, 5, r) == _former_response_rows(store, 5, r)


def test_rater_hash_memo_gives_the_same_hash(recorded):
    store, _, _ = recorded
    first = store.rater_hash("  Ana.Lee@Example.EDU ")
    assert store.rater_hash("  Ana.Lee@Example.EDU ") == first == store.rater_hash("ana.lee@example.edu")
    assert store.rater_hash(None) is None and store.rater_hash("   ") is None
    assert store.rater_hash(float("nan")) is None
