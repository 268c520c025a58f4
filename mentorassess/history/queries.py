"""Reading and erasing the history: ``history list``, ``mentor``, ``export`` and ``forget``.

Examples
--------
>>> import tempfile, pathlib
>>> from mentorassess.history.store import open_store
>>> s = open_store(pathlib.Path(tempfile.mkdtemp()) / "h.sqlite")
>>> list_runs(s)
[]
>>> forget(s, rater="R1")["responses_deleted"]
0
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

import numpy as np
import pandas as pd
from sqlalchemy import select

from mentorassess.errors import DataError
from mentorassess.history import schema as S
from mentorassess.history.ledger import ledger_frame

__all__ = ["list_runs", "mentor_history", "export", "forget"]


def list_runs(store) -> list[dict]:
    """Recorded cycles with instrument, response counts and ledger sizes."""
    from mentorassess.history.pooling import natural_order

    with store.read() as conn:
        runs = conn.execute(select(S.runs.c.cycle, S.runs.c.program, S.runs.c.instrument_id,
                                   S.runs.c.instrument_version, S.runs.c.n_responses, S.runs.c.responses_stored,
                                   S.runs.c.recorded_at)).all()
        led = ledger_frame(conn)
    out = {}
    for cyc, prog, iid, iver, n, stored, at in runs:
        mine = led[led["cycle"] == cyc]
        out[cyc] = {"cycle": cyc, "program": prog, "instrument": f"{iid} {iver}", "responses": int(n),
                    "responses_stored": bool(stored), "recorded_at": at,
                    "figures_released": int((mine["status"] == "released").sum()),
                    "pooled_windows": sorted(set(mine.loc[mine["window"].str.contains("..", regex=False),
                                                          "window"]))}
    return [out[c] for c in natural_order(out)]


def mentor_history(store, mentor_id: str) -> pd.DataFrame:
    """A mentor's released competency means across cycles, with the change from the previous window.

    Columns ``window, cycles, wave, competency, mean, se, previous, change, change_low, change_high``.
    Only released figures; a withheld one is absent (the same as no data). ``previous`` is the last
    earlier window that does not overlap this one (a single cycle or a pooled block) in which the
    same competency and wave were released; the change's 95% interval is ``change +/- 1.96 *
    sqrt(se^2 + se_previous^2)`` with the program-pooled SEs the reports use (contributions of
    different cycles are treated as independent).
    """
    from mentorassess.history.pooling import natural_order

    cols = ["window", "cycles", "wave", "competency", "mean", "se", "previous", "change", "change_low",
            "change_high"]
    with store.read() as conn:
        led = ledger_frame(conn, (S.ledger.c.unit == str(mentor_id)) & (S.ledger.c.status == "released"))
        order = natural_order(conn.execute(select(S.runs.c.cycle)).scalars())
    led = led[led["statistic"].str.startswith("competency:")]
    if led.empty:
        return pd.DataFrame(columns=cols)
    parts = led["statistic"].str.split(":")
    led = led.assign(competency=parts.str[1], kind=parts.str[2])
    wide = led.pivot_table(index=["window", "wave", "competency"], columns="kind", values="value",
                           aggfunc="first").reset_index()
    if "se" not in wide.columns:
        wide["se"] = float("nan")
    pos = {c: i for i, c in enumerate(order)}

    def span(window: str) -> tuple[int, int]:
        first, _, last = window.partition("..")
        return pos.get(first, -1), pos.get(last or first, -1)

    wide["cycles"] = [list(order[span(w)[0]:span(w)[1] + 1]) for w in wide["window"]]
    wide["_first"] = [span(w)[0] for w in wide["window"]]
    wide["_last"] = [span(w)[1] for w in wide["window"]]
    wide = wide.sort_values(["wave", "competency", "_first", "_last"], kind="stable").reset_index(drop=True)
    prev, change, lo, hi = [], [], [], []
    for i, r in wide.iterrows():
        earlier = wide[(wide["wave"] == r["wave"]) & (wide["competency"] == r["competency"])
                       & (wide["_last"] < r["_first"]) & wide["mean"].notna()]
        if earlier.empty:
            prev.append(None), change.append(None), lo.append(None), hi.append(None)
            continue
        p = earlier.sort_values(["_last", "_first"]).iloc[-1]
        d = float(r["mean"] - p["mean"])
        se = float(np.sqrt(r["se"] ** 2 + p["se"] ** 2))
        prev.append(p["window"]), change.append(d)
        lo.append(d - 1.96 * se if np.isfinite(se) else None), hi.append(d + 1.96 * se if np.isfinite(se) else None)
    wide["previous"], wide["change"], wide["change_low"], wide["change_high"] = prev, change, lo, hi
    out = wide[cols]
    return out.sort_values(["wave", "competency"], kind="stable").reset_index(drop=True)


def export(store) -> dict:
    """Runs and the released ledger (no responses, no contribution hashes) as a JSON-ready dict."""
    with store.read() as conn:
        led = ledger_frame(conn, S.ledger.c.status == "released")
    return {"runs": list_runs(store),
            "ledger": [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items() if k != "set_id"}
                       for r in led.to_dict("records")]}


def forget(store, *, rater: str | None = None, mentor: str | None = None) -> dict:
    """Delete a person's data (one transaction) and say which released figures depended on it.

    ``rater``: every response the person gave (by rater id), and their hash in every contribution
    set; the released figures built on those contributions are listed (they cannot be recalled,
    only reported) and the person's hash in them is replaced by a random token, so the ledger keeps
    its set sizes for future checks without any trace of the person. ``mentor``: every response
    about the mentor (self and mentees) and every ledger entry of the mentor, plus the mentor's own
    ratings as a rater. An entry in the ``audit`` table records the counts (never the id).
    """
    if (rater is None) == (mentor is None):
        raise DataError("forget needs exactly one of --rater ID or --mentor ID")
    person = rater if rater is not None else mentor
    h = store.rater_hash(person)
    if h is None:
        raise DataError("forget: the id is empty")
    tomb = "forgotten-" + secrets.token_hex(27)
    with store.write() as conn:
        deleted = conn.execute(S.responses.delete().where(S.responses.c.rater_hash == h)).rowcount
        affected_q = (select(S.ledger.c.unit, S.ledger.c.window, S.ledger.c.wave, S.ledger.c.statistic)
                      .join(S.contributors, S.contributors.c.set_id == S.ledger.c.set_id)
                      .where(S.contributors.c.rater_hash == h, S.ledger.c.status == "released").distinct())
        affected = conn.execute(affected_q).all()
        ledger_deleted = 0
        if mentor is not None:
            deleted += conn.execute(S.responses.delete().where(S.responses.c.mentor_id == str(mentor))).rowcount
            sids = select(S.ledger.c.set_id).where(S.ledger.c.unit == str(mentor), S.ledger.c.set_id.is_not(None))
            set_ids = list(conn.execute(sids).scalars())
            ledger_deleted = conn.execute(S.ledger.delete().where(S.ledger.c.unit == str(mentor))).rowcount
            still = set(conn.execute(select(S.ledger.c.set_id).where(S.ledger.c.set_id.in_(set_ids))).scalars()) \
                if set_ids else set()
            gone = [s for s in set_ids if s not in still]
            for i in range(0, len(gone), 500):
                conn.execute(S.contributors.delete().where(S.contributors.c.set_id.in_(gone[i:i + 500])))
                conn.execute(S.contributor_sets.delete().where(S.contributor_sets.c.id.in_(gone[i:i + 500])))
            affected = [a for a in affected if a[0] != str(mentor)]
        conn.execute(S.contributors.update().where(S.contributors.c.rater_hash == h).values(rater_hash=tomb))
        report = {"subject": "rater" if rater is not None else "mentor", "responses_deleted": int(deleted),
                  "ledger_entries_deleted": int(ledger_deleted),
                  "released_figures_affected": [
                      {"unit": u, "window": w, "wave": wv, "statistic": st} for u, w, wv, st in sorted(affected)]}
        # The audit keeps counts only: the affected figures' units are other people's ids.
        conn.execute(S.audit.insert().values(
            at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(), action="forget",
            subject=report["subject"],
            detail=json.dumps({"responses_deleted": report["responses_deleted"],
                               "ledger_entries_deleted": ledger_deleted,
                               "released_figures_affected": len(affected)})))
    return report
