"""Tables of the history store and their versioned migrations (SQLAlchemy Core).

The store keeps a ``schema_migrations`` table with one row per applied version. :data:`MIGRATIONS`
lists, per version, the tables it creates; :func:`migrate` applies the missing ones inside the
caller's write transaction, so two processes opening a new store at once cannot both create it.

Examples
--------
>>> [t for t in METADATA.tables][:3]
['schema_migrations', 'runs', 'responses']
>>> max(v for v, _ in MIGRATIONS)
1
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text,
                        inspect, select)

__all__ = ["METADATA", "MIGRATIONS", "SCHEMA_VERSION", "migrate", "TABLES", "insert_rows"]

METADATA = MetaData()

migrations = Table(
    "schema_migrations", METADATA,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", String(32), nullable=False),
)

#: One row per recorded cycle (a re-run replaces it).
runs = Table(
    "runs", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cycle", String(64), nullable=False, unique=True),
    Column("program", Text, nullable=False),
    Column("instrument_id", String(128), nullable=False),
    Column("instrument_version", String(64), nullable=False),
    Column("settings", Text, nullable=False),          # JSON: release rules, pooling, outputs
    Column("inputs_sha256", String(64), nullable=False),  # over the input files' SHA-256
    Column("responses_stored", Boolean, nullable=False),
    Column("n_responses", Integer, nullable=False),
    Column("recorded_at", String(32), nullable=False),
)

#: Canonical responses of a run (absent when ``store_responses: false``).
responses = Table(
    "responses", METADATA,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("response_id", Text, nullable=False),
    Column("mentor_id", Text, nullable=False),
    Column("rater_role", String(32), nullable=False),
    Column("wave", Text, nullable=False),
    Column("rater_hash", String(64)),                  # keyed HMAC of the rater id (forget --rater)
    Column("payload", Text, nullable=False),           # JSON: the canonical row
    Index("ix_responses_run", "run_id"),
    Index("ix_responses_rater", "rater_hash"),
    Index("ix_responses_mentor", "mentor_id"),
)

#: Sets of contributions behind ledger figures: (rater hash, cycle, wave) per member.
contributor_sets = Table(
    "contributor_sets", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cycle", String(64), nullable=False),       # the run that released them
    Index("ix_sets_cycle", "cycle"),
)
contributors = Table(
    "contributors", METADATA,
    Column("set_id", Integer, ForeignKey("contributor_sets.id", ondelete="CASCADE"), nullable=False),
    Column("rater_hash", String(64), nullable=False),
    Column("cycle", String(64), nullable=False),
    Column("wave", Text, nullable=False),
    Index("ix_contributors_set", "set_id"),
    Index("ix_contributors_rater", "rater_hash"),
)

#: The release ledger (R10): every figure a run released or withheld.
ledger = Table(
    "ledger", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cycle", String(64), nullable=False),       # the run that released it
    Column("unit", Text, nullable=False),              # mentor id
    Column("window", String(200), nullable=False),     # "2025" or "2024..2026" (pooled block)
    Column("wave", Text, nullable=False),
    Column("statistic", String(200), nullable=False),  # "competency:<id>:mean" or "item:<id>:mean"
    Column("value", Float),                            # NULL when withheld
    Column("status", String(32), nullable=False),      # released | withheld | superseded
    Column("set_id", Integer, ForeignKey("contributor_sets.id", ondelete="SET NULL")),
    Index("ix_ledger_unit", "unit"),
    Index("ix_ledger_cycle", "cycle"),
)

#: What ``history forget`` did (never the person's id or hash).
audit = Table(
    "audit", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("action", String(32), nullable=False),
    Column("subject", String(16), nullable=False),     # rater | mentor
    Column("detail", Text, nullable=False),            # JSON: rows deleted, figures affected
)

TABLES = ("runs", "responses", "contributor_sets", "contributors", "ledger", "audit")
#: version -> tables it creates (append new versions; never edit an applied one).
MIGRATIONS: list[tuple[int, tuple[Table, ...]]] = [
    (1, (runs, responses, contributor_sets, contributors, ledger, audit)),
]
SCHEMA_VERSION = max(v for v, _ in MIGRATIONS)


def migrate(conn) -> list[int]:
    """Apply missing migrations on an open transaction; return the versions applied."""
    migrations.create(conn, checkfirst=True)
    done = {r[0] for r in conn.execute(select(migrations.c.version))}
    applied = []
    have = set(inspect(conn).get_table_names())
    for version, tables in MIGRATIONS:
        if version in done:
            continue
        for t in tables:
            if t.name not in have:
                t.create(conn)
        conn.execute(migrations.insert().values(version=version,
                                                applied_at=dt.datetime.now(dt.timezone.utc).isoformat()))
        applied.append(version)
    return applied


_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def insert_rows(conn, table: Table, rows: list[dict], *, batch: int = 5000) -> None:
    """Insert many rows of plain values (str, int, float, None) through the driver's ``executemany``.

    The history's tables have no Python-side defaults or type conversions, so the rows go to the
    driver as tuples without SQLAlchemy's per-row parameter processing (most of the time of a
    cycle's ledger insert). Other parameter styles fall back to ``conn.execute(table.insert(), rows)``.
    """
    if not rows:
        return
    ph = _PLACEHOLDER.get(conn.dialect.paramstyle)
    if ph is None:  # pragma: no cover - SQLite and psycopg use the styles above
        for i in range(0, len(rows), batch):
            conn.execute(table.insert(), rows[i:i + batch])
        return
    cols = list(rows[0])
    quote = conn.dialect.identifier_preparer
    sql = (f"INSERT INTO {quote.format_table(table)} ({', '.join(quote.quote(c) for c in cols)}) "
           f"VALUES ({', '.join([ph] * len(cols))})")
    for i in range(0, len(rows), batch):
        conn.exec_driver_sql(sql, [tuple(r[c] for c in cols) for r in rows[i:i + batch]])
