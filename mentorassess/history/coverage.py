"""Share of mentors with mentee results per cycle, without and with pooling (from the ledger).

A mentor *has mentee results* in a cycle when any mentee figure of that cycle was released for
him, or (with pooling) a figure of a pooled block that covers the cycle.
"""

from __future__ import annotations

from sqlalchemy import select

from mentorassess.history import schema as S

__all__ = ["coverage"]


def coverage(store) -> list[dict]:
    """Per cycle: ``cycle, mentors, with_results, share, with_pooling, share_pooling``."""
    with store.read() as conn:
        rows = conn.execute(select(S.ledger.c.unit, S.ledger.c.window, S.ledger.c.status)
                            .where(S.ledger.c.statistic.like("competency:%")).distinct()).all()
        cycles = list(conn.execute(select(S.runs.c.cycle)).scalars())
    seen: dict[str, set] = {c: set() for c in cycles}
    released: dict[str, set] = {c: set() for c in cycles}
    pooled: dict[str, set] = {}
    for unit, window, status in rows:
        if window in seen:
            seen[window].add(unit)
            if status == "released":
                released[window].add(unit)
        elif status == "released":
            pooled.setdefault(window, set()).add(unit)
    from mentorassess.history.pooling import natural_order

    order = natural_order(cycles)
    out = []
    for c in order:
        extra = set()
        for w, units in pooled.items():
            first, last = w.split("..", 1)
            if first in order and last in order and order.index(first) <= order.index(c) <= order.index(last):
                extra |= units & seen[c]
        n = len(seen[c])
        a, b = len(released[c]), len(released[c] | extra)
        out.append({"cycle": c, "mentors": n, "with_results": a, "share": round(a / n, 4) if n else None,
                    "with_pooling": b, "share_pooling": round(b / n, 4) if n else None})
    return out
