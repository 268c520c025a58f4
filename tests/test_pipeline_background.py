"""The psychometric reports run in worker processes beside the program summary: a run that fails
after they started stops them, and leaves no folder and no process behind."""

from __future__ import annotations

import multiprocessing as mp

import pytest

import mentorassess._run_psych as run_psych
import mentorassess.pipeline as pipeline
from mentorassess.pipeline import run_program, sample_config_path


def test_failure_after_the_psychometric_workers_started_stops_them(tmp_path, monkeypatch):
    started = []

    def start(ctx):
        out = run_psych._step_psychometrics(ctx)
        started.append(ctx.background is not None)
        return out

    def boom(ctx):
        raise RuntimeError("simulated crash while the psychometric reports run")

    monkeypatch.setattr(pipeline, "_STEPS", [pipeline._STEPS[0], start, boom])
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_program(sample_config_path(), out=tmp_path / "out", jobs=2)
    assert started == [True]                      # the workers were running when the run failed
    assert mp.active_children() == []             # and none is left
    assert sorted(p.name for p in tmp_path.iterdir()) == []   # no output, no temporary folder


def test_the_workbook_worker_is_stopped_when_the_feedback_reports_fail(tmp_path, monkeypatch):
    """The staff workbook's worker waits for the verified manifest; a run that fails before that
    (here: while the feedback reports are written) ends it and leaves nothing behind."""
    started = []

    def feedback(ctx):
        started.append(ctx.workbook_job is not None)
        raise RuntimeError("simulated crash while the feedback reports are written")

    steps = [feedback if s is pipeline._step_feedback else s for s in pipeline._STEPS]
    monkeypatch.setattr(pipeline, "_STEPS", steps)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_program(sample_config_path(), out=tmp_path / "out", jobs=2)
    assert started == [True]                      # the workbook's worker was waiting
    assert mp.active_children() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_an_error_in_the_workbook_worker_fails_the_run(tmp_path, monkeypatch):
    """An exception raised while the worker writes the workbook reaches the run (same type and
    message); nothing is published and no process is left."""
    import mentorassess.reports.workbook as workbook
    from mentorassess.errors import ReportError

    def broken(*args, **kwargs):
        raise ReportError("simulated failure while writing the workbook", file="staff_workbook.xlsx")

    monkeypatch.setattr(workbook, "write_staff_workbook", broken)
    with pytest.raises(ReportError, match="simulated failure while writing the workbook"):
        run_program(sample_config_path(), out=tmp_path / "out", jobs=2)
    assert mp.active_children() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_workbook_worker_lists_the_reports_of_this_run(tmp_path):
    """Written in a worker forked before the reports, the workbook's Distribution sheet still lists
    every report of the verified manifest, with its checksum (and the file is the one jobs=1 writes:
    tests/test_pipeline.py::test_two_runs_are_byte_identical)."""
    import openpyxl

    from mentorassess.release.manifest import read_manifest

    result = run_program(sample_config_path(), out=tmp_path / "out", jobs=2)
    wb = openpyxl.load_workbook(result.out / "staff_workbook.xlsx", read_only=True)
    rows = list(wb["Distribution"].iter_rows(values_only=True))
    head = rows.index(("mentor_id", "name", "email", "wave", "file", "sha256", "bytes"))
    listed = [(r[4], r[5]) for r in rows[head + 1:]]
    assert listed == [(e.file, e.sha256) for e in read_manifest(result.out / "feedback").entries]
    assert len(listed) == 160


def test_the_workbook_worker_reads_results_the_run_has_already_collected(tmp_path, monkeypatch):
    """The workbook's worker reads the program tables and item statistics from the other workers'
    result files. When the run collects those results first (here: no feedback reports to wait for,
    and a worker that starts reading late), the files must still be there: the former code removed
    them on collection and the worker waited for them forever."""
    import shutil
    import signal
    import time

    data = tmp_path / "sample"
    shutil.copytree(pipeline.sample_data_dir(), data)
    cfg = data / "program.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        "outputs: [feedback, program, workbook, psychometrics]", "outputs: [program, workbook, psychometrics]"),
        encoding="utf-8")
    original = pipeline._workbook_in_worker

    def late(ctx, go):
        # start reading only once the program summary's result is there (or already collected and gone),
        # and a little later still: the run collects it, and the psychometric sections, meanwhile
        result = ctx.program_job._path(0)
        while not result.exists() and result.parent.exists():
            time.sleep(0.01)
        time.sleep(1.0)
        return original(ctx, go)

    monkeypatch.setattr(pipeline, "_workbook_in_worker", late)

    def too_long(*_):
        raise TimeoutError("the run waited for the workbook's worker for over 60 s")

    before = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(60)
    try:
        result = run_program(cfg, out=tmp_path / "out", jobs=2)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
    assert (result.out / "staff_workbook.xlsx").is_file()
    assert not (result.out / "feedback").exists()
    assert mp.active_children() == []


def test_the_run_restores_the_callers_collector_threshold():
    """run raises the garbage collector's threshold while it runs and gives the caller's back, also
    when the run fails."""
    import gc

    before = gc.get_threshold()
    with pytest.raises(RuntimeError):
        with pipeline._collect_less_often():
            assert gc.get_threshold() == (10_000, 10, 10)
            raise RuntimeError("a failed run")
    assert gc.get_threshold() == before
