"""History store (issue 22): time to record a cycle and store size, SQLite and PostgreSQL.

A consortium of 2,000 mentors (``--quick``: 60) over three cycles with the sample's mentee
distribution; pooling in blocks of three, so the third cycle also pools the block. Each cycle's
recording (responses, ledger, pooled results, one transaction) is timed against the baseline of
scoring and aggregating that cycle (work every run does anyway). PostgreSQL uses
``MENTORASSESS_TEST_PG_URL`` or a throwaway cluster from ``scripts/start-postgres.sh``.

Usage::

    python benchmarks/bench_history.py --mentors 2000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CYCLES = ("2024", "2025", "2026")


def _cycles(n_mentors: int):
    from mentorassess.sample import generate

    out = {}
    for i, c in enumerate(CYCLES):
        p = generate(seed=500 + i, n_mentors=n_mentors, waves=("cycle",))
        r = p.responses.copy()
        mentee = r["rater_role"] == "mentee"
        r.loc[mentee, "rater_id"] = [f"{c}-{x}" for x in r.loc[mentee, "rater_id"]]
        r["response_id"] = [f"{c}-{x}" for x in r["response_id"]]
        out[c] = (r, p.roster)
    return out


def _pg() -> tuple[str, callable]:
    import psycopg

    url, stop = os.environ.get("MENTORASSESS_TEST_PG_URL"), None
    if not url:
        out = subprocess.run([str(ROOT / "scripts" / "start-postgres.sh")], capture_output=True, text=True,
                             check=True).stdout
        env = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines() if "=" in line)
        url, folder = env["MENTORASSESS_TEST_PG_URL"], env["MENTORASSESS_TEST_PG_DIR"]
        stop = lambda: subprocess.run([str(ROOT / "scripts" / "start-postgres.sh"), "--stop", folder],  # noqa: E731
                                      check=False)
    name = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")

    def drop():
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if stop:
            stop()
    return url.rsplit("/", 1)[0] + "/" + name, drop


def _size(store, location: str) -> int:
    if store.backend == "sqlite":
        return Path(location).stat().st_size
    from sqlalchemy import text

    with store.read() as conn:
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar())


def measure(n_mentors: int, backend: str, data, folder: Path) -> dict:
    from mentorassess.aggregate import aggregate
    from mentorassess.history.record import record_run
    from mentorassess.history.spec import PoolSettings
    from mentorassess.history.store import open_store
    from mentorassess.instruments import load_instrument
    from mentorassess.release.counting import eligible
    from mentorassess.release.rules import ReleaseRules
    from mentorassess.scoring import score

    ins, rules = load_instrument("mca-26"), ReleaseRules()
    drop = None
    if backend == "sqlite":
        location, secret = str(folder / f"history-{n_mentors}.sqlite"), None
    else:
        location, drop = _pg()
        secret = str(folder / "bench.secret")
    store = open_store(location, secret=secret)
    rows, base_total, rec_total = [], 0.0, 0.0
    try:
        for c in CYCLES:
            r, roster = data[c]
            t0 = time.perf_counter()
            sc = score(r, ins)
            prof = aggregate(sc, rules=rules, roster=roster)
            base = time.perf_counter() - t0
            t0 = time.perf_counter()
            res = record_run(store, cycle=c, program="bench", instrument=ins, responses=r, profiles=prof,
                             eligible_scores=eligible(sc, roster).scores, rules=rules, settings={},
                             inputs_sha256="0" * 64, pool=PoolSettings(block=3), roster=roster)
            rec = time.perf_counter() - t0
            base_total, rec_total = base_total + base, rec_total + rec
            rows.append([backend, c, len(r), res.ledger_rows, f"{rec:.2f}", f"{base:.2f}",
                         f"{_size(store, location) / 1e6:.1f}",
                         sum(p["status"] == "released" for p in res.pooled)])
    finally:
        store.close()
        if drop:
            drop()
    return {"rows": rows, "record": rec_total / len(CYCLES), "base": base_total / len(CYCLES)}


def run(quick: bool) -> list[dict]:
    n = 60 if quick else 2000
    out, table = [], [["backend", "cycle", "responses", "ledger rows", "record s", "score+aggregate s",
                       "store MB", "pooled released"]]
    data = _cycles(n)
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("sqlite", "postgresql"):
            try:
                m = measure(n, backend, data, Path(tmp))
            except Exception as exc:  # report, do not hide, a backend that cannot run here
                out.append({"name": f"history record ({backend}, {n} mentors)", "error": str(exc)[:200]})
                continue
            table += m["rows"]
            out.append({"name": f"history record per cycle ({backend}, {n} mentors)", "seconds": m["record"],
                        "baseline": "score + aggregate the cycle", "baseline_seconds": m["base"],
                        "ratio": m["record"] / m["base"], "goal": "< 1x the cycle's scoring",
                        "met": m["record"] < m["base"]})
    out.append({"name": f"History store per cycle ({n} mentors, 3 cycles, blocks of 3)", "table": table})
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mentors", type=int, default=2000)
    args = ap.parse_args()
    for r in run(args.mentors < 100):
        print(r)
