"""ForkedJobs: background jobs of a run in forked processes, no thread in the parent (issue 24)."""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
from pathlib import Path

import pandas as pd
import pytest

from mentorassess._forked import ForkedJobs, Later
from mentorassess.errors import DataError

pytestmark = pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="needs fork")


def _square_or_fail(x):
    if x == "bad":
        raise DataError("bad value", file="a.csv", row=3, column="mca01", hint="fix it")
    if x == "die":
        os._exit(3)   # a worker killed mid-job: no result file
    return x * x


def test_results_in_job_order_and_no_thread_in_the_parent():
    threads = threading.active_count()
    jobs = ForkedJobs(_square_or_fail, [5, 1, 4, 2, 3], workers=2)
    assert threading.active_count() == threads   # nothing in the parent but the forked processes
    assert [jobs.result(i) for i in range(5)] == [25, 1, 16, 4, 9]
    assert jobs.result(2) == 16                   # a result can be read again until stop()
    jobs.stop()
    assert mp.active_children() == []


def test_a_frame_comes_back_equal():
    frame = pd.DataFrame({"a": pd.Categorical(["x", "y", "x"]), "b": [1.5, None, 3.0]})
    jobs = ForkedJobs(lambda _: frame.assign(c=frame["b"] * 2), [None], workers=1)
    try:
        pd.testing.assert_frame_equal(jobs.result(0), frame.assign(c=frame["b"] * 2))
    finally:
        jobs.stop()


def test_the_jobs_error_is_raised_in_the_parent_with_its_fields():
    jobs = ForkedJobs(_square_or_fail, [2, "bad"], workers=2)
    try:
        assert jobs.result(0) == 4
        with pytest.raises(DataError, match="bad value") as err:
            jobs.result(1)
        assert (err.value.file, err.value.row, err.value.column, err.value.hint) == ("a.csv", 3, "mca01", "fix it")
    finally:
        jobs.stop()
    assert mp.active_children() == []


def test_a_worker_that_dies_without_a_result_is_an_error_not_a_hang():
    jobs = ForkedJobs(_square_or_fail, ["die"], workers=1, poll=0.001)
    try:
        with pytest.raises(RuntimeError, match="ended without finishing"):
            jobs.result(0)
    finally:
        jobs.stop()
    assert mp.active_children() == []


def test_stop_ends_running_workers_and_removes_their_files():
    jobs = ForkedJobs(lambda s: __import__("time").sleep(s), [30, 30], workers=2)
    folder = jobs._dir
    jobs.stop()
    assert mp.active_children() == []
    assert not folder.exists()


def test_later_computes_once_and_again_after_a_failure():
    calls = []

    def fn():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first try fails")
        return ["a.pdf"]

    later = Later(fn)
    with pytest.raises(RuntimeError):
        later.get()
    assert later.get() == ["a.pdf"] and later.get() == ["a.pdf"]
    assert len(calls) == 2


def test_import_all_in_workers_equals_one_after_the_other():
    from mentorassess.config import load_config
    from mentorassess.io import read_roster
    from mentorassess.pipeline import import_all, sample_config_path

    cfg = load_config(sample_config_path())
    assert len(cfg.exports) > 1
    roster = read_roster(cfg.roster)
    one, rep1 = import_all(cfg, roster, jobs=1)
    two, rep2 = import_all(cfg, roster, jobs=2)
    pd.testing.assert_frame_equal(one, two)
    assert [r.to_dict() for r in rep1] == [r.to_dict() for r in rep2]
    assert mp.active_children() == []


def test_abandoned_job_folders_are_removed_and_live_ones_kept(tmp_path):
    """Result files hold a run's data: a killed run's folder goes at the next ForkedJobs, a live one stays."""
    import fcntl
    import time as _time

    from mentorassess._forked import _OWNER, _PREFIX, remove_abandoned

    def folder(name, owner=True, age=0.0):
        f = tmp_path / (_PREFIX + name)
        f.mkdir()
        (f / "0.pkl").write_bytes(b"scores")
        if owner:
            (f / _OWNER).touch()
        os.utime(f, (_time.time() - age, _time.time() - age))
        return f

    dead, live = folder("dead"), folder("live")
    young, old = folder("young", owner=False), folder("old", owner=False, age=3600)
    other = tmp_path / "someone-else"
    other.mkdir()
    fd = os.open(live / _OWNER, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)   # a run still using its folder
    try:
        assert sorted(p.name for p in remove_abandoned(tmp_path)) == [_PREFIX + "dead", _PREFIX + "old"]
    finally:
        os.close(fd)
    assert not dead.exists() and not old.exists()
    assert live.exists() and young.exists() and other.exists()


def test_a_killed_runs_result_files_do_not_outlive_the_next_run(tmp_path):
    import signal
    import subprocess
    import sys
    import time as _time

    from mentorassess._forked import remove_abandoned

    code = ("import sys, time\n"
            "from mentorassess._forked import ForkedJobs\n"
            "jobs = ForkedJobs(lambda x: time.sleep(x) or x, [0.0, 60.0], workers=2)\n"
            "jobs.result(0)\n"
            "print(jobs._dir, flush=True)\n"
            "time.sleep(60)\n")
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    left = Path(proc.stdout.readline().strip())
    assert left.parent == tmp_path and (left / "0.pkl").exists()
    os.kill(proc.pid, signal.SIGKILL)   # no cleanup runs
    proc.wait()
    deadline = _time.time() + 10
    while left.exists() and _time.time() < deadline:   # the worker ends with its parent (<= 0.25 s)
        remove_abandoned(tmp_path)
        _time.sleep(0.1)
    assert not left.exists()
