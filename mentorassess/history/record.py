"""Recording a run in the history store: responses, settings, the ledger, pooled results.

:func:`record_run` does everything in one write transaction (see :mod:`.store`): it replaces an
earlier run of the same cycle, writes the canonical responses (or only the inputs' hash), the
ledger entries of every mentee figure the run released, and the pooled results of a block the
cycle closes. Before anything is replaced it checks the run's released figures against the
ledger (R10): a re-run whose figures differ from what was already released by fewer than
``min_raters`` contributions is refused with :class:`~mentorassess.errors.ConfidentialityError`
(late responses belong in the next block), and nothing is written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import select

from mentorassess.errors import ConfidentialityError, Problem
from mentorassess.history import schema as S
from mentorassess.history.ledger import (OVERALL_STAT, Entry, delete_cycle_entries, differencing_safe,
                                         entries_from_profiles, insert_entries, released_entries)
from mentorassess.history.ledger import already_released
from mentorassess.history.pooling import PoolSettings, block_of, natural_order, pooled_frame, window_label
from mentorassess.history.store import Store
from mentorassess.history.trajectory import PROGRAM_UNIT
from mentorassess.release.rules import HIDDEN

__all__ = ["record_run", "plan_run", "HistoryPlan", "RecordResult"]


@dataclass(frozen=True)
class RecordResult:
    """What :func:`record_run` wrote.

    ``pooled`` has one row per pooled candidate: ``mentor_id, wave, window, cycles, status``
    (``released`` or ``not_shown``, the wording of any withheld result) and, when released, the
    competency means (``competencies``: id -> mean).
    """

    cycle: str
    replaced: bool
    ledger_rows: int
    responses_stored: int
    pooled: list[dict] = field(default_factory=list)
    block: tuple[str, ...] | None = None

    def to_dict(self) -> dict:
        return {"cycle": self.cycle, "replaced": self.replaced, "ledger_rows": self.ledger_rows,
                "responses_stored": self.responses_stored, "block": list(self.block) if self.block else None,
                "pooled": self.pooled}


def _jsonable(v):
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


def _column_values(col: pd.Series) -> list:
    """A column's values as :func:`_jsonable` gives them, converted column-wise where the dtype allows."""
    kind = col.dtype.kind if isinstance(col.dtype, np.dtype) else "O"   # nullable dtypes hold pd.NA: per value
    if kind == "f":
        arr = col.to_numpy()
        return [None if v != v else v for v in arr.tolist()]   # Python floats; NaN -> None
    if kind in "iu":
        return col.to_numpy().tolist()
    return [v if type(v) is str else _jsonable(v) for v in col.tolist()]


def _response_rows(store: Store, run_id: int, responses: pd.DataFrame) -> list[dict]:
    cols = list(responses.columns)
    values = [_column_values(responses[c]) for c in cols] if cols else []
    rows = []
    for rec in zip(*values):
        d = dict(zip(cols, rec))
        rows.append({"run_id": run_id, "response_id": str(d["response_id"]), "mentor_id": str(d["mentor_id"]),
                     "rater_role": str(d["rater_role"]), "wave": str(d["wave"]),
                     "rater_hash": store.rater_hash(d.get("rater_id")),
                     "payload": json.dumps(d, ensure_ascii=False, sort_keys=True)})
    return rows


def _tokens(store: Store, frame: pd.DataFrame, origin: dict[str, tuple[str, str]]):
    """response id -> (rater hash, cycle, wave); unkeyed responses get a hash of their response id."""
    rater = dict(zip(frame["response_id"].astype(str), frame.get("rater_id", pd.Series([None] * len(frame)))))

    def token(rid: str):
        cyc, wave = origin[rid]
        h = store.rater_hash(rater.get(rid))
        return (h if h is not None else store.rater_hash(f"unkeyed response {rid}"), cyc, wave)
    return token


@dataclass(frozen=True)
class HistoryPlan:
    """What a run will record, prepared before its reports are written (:func:`plan_run`).

    ``entries``: this run's ledger entries (mentor figures, then program cells); ``pooled`` and
    ``pooled_entries``: the block this run closes (as in :class:`RecordResult`); ``trajectories``:
    the released figures across cycles the reports show; ``stamp``: the recorded runs when the plan
    was made (``record_run`` refuses the plan if another writer changed them since).
    """

    cycle: str
    entries: tuple = field(repr=False)
    rows: tuple = field(repr=False)
    pooled: tuple = ()
    pooled_entries: tuple = field(default=(), repr=False)
    block: tuple[str, ...] | None = None
    trajectories: object = None
    stamp: tuple = ()


