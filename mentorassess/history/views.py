"""Read-only views of a history store for a reader-facing page (the web app's history pages).

Built on :mod:`mentorassess.history.queries` and the ledger; nothing here writes. A withheld
figure is returned with ``mean`` None and ``status`` :data:`~mentorassess.release.rules.HIDDEN`
whatever the ledger holds, so a page cannot show its value by mistake.

Examples
--------
>>> import tempfile, pathlib
>>> from mentorassess.history.store import open_store
>>> s = open_store(pathlib.Path(tempfile.mkdtemp()) / "h.sqlite")
>>> cycles(s), mentors(s), mentor_figures(s, "M01")
([], [], [])
"""

from __future__ import annotations

import math

from sqlalchemy import select

from mentorassess.history import schema as S
from mentorassess.history.ledger import ledger_frame
from mentorassess.release.rules import HIDDEN

__all__ = ["cycles", "mentors", "mentor_figures", "RELEASED"]

RELEASED = "released"


def cycles(store) -> list[dict]:
    """Recorded cycles (:func:`~mentorassess.history.queries.list_runs`) with their coverage.

    Each dict adds ``mentors``, ``with_results`` and ``with_pooling`` (None when the cycle has no
    mentee figure in the ledger).
    """
    from mentorassess.history.coverage import coverage
    from mentorassess.history.queries import list_runs

    cov = {c["cycle"]: c for c in coverage(store)}
    out = []
    for r in list_runs(store):
        c = cov.get(r["cycle"], {})
        out.append({**r, "mentors": c.get("mentors") or None, "with_results": c.get("with_results"),
                    "with_pooling": c.get("with_pooling")})
    return out


def mentors(store) -> list[str]:
    """Mentor ids with a competency figure (released or withheld) in the ledger, sorted."""
    with store.read() as conn:
        units = conn.execute(select(S.ledger.c.unit).where(S.ledger.c.statistic.like("competency:%"))
                             .distinct()).scalars()
        found = sorted({str(u) for u in units})
    return sorted(found, key=lambda u: (len(u), u))


def _num(v) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def mentor_figures(store, mentor_id: str) -> list[dict]:
    """A mentor's competency figures across windows: released means, and withheld ones as hidden.

    One dict per window (a cycle or a pooled block), wave and competency with ``window, cycles,
    wave, competency, status, mean, change, change_low, change_high, previous``. Released rows come
    from :func:`~mentorassess.history.queries.mentor_history`; a withheld row has ``status`` equal
    to ``HIDDEN`` and every number None.
    """
    from mentorassess.history.pooling import natural_order
    from mentorassess.history.queries import mentor_history

    released = mentor_history(store, mentor_id)
    rows: dict[tuple, dict] = {}
    for r in released.to_dict("records"):
        rows[(r["window"], r["wave"], r["competency"])] = {
            "window": r["window"], "cycles": list(r["cycles"]), "wave": r["wave"], "competency": r["competency"],
            "status": RELEASED, "mean": _num(r["mean"]), "previous": r["previous"] or None,
            "change": _num(r["change"]), "change_low": _num(r["change_low"]), "change_high": _num(r["change_high"])}
    with store.read() as conn:
        led = ledger_frame(conn, (S.ledger.c.unit == str(mentor_id)) & (S.ledger.c.status == "withheld"))
        order = natural_order(conn.execute(select(S.runs.c.cycle)).scalars())
    for window, wave, stat in zip(led["window"], led["wave"], led["statistic"]):
        parts = str(stat).split(":")
        if len(parts) != 3 or parts[0] != "competency" or parts[2] != "mean":
            continue
        key = (str(window), str(wave), parts[1])
        if key in rows:
            continue
        first, _, last = str(window).partition("..")
        span = order[order.index(first):order.index(last or first) + 1] if first in order and (last or first) in \
            order else [first]
        rows[key] = {"window": key[0], "cycles": span, "wave": key[1], "competency": key[2], "status": HIDDEN,
                     "mean": None, "previous": None, "change": None, "change_low": None, "change_high": None}
    pos = {c: i for i, c in enumerate(order)}

    def sort_key(r: dict):
        return (r["wave"], r["competency"], pos.get(r["cycles"][0], -1) if r["cycles"] else -1,
                pos.get(r["cycles"][-1], -1) if r["cycles"] else -1)

    return sorted(rows.values(), key=sort_key)
