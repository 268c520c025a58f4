"""ForkedJobs: background jobs of a run in forked processes, no thread in the parent (issue 24)."""

from __future__ import annotations

import multiprocessing as mp
import os
import threading

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
