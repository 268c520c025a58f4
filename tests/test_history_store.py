"""History store (issue 22) on SQLite and PostgreSQL: recording, re-runs, refusals, kills, writers, forget."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from tests._history_helpers import CYCLES, ROOT, dump_text, fresh_pg_database, program, record, stop_local_pg


@pytest.fixture(scope="module", autouse=True)
def _pg_cleanup():
    yield
    stop_local_pg()


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path):
    """(store location, secret path) on each backend; a fresh database per test."""
    if request.param == "sqlite":
        yield str(tmp_path / "history.sqlite"), None
    else:
        url, drop = fresh_pg_database()
        yield url, str(tmp_path / "program.secret")
        drop()


@pytest.fixture(scope="module")
def prog():
    return program(n_mentors=16)


def _open(location):
    from mentorassess.history.store import open_store

    return open_store(location[0], secret=location[1])


def _ledger(store):
    from mentorassess.history.ledger import ledger_frame

    with store.read() as conn:
        return ledger_frame(conn).drop(columns="set_id").sort_values(
            ["cycle", "unit", "window", "wave", "statistic"]).reset_index(drop=True)


def test_schema_is_versioned_and_reopening_does_not_migrate_again(location):
    s = _open(location)
    assert s.schema_version() == 1
    s.close()
    s = _open(location)
    assert s.dump()["schema_migrations"][0][0] == 1 and len(s.dump()["schema_migrations"]) == 1
    s.close()


def test_rerun_replaces_the_cycle_in_place(location, prog):
    s = _open(location)
    for c in CYCLES:
        record(s, c, *prog[c])
    before = _ledger(s)
    n_resp = len(s.dump()["responses"])
    res = record(s, "2025", *prog["2025"])
    assert res.replaced
    after = _ledger(s)
    pd.testing.assert_frame_equal(before, after)
    assert len(s.dump()["responses"]) == n_resp == sum(len(prog[c][0]) for c in CYCLES)
    assert [r[1] for r in s.dump()["runs"]] == ["2024", "2026", "2025"]  # one row per cycle
    s.close()


def test_rerun_with_a_late_response_is_refused_and_changes_nothing(location, prog):
    from mentorassess.errors import ConfidentialityError

    s = _open(location)
    r, roster = prog["2024"]
    record(s, "2024", r, roster, block=0)
    led = _ledger(s)
    released = led[(led["status"] == "released") & (led["statistic"] == "competency:overall:mean")]
    assert not released.empty
    mentor = released["unit"].iloc[0]
    late = r[(r["mentor_id"] == mentor) & (r["rater_role"] == "mentee")].iloc[[0]].copy()
    late["response_id"], late["rater_id"] = "late-1", "2024-late-mentee"
    state = dump_text(s)
    with pytest.raises(ConfidentialityError, match="fewer than 3 raters"):
        record(s, "2024", pd.concat([r, late], ignore_index=True), roster, block=0)
    assert dump_text(s) == state
    s.close()


def test_hash_only_mode_stores_no_response(location, prog):
    s = _open(location)
    r, roster = prog["2024"]
    record(s, "2024", r, roster, store_responses=False)
    d = s.dump()
    assert d["responses"] == [] and d["runs"][0][7] is False or d["runs"][0][7] == 0
    assert "2024-E0001" not in repr(d)
    s.close()


def test_forget_rater_and_mentor_leave_no_trace(location, prog):
    from mentorassess.history.queries import forget

    s = _open(location)
    for c in CYCLES:
        record(s, c, *prog[c])
    led = _ledger(s)
    # A rater behind a released figure, and a mentor with releases.
    with s.read() as conn:
        from sqlalchemy import text
        h = conn.execute(text("SELECT c.rater_hash FROM contributors c JOIN ledger l ON l.set_id = c.set_id "
                              "WHERE l.status = 'released' ORDER BY c.rater_hash LIMIT 1")).scalar()
    r = pd.concat([prog[c][0] for c in CYCLES])
    rater = next(x for x in r["rater_id"].dropna().unique() if s.rater_hash(x) == h)
    # A mentor the rater did not rate, so the rater's tombstone survives the mentor's erasure
    # (the salt is random per store, so the chosen rater differs between runs).
    rated = set(r.loc[r["rater_id"] == rater, "mentor_id"].astype(str))
    mentor = next(u for u in reversed(led.loc[led["status"] == "released", "unit"].tolist()) if u not in rated)
    rep = forget(s, rater=rater)
    assert rep["responses_deleted"] == int((r["rater_id"] == rater).sum()) >= 1
    assert rep["released_figures_affected"], "the rater was behind a released figure"
    rep2 = forget(s, mentor=mentor)
    left = (r["mentor_id"] == mentor) & (r["rater_id"] != rater)  # the rater's responses went with the rater
    assert rep2["responses_deleted"] == int(left.sum()) and rep2["ledger_entries_deleted"] > 0
    text_all = dump_text(s)
    for trace in (rater, h, mentor, s.rater_hash(mentor)):
        assert trace not in text_all
    assert [a[2:4] for a in s.dump()["audit"]] == [("forget", "rater"), ("forget", "mentor")]
    # The ledger keeps set sizes: the forgotten rater's slot is a random token.
    assert "forgotten-" in text_all
    s.close()


def _writer_script(location, cycle: str, pause: float, n_mentors: int) -> str:
    return textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from tests._history_helpers import cycle_data, record
        import mentorassess.history.ledger as L
        import mentorassess.history.record as R
        from mentorassess.history.store import open_store
        r, roster = cycle_data({cycle!r}, seed=7, n_mentors={n_mentors})
        orig = L.insert_entries
        def slow(conn, cycle, entries):
            n = orig(conn, cycle, entries)
            print("WRITING", flush=True)
            time.sleep({pause})
            return n
        R.insert_entries = slow
        s = open_store({location[0]!r}, secret={location[1]!r})
        record(s, {cycle!r}, r, roster, block=0)
        print("DONE", time.time(), flush=True)
    """)


