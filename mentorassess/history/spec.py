"""The ``history:`` and ``cycle:`` settings of a program configuration (no database imports).

Forms accepted::

    history: history.sqlite                 # a SQLite file beside program.yaml
    history: postgresql://user@host/db      # a shared server (then also secret:)
    history:
      store: history.sqlite                 # or a URL; default history.sqlite
      secret: /etc/mentorassess/prog.secret # default: <store>.secret beside a SQLite file
      store_responses: false                # keep only a SHA-256 of the inputs
      pool: {block: 3, cycles: [2024, 2025, 2026, 2027, 2028, 2029]}
    cycle: 2026

Examples
--------
>>> spec, problems = parse_history({"store": "h.sqlite", "pool": {"block": 3}}, "2026", base=None)
>>> spec.pool.block, spec.cycle, problems
(3, '2026', [])
>>> parse_history({"pool": {"block": "x"}}, None, base=None)[1][0][1]
'pool.block must be a whole number (0 or 1: no pooling, 2 or more: cycles per block)'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["PoolSettings", "HistorySpec", "parse_history"]

_KEYS = {"store", "secret", "store_responses", "pool"}
_POOL = {"block", "cycles"}


@dataclass(frozen=True)
class PoolSettings:
    """``history: {pool: {block: 3, cycles: [...]}}`` (``block`` 0 or 1 turns pooling off)."""

    block: int = 0
    cycles: tuple[str, ...] = ()

    @property
    def enabled(self) -> bool:
        return self.block >= 2


@dataclass(frozen=True)
class HistorySpec:
    """Where a program's history lives and how runs are recorded."""

    store: str
    cycle: str
    secret: str | None = None
    store_responses: bool = True
    pool: PoolSettings = field(default_factory=PoolSettings)


def _loc(value: str, base: Path | None) -> str:
    if "://" in value or base is None:
        return value
    return str((base / value).resolve())


def parse_history(value: Any, cycle: Any, *, base: Path | None) -> tuple[HistorySpec | None, list[tuple]]:
    """Validate the two keys; return the spec and ``(loc, message, code)`` problems."""
    problems: list[tuple] = []
    if value is None or value is False:
        if cycle is not None and not isinstance(cycle, (str, int)):
            problems.append((("cycle",), "cycle must be a name or number such as 2026", "wrong-type"))
        return None, problems
    data: dict = {}
    if value is True:
        data = {}
    elif isinstance(value, str) and value.strip():
        data = {"store": value.strip()}
    elif isinstance(value, dict):
        data = value
        for key in data:
            if key not in _KEYS:
                problems.append((("history", key), f"unknown key {key!r} in history "
                                 f"(allowed: {', '.join(sorted(_KEYS))})", "unknown-key"))
    else:
        problems.append((("history",), "history must be a file path, a database URL or a mapping", "wrong-type"))
    store = data.get("store", "history.sqlite")
    if not isinstance(store, str) or not store.strip():
        problems.append((("history", "store"), "history.store must be a file path or database URL", "wrong-type"))
        store = "history.sqlite"
    secret = data.get("secret")
    if secret is not None and not (isinstance(secret, str) and secret.strip()):
        problems.append((("history", "secret"), "history.secret must be a file path", "wrong-type"))
        secret = None
    keep = data.get("store_responses", True)
    if not isinstance(keep, bool):
        problems.append((("history", "store_responses"), "store_responses must be true or false", "wrong-type"))
        keep = True
    pool = data.get("pool", {})
    block, cycles = 0, ()
    if not isinstance(pool, dict):
        problems.append((("history", "pool"), "pool must be a mapping such as {block: 3}", "wrong-type"))
        pool = {}
    for key in pool:
        if key not in _POOL:
            problems.append((("history", "pool", key), f"unknown key {key!r} in pool (allowed: block, cycles)",
                             "unknown-key"))
    b = pool.get("block", 0)
    if isinstance(b, bool) or not isinstance(b, int) or b < 0:
        problems.append((("history", "pool", "block"),
                         "pool.block must be a whole number (0 or 1: no pooling, 2 or more: cycles per block)",
                         "wrong-type"))
    else:
        block = b
    cyc = pool.get("cycles", [])
    if not isinstance(cyc, list) or not all(isinstance(c, (str, int)) and not isinstance(c, bool) for c in cyc):
        problems.append((("history", "pool", "cycles"), "pool.cycles must be a list of cycle names in order",
                         "wrong-type"))
    else:
        cycles = tuple(str(c) for c in cyc)
        if len(set(cycles)) != len(cycles):
            problems.append((("history", "pool", "cycles"), "pool.cycles names a cycle twice", "duplicate-cycle"))
    if cycle is None:
        problems.append((("cycle",), "cycle is required when history is set (e.g. cycle: 2026)", "missing-key"))
        cycle = ""
    elif isinstance(cycle, bool) or not isinstance(cycle, (str, int)) or not str(cycle).strip():
        problems.append((("cycle",), "cycle must be a name or number such as 2026", "wrong-type"))
        cycle = ""
    cycle = str(cycle).strip()
    if cycles and cycle and cycle not in cycles:
        problems.append((("cycle",), f"cycle {cycle!r} is not listed in history.pool.cycles", "unknown-cycle"))
    spec = HistorySpec(store=_loc(store.strip(), base), cycle=cycle,
                       secret=_loc(secret.strip(), base) if secret else None, store_responses=keep,
                       pool=PoolSettings(block=block, cycles=cycles))
    return spec, problems