def _stamp(conn) -> tuple:
    """The recorded runs (a run recorded or replaced since changes it)."""
    r = S.runs.c
    return tuple(sorted(tuple(x) for x in conn.execute(select(r.cycle, r.id, r.recorded_at, r.inputs_sha256,
                                                              r.n_responses)).all()))


def _program_entries(store, profiles, program_profile, cycle: str) -> list[Entry]:
    """The program summary's mentee cells, each with the set of mentors (hashed) whose means entered it."""
    from mentorassess.history.trajectory import program_entries

    if program_profile is None or len(program_profile) == 0:
        return []
    c = profiles.competencies
    c = c[c["mentee_mean"].notna()]
    sets: dict = {}
    hashes: dict = {}
    for m, w, comp in zip(c["mentor_id"].astype(str), c["wave"].astype(str), c["competency"].astype(str)):
        h = hashes.get(m) or hashes.setdefault(m, store.rater_hash(m))
        sets.setdefault((w, comp), set()).add((h, cycle, w))
    return program_entries(program_profile, {k: frozenset(v) for k, v in sets.items()}, cycle)


def plan_run(store: Store, *, cycle: str, instrument, responses: pd.DataFrame, profiles, eligible_scores, rules,
             store_responses: bool = True, pool: PoolSettings = PoolSettings(), roster: pd.DataFrame | None = None,
             program_profile: pd.DataFrame | None = None, conn=None) -> HistoryPlan:
    """Prepare a run's recording (read-only): ledger entries, the pooled block, trajectories.

    ``program_profile``: the program summary's ``program_profile`` frame (its mentee cells enter
    the ledger). With ``conn`` the plan is made on that (write) connection.
    """
    from mentorassess.history.trajectory import build_trajectories

    cycle = str(cycle)
    k = rules.min_raters
    origin = {str(r): (cycle, str(w)) for r, w in zip(responses["response_id"], responses["wave"])}
    entries = entries_from_profiles(profiles, eligible_scores, _tokens(store, responses, origin), cycle)
    entries += _program_entries(store, profiles, program_profile, cycle)
    rows = _response_rows(store, 0, responses) if store_responses else []
    ctx = store.read() if conn is None else contextlib.nullcontext(conn)
    with ctx as c:
        stamp = _stamp(c)
        pooled, pooled_entries, block = [], [], None
        if pool.enabled and store_responses:
            pooled, pooled_entries, block = _pool(c, store, cycle, pool, rows, entries, instrument, rules, roster,
                                                  k)
        units = sorted({str(m) for m in profiles.mentors["mentor_id"]} | {PROGRAM_UNIT})
        earlier = _released_values(c, units, cycle)
        order = list(pool.cycles) if pool.cycles else natural_order([r[0] for r in stamp] + [cycle])
    traj = build_trajectories(cycle, order, earlier, entries + pooled_entries)
    return HistoryPlan(cycle=cycle, entries=tuple(entries), rows=tuple(rows), pooled=tuple(pooled),
                       pooled_entries=tuple(pooled_entries), block=block, trajectories=traj, stamp=stamp)


def _released_values(conn, units: list[str], cycle: str) -> list[Entry]:
    """Released competency and program figures of ``units`` written by runs of other cycles (no sets)."""
    L = S.ledger.c
    q = select(L.unit, L.window, L.wave, L.statistic, L.value).where(
        L.status == "released", L.cycle != cycle,
        (L.statistic.like("competency:%:mean") | L.statistic.like("competency:%:se") | L.statistic.like("program:%")))
    out = []
    for i in range(0, len(units), 500):
        for u, w, wv, st, v in conn.execute(q.where(L.unit.in_(units[i:i + 500]))).all():
            out.append(Entry(u, w, wv, st, v, "released", None))
    return out


