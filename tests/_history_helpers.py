"""Shared fixtures of the history tests: a simulated program of several cycles, both database backends."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
CYCLES = ("2024", "2025", "2026")
#: Most mentors have one or two mentees per cycle (P(0..4 mentees)).
SMALL_N = (0.05, 0.45, 0.35, 0.1, 0.05)


def cycle_data(cycle: str, *, seed: int, n_mentors: int = 40, weights=SMALL_N):
    """Canonical responses of one cycle: new mentees each cycle (rater ids carry the cycle)."""
    from mentorassess.sample import generate

    p = generate(seed=seed, n_mentors=n_mentors, waves=("cycle",), mentee_weights=weights)
    r = p.responses.copy()
    mentee = r["rater_role"] == "mentee"
    r.loc[mentee, "rater_id"] = [f"{cycle}-{x}" for x in r.loc[mentee, "rater_id"]]
    r["response_id"] = [f"{cycle}-{x}" for x in r["response_id"]]
    return r, p.roster


def record(store, cycle: str, responses: pd.DataFrame, roster=None, *, block: int = 3, store_responses=True,
           program: bool = False, plan_only: bool = False, plan=None):
    from mentorassess.aggregate import aggregate
    from mentorassess.history.record import plan_run, record_run
    from mentorassess.history.spec import PoolSettings
    from mentorassess.instruments import load_instrument
    from mentorassess.release.counting import eligible
    from mentorassess.release.rules import ReleaseRules
    from mentorassess.scoring import score

    ins, rules = load_instrument("mca-26"), ReleaseRules()
    sc = score(responses, ins)
    prof = aggregate(sc, rules=rules, roster=roster)
    pp = None
    if program:
        from mentorassess.program_tables import program_profile

        pp = program_profile(prof)
    if plan_only:
        return plan_run(store, cycle=cycle, instrument=ins, responses=responses, profiles=prof,
                        eligible_scores=eligible(sc, roster).scores, rules=rules, store_responses=store_responses,
                        pool=PoolSettings(block=block), roster=roster, program_profile=pp)
    return record_run(store, cycle=cycle, program="P", instrument=ins, responses=responses, profiles=prof,
                      eligible_scores=eligible(sc, roster).scores, rules=rules, settings={"block": block},
                      inputs_sha256="0" * 64, store_responses=store_responses, pool=PoolSettings(block=block),
                      roster=roster, program_profile=pp, plan=plan)


def program(n_mentors: int = 40):
    return {c: cycle_data(c, seed=100 + i, n_mentors=n_mentors) for i, c in enumerate(CYCLES)}


# -- backends ---------------------------------------------------------------------------------------
_PG: dict = {}


def pg_server_url() -> str:
    """The test server's URL: MENTORASSESS_TEST_PG_URL (CI) or a cluster started here (local runs)."""
    url = os.environ.get("MENTORASSESS_TEST_PG_URL")
    if url:
        return url
    if "url" not in _PG:
        out = subprocess.run([str(ROOT / "scripts" / "start-postgres.sh")], capture_output=True, text=True,
                             check=True).stdout
        env = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines() if "=" in line)
        _PG.update(url=env["MENTORASSESS_TEST_PG_URL"], dir=env["MENTORASSESS_TEST_PG_DIR"])
    return _PG["url"]


def stop_local_pg() -> None:
    if "dir" in _PG:
        subprocess.run([str(ROOT / "scripts" / "start-postgres.sh"), "--stop", _PG["dir"]], check=False)
        _PG.clear()


def fresh_pg_database() -> tuple[str, callable]:
    """A new, empty database on the test server (fails, never skips, when the server is unreachable)."""
    import psycopg

    base = pg_server_url()
    name = "ma_" + uuid.uuid4().hex[:12]
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(plain, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL test server {base} unreachable: {exc}")
    url = plain.rsplit("/", 1)[0] + "/" + name

    def drop():
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return url, drop


def dump_text(store) -> str:
    return repr(store.dump())