def test_a_kill_mid_write_leaves_the_store_as_it_was(location, prog):
    s = _open(location)
    record(s, "2024", *prog["2024"])
    state = dump_text(s)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.Popen([sys.executable, "-c", _writer_script(location, "2024", 60, 10)], stdout=subprocess.PIPE,
                         text=True, env=env)
    assert p.stdout.readline().strip() == "WRITING"  # inside the transaction, everything inserted
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    s.close()
    s = _open(location)
    assert dump_text(s) == state
    s.close()


def test_two_concurrent_writers_queue_and_both_land(location):
    """A second writer (this process) waits for the first (a child holding its transaction open)."""
    from tests._history_helpers import cycle_data

    s = _open(location)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", _writer_script(location, "2030", 4.0, 10)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert child.stdout.readline().strip() == "WRITING"  # the child is inside its write transaction
    asked = []
    inner = s.write

    def write():
        asked.append(time.time())
        return inner()
    s.write = write
    record(s, "2031", *cycle_data("2031", seed=7, n_mentors=10), block=0)
    finished = time.time()
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0 and out.startswith("DONE"), err[-800:]
    child_done = float(out.split()[1])
    assert asked[0] < child_done < finished, "the second writer did not wait for the first one's commit"
    s.close()
    s = _open(location)
    d = s.dump()
    assert sorted(r[1] for r in d["runs"]) == ["2030", "2031"]
    led = _ledger(s)
    assert set(led["cycle"]) == {"2030", "2031"}
    # Same generated program (seed 7) in both cycles: the ledgers agree apart from the cycle.
    a = led[led["cycle"] == "2030"].drop(columns=["cycle", "window"]).reset_index(drop=True)
    b = led[led["cycle"] == "2031"].drop(columns=["cycle", "window"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    # Every ledger entry points at an existing contribution set and vice versa.
    sets = {r[0] for r in d["contributor_sets"]}
    assert {r[8] for r in d["ledger"] if r[8] is not None} == sets
    assert {r[0] for r in d["contributors"]} == sets
    s.close()