def record_run(store: Store, *, cycle: str, program: str, instrument, responses: pd.DataFrame, profiles,
               eligible_scores, rules, settings: dict, inputs_sha256: str, store_responses: bool = True,
               pool: PoolSettings = PoolSettings(), roster: pd.DataFrame | None = None,
               program_profile: pd.DataFrame | None = None, plan: HistoryPlan | None = None) -> RecordResult:
    """Record one cycle (see the module docstring). ``eligible_scores``: the run's eligible responses.

    ``plan``: from :func:`plan_run` before the reports were written (their pooled figures and
    trajectories come from it); refused if another run was recorded or replaced since.
    """
    cycle = str(cycle)
    k = rules.min_raters
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    with store.write() as conn:
        if plan is None:
            plan = plan_run(store, cycle=cycle, instrument=instrument, responses=responses, profiles=profiles,
                            eligible_scores=eligible_scores, rules=rules, store_responses=store_responses, pool=pool,
                            roster=roster, program_profile=program_profile, conn=conn)
        elif plan.stamp != _stamp(conn) or plan.cycle != cycle:
            raise ConfidentialityError(
                f"cycle {cycle}: the history changed while this run was prepared (another run was recorded); "
                "nothing was recorded", hint="run again: its reports must be checked against the new history")
        entries = list(plan.entries)
        old = conn.execute(select(S.runs.c.id).where(S.runs.c.cycle == cycle)).scalar()
        # R10: the run's released figures against everything already released.
        units = {e.unit for e in entries if e.status == "released"}
        prior = released_entries(conn, units)
        sets = {u: set(d.values()) for u, d in prior.items()}
        bad = sorted({(e.unit, e.wave) for e in entries if e.status == "released"
                      and not already_released(e, prior.get(e.unit, {}))
                      and not differencing_safe(e.contributors, sets.get(e.unit, ()), _k(e, k, rules))})
        if bad:
            raise ConfidentialityError(
                f"cycle {cycle}: {len(bad)} report(s) would differ from figures already released by "
                f"fewer than {k} raters (program cells: {_k_program(rules)} mentors); nothing was recorded",
                problems=[Problem(f"{'program' if u == _PROGRAM else 'mentor ' + u}, wave {w}",
                                  code="ledger-differencing") for u, w in bad[:20]],
                hint="a re-run must reproduce what was released: move late responses to the next cycle")
        if old is not None:
            conn.execute(S.responses.delete().where(S.responses.c.run_id == old))
            conn.execute(S.runs.delete().where(S.runs.c.id == old))
            delete_cycle_entries(conn, cycle)
        run_id = conn.execute(S.runs.insert().values(
            cycle=cycle, program=program, instrument_id=instrument.id, instrument_version=str(instrument.version),
            settings=json.dumps(settings, sort_keys=True, default=str), inputs_sha256=inputs_sha256,
            responses_stored=bool(store_responses), n_responses=len(responses), recorded_at=now,
        )).inserted_primary_key[0]
        stored = 0
        if store_responses:
            rows = [dict(r, run_id=run_id) for r in plan.rows]
            S.insert_rows(conn, S.responses, rows)
            stored = len(rows)
        n = insert_entries(conn, cycle, entries + list(plan.pooled_entries))
    return RecordResult(cycle=cycle, replaced=old is not None, ledger_rows=n, responses_stored=stored,
                        pooled=list(plan.pooled), block=plan.block)


_PROGRAM = PROGRAM_UNIT


def _k_program(rules) -> int:
    return int(getattr(rules, "min_mentors", 3) or 3)


def _k(e: Entry, k: int, rules) -> int:
    """Program cells are protected by mentors (R8: at least ``min_mentors`` either way), mentor figures by raters."""
    return _k_program(rules) if e.unit == _PROGRAM else k


