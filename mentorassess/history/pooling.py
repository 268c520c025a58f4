"""Results for small-n mentors pooled over fixed, non-overlapping blocks of cycles (R10).

Cycles are split into blocks of ``block`` consecutive cycles, counted from the first cycle of the
program's order (``pool.cycles`` in the configuration, else every recorded cycle sorted, numbers
numerically). When the last cycle of a block is recorded and every cycle of the block is in the
store with its responses, each mentor withheld in some cycle of the block gets a pooled
candidate: the block's canonical responses for that wave, concatenated (response ids prefixed with
their cycle, the wave relabelled ``<wave>@<first>..<last>``), scored and aggregated by the same
:func:`~mentorassess.aggregate.aggregate` as any run, so every release rule applies unchanged (a
rater who answered in two cycles of the block is one rater: the last answer counts). A candidate
is released only if each of its figures passes :func:`~mentorassess.history.ledger.differencing_safe`
against every released ledger entry of that mentor; otherwise the whole mentor-wave is withheld.

Examples
--------
>>> blocks(["2023", "2024", "2025", "2026"], 3)
[('2023', '2024', '2025'), ('2026',)]
>>> natural_order(["10", "9", "2025b", "2025a"])
['9', '10', '2025a', '2025b']
"""

from __future__ import annotations

import json
import re

import pandas as pd
from sqlalchemy import select

from mentorassess.history import schema as S
from mentorassess.history.spec import PoolSettings

__all__ = ["PoolSettings", "blocks", "block_of", "natural_order", "window_label", "pooled_frame"]


def natural_order(cycles) -> list[str]:
    """Cycle ids sorted with digit runs compared as numbers."""
    def key(c: str):
        return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.findall(r"\d+|\D+", str(c))]
    return sorted(dict.fromkeys(map(str, cycles)), key=key)


def blocks(order: list[str], block: int) -> list[tuple[str, ...]]:
    """Fixed, non-overlapping blocks of ``block`` cycles from the start of ``order``."""
    return [tuple(order[i:i + block]) for i in range(0, len(order), block)]


def block_of(cycle: str, order: list[str], block: int) -> tuple[str, ...] | None:
    for b in blocks(order, block):
        if cycle in b:
            return b
    return None


def window_label(block: tuple[str, ...]) -> str:
    """``'2024..2026'`` (the cycles a pooled figure covers run from the first to the last)."""
    return f"{block[0]}..{block[-1]}"


def pooled_frame(conn, block: tuple[str, ...], current_cycle: str, current: list[dict],
                 mentors: set[str]) -> tuple[pd.DataFrame, dict[str, tuple[str, str]]]:
    """Canonical responses of the block's cycles for ``mentors``, relabelled for pooling.

    ``current``: this run's response rows as written to the ``responses`` table.

    Returns the frame and, per pooled response id, its (cycle, original wave).
    """
    label = window_label(block)
    frames, origin = [], {}
    for cyc in block:
        if cyc == current_cycle:  # this run's rows, as stored (the same types as the other cycles)
            f = pd.DataFrame([json.loads(r["payload"]) for r in current if r["mentor_id"] in mentors])
        else:
            run = select(S.runs.c.id).where(S.runs.c.cycle == cyc).scalar_subquery()
            ids = sorted(mentors)
            payloads = []
            for i in range(0, len(ids), 500):
                payloads += conn.execute(select(S.responses.c.payload).where(
                    S.responses.c.run_id == run, S.responses.c.mentor_id.in_(ids[i:i + 500]))).scalars().all()
            f = pd.DataFrame([json.loads(p) for p in payloads])
        if f.empty:
            continue
        f["response_id"] = [f"{cyc}/{r}" for r in f["response_id"].astype(str)]
        for rid, w in zip(f["response_id"], f["wave"].astype(str)):
            origin[rid] = (cyc, w)
        f["wave"] = [f"{w}@{label}" for w in f["wave"].astype(str)]
        frames.append(f)
    if not frames:
        return pd.DataFrame(), origin
    out = pd.concat(frames, ignore_index=True, sort=False)
    if "submitted_at" in out.columns:  # later cycles come later even without timestamps
        out = out.reset_index(drop=True)
    for col in out.columns:
        if col not in ("response_id", "mentor_id", "rater_role", "wave", "rater_id", "submitted_at") \
                and out[col].dtype == object:
            conv = pd.to_numeric(out[col], errors="coerce")
            if conv.notna().sum() == out[col].notna().sum():
                out[col] = conv
    return out, origin

