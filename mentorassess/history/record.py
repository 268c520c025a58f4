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
from mentorassess.release.rules import HIDDEN

__all__ = ["record_run", "RecordResult"]


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


def _response_rows(store: Store, run_id: int, responses: pd.DataFrame) -> list[dict]:
    cols = list(responses.columns)
    rows = []
    for rec in responses.itertuples(index=False, name=None):
        d = {c: _jsonable(v) for c, v in zip(cols, rec)}
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


def record_run(store: Store, *, cycle: str, program: str, instrument, responses: pd.DataFrame, profiles,
               eligible_scores, rules, settings: dict, inputs_sha256: str, store_responses: bool = True,
               pool: PoolSettings = PoolSettings(), roster: pd.DataFrame | None = None) -> RecordResult:
    """Record one cycle (see the module docstring). ``eligible_scores``: the run's eligible responses."""
    cycle = str(cycle)
    k = rules.min_raters
    origin = {str(r): (cycle, str(w)) for r, w in zip(responses["response_id"], responses["wave"])}
    entries = entries_from_profiles(profiles, eligible_scores, _tokens(store, responses, origin), cycle)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    with store.write() as conn:
        old = conn.execute(select(S.runs.c.id).where(S.runs.c.cycle == cycle)).scalar()
        # R10: the run's released figures against everything already released.
        units = {e.unit for e in entries if e.status == "released"}
        prior = released_entries(conn, units)
        sets = {u: set(d.values()) for u, d in prior.items()}
        bad = sorted({(e.unit, e.wave) for e in entries if e.status == "released"
                      and not already_released(e, prior.get(e.unit, {}))
                      and not differencing_safe(e.contributors, sets.get(e.unit, ()), k)})
        if bad:
            raise ConfidentialityError(
                f"cycle {cycle}: {len(bad)} mentor report(s) would differ from figures already released by "
                f"fewer than {k} raters; nothing was recorded",
                problems=[Problem(f"mentor {u}, wave {w}", code="ledger-differencing") for u, w in bad[:20]],
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
        stored, rows = 0, []
        if store_responses:
            rows = _response_rows(store, run_id, responses)
            for i in range(0, len(rows), 5000):
                conn.execute(S.responses.insert(), rows[i:i + 5000])
            stored = len(rows)
        pooled, pooled_entries, block = [], [], None
        if pool.enabled:
            pooled, pooled_entries, block = _pool(conn, store, cycle, pool, rows, entries, instrument, rules,
                                                  roster, k)
        n = insert_entries(conn, cycle, entries + pooled_entries)
    return RecordResult(cycle=cycle, replaced=old is not None, ledger_rows=n, responses_stored=stored,
                        pooled=pooled, block=block)


def _pool(conn, store, cycle, pool, current_rows, entries, instrument, rules, roster, k):
    recorded = conn.execute(select(S.runs.c.cycle, S.runs.c.instrument_id, S.runs.c.instrument_version,
                                   S.runs.c.responses_stored)).all()
    info = {r[0]: r for r in recorded}
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
    scores = score(frame, instrument)
    profiles = aggregate(scores, rules=rules, roster=roster)
    elig = eligible(scores, roster).scores
    wave_of = {f"{w}@{label}": w for _, w in origin.values()}
    cand = entries_from_profiles(profiles, elig, _tokens(store, frame, origin), label,
                                 wave_of=lambda w: wave_of.get(w, w), units=mentors)
    cand = [e for e in cand if (e.unit, e.wave) in withheld]
    prior = released_entries(conn, mentors)
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
    return results, out_entries, block