def _pool(conn, store, cycle, pool, current_rows, entries, instrument, rules, roster, k):
    recorded = conn.execute(select(S.runs.c.cycle, S.runs.c.instrument_id, S.runs.c.instrument_version,
                                   S.runs.c.responses_stored)).all()
    info = {r[0]: r for r in recorded}
    info[cycle] = (cycle, instrument.id, str(instrument.version), True)  # this run (recorded with its responses)
    order = list(pool.cycles) if pool.cycles else natural_order(info)
    block = block_of(cycle, order, pool.block)
    if block is None or block[-1] != cycle or len(block) < pool.block:
        return [], [], block
    if any(c not in info or not info[c][3] or (info[c][1], info[c][2]) != (instrument.id, str(instrument.version))
           for c in block):
        return [], [], block  # a cycle missing, stored without responses, or under another instrument
    # Candidates: mentors withheld (overall) in some cycle of the block, per wave of that cycle.
    withheld = {(e.unit, e.wave) for e in entries if e.statistic == OVERALL_STAT and e.status == "withheld"}
    others = [c for c in block if c != cycle]
    if others:
        rows = conn.execute(select(S.ledger.c.unit, S.ledger.c.wave).where(
            S.ledger.c.window.in_(others), S.ledger.c.statistic == OVERALL_STAT,
            S.ledger.c.status == "withheld")).all()
        withheld |= {(u, w) for u, w in rows}
    if not withheld:
        return [], [], block
    from mentorassess.aggregate import aggregate
    from mentorassess.release.counting import eligible
    from mentorassess.scoring import score

    label = window_label(block)
    mentors = {u for u, _ in withheld}
    frame, origin = pooled_frame(conn, block, cycle, current_rows, mentors)
    if frame.empty:
        return [], [], block
    prior = released_entries(conn, mentors)
    skip = _refused_before_pooling(frame, origin, withheld, prior, entries, block, cycle)
    skipped = [(u, w) for u, w in sorted(skip)]
    withheld -= skip
    keep = {u for u, _ in withheld}
    frame = frame[frame["mentor_id"].astype(str).isin(keep)].reset_index(drop=True)
    for q in getattr(instrument, "comment_ids", ()):  # pooled results are means only: no comment is screened
        if q in frame.columns:
            frame[q] = None
    cand = []
    if len(frame):
        scores = score(frame, instrument)
        profiles = aggregate(scores, rules=_pooled_rules(rules), roster=roster)
        elig = eligible(scores, roster).scores
        wave_of = {f"{w}@{label}": w for _, w in origin.values()}
        cand = entries_from_profiles(profiles, elig, _tokens(store, frame, origin), label,
                                     wave_of=lambda w: wave_of.get(w, w), units=keep)
        cand = [e for e in cand if (e.unit, e.wave) in withheld]
    single = {}
    for e in entries:  # this run's own single-cycle releases count as earlier releases too
        if e.status == "released":
            single.setdefault(e.unit, set()).add(e.contributors)
    by: dict = {}
    for e in cand:
        by.setdefault((e.unit, e.wave), []).append(e)
    out_entries, results = [], []
    for (unit, wave), group in sorted(by.items()):
        old = list(set(prior.get(unit, {}).values())) + list(single.get(unit, ()))
        released = [e for e in group if e.status == "released"]
        ok = bool(released) and all(already_released(e, prior.get(unit, {}))
                                    or differencing_safe(e.contributors, old, k) for e in released)
        if ok:
            out_entries += group
            comps = {e.statistic.split(":")[1]: e.value for e in released
                     if e.statistic.startswith("competency:") and e.statistic.endswith(":mean")}
            results.append({"mentor_id": unit, "wave": wave, "window": label, "cycles": list(block),
                            "status": "released", "competencies": comps})
        else:
            out_entries += [Entry(e.unit, e.window, e.wave, e.statistic, None, "withheld", None)
                            for e in group if e.statistic.startswith("competency:")]
            results.append({"mentor_id": unit, "wave": wave, "window": label, "cycles": list(block),
                            "status": HIDDEN})
    comps = [c.id for c in instrument.competencies] + [OVERALL_STAT.split(":")[1]]
    for unit, wave in skipped:  # refused without aggregating (see _refused_before_pooling)
        out_entries += [Entry(unit, label, wave, f"competency:{c}:mean", None, "withheld", None) for c in comps]
        results.append({"mentor_id": unit, "wave": wave, "window": label, "cycles": list(block), "status": HIDDEN})
    results.sort(key=lambda r: (r["mentor_id"], r["wave"]))
    return results, out_entries, block


def _pooled_rules(rules):
    """Pooled results are competency means: item detail and comments are never pooled (nor checked)."""
    import dataclasses

    return dataclasses.replace(rules, min_raters_items=_NO_ITEMS, comments=False)


_NO_ITEMS = 1_000_000  # no mentor reaches it: every pooled item mean is withheld without its R5 check


def _refused_before_pooling(frame, origin, withheld, prior, entries, block, cycle) -> set:
    """Candidates the ledger rule refuses whatever their pooled values: released in one cycle of the block
    and rated by mentees in another (the block minus the released cycle would isolate those raters).

    Refusing them before scoring saves most of a closing cycle's work; it is conservative (a block whose
    figures would equal the released one exactly, or drop ``k`` raters of it, is refused too).
    """
    released: dict = {}
    for unit, keys in prior.items():
        for window, wave, stat, _ in keys:
            if window in block and stat.startswith("competency:"):
                released.setdefault((unit, wave), set()).add(window)
    for e in entries:
        if e.status == "released" and e.statistic.startswith("competency:"):
            released.setdefault((e.unit, e.wave), set()).add(cycle)
    mentee = frame["rater_role"].astype(str).to_numpy() == "mentee"
    rated: dict = {}
    for m, rid in zip(frame["mentor_id"].astype(str).to_numpy()[mentee], frame["response_id"].to_numpy()[mentee]):
        cyc, wave = origin[rid]
        rated.setdefault((m, wave), set()).add(cyc)
    return {key for key in withheld if released.get(key) and rated.get(key, set()) - released[key]}
