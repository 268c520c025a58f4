"""Error hierarchy, atomic writes and formula-injection escaping."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mentorassess import errors
from mentorassess._files import atomic_dir, atomic_write_text
from mentorassess._safe import escape_cell, unescape_cell


def test_hierarchy():
    for cls in (errors.InstrumentError, errors.DataError, errors.ImportFormatError, errors.ConfigError,
                errors.ReportError, errors.InsufficientDataError, errors.ConfidentialityError):
        assert issubclass(cls, errors.MentorAssessError)
    assert issubclass(errors.DataError, ValueError)
    assert issubclass(errors.HeywoodWarning, errors.MentorAssessWarning)


def test_error_holds_many_problems():
    probs = [errors.Problem("bad value", file="a.csv", row=3, column="mca01", value="9", code="out-of-range"),
             errors.Problem("unknown label", file="a.csv", column="mca02", hint="map it")]
    err = errors.DataError("2 problems", problems=probs)
    text = str(err).splitlines()
    assert text == ["2 problems", "a.csv, row 3, column 'mca01': bad value", "a.csv, column 'mca02': unknown label (map it)"]
    d = err.to_dict()
    assert d["error"] == "DataError" and d["problems"][0]["row"] == 3 and d["problems"][0]["value"] == "9"


def test_single_problem_fields():
    err = errors.ConfigError("min_raters must be at least 3", file="program.yaml", hint="use 3 or more")
    assert err.file == "program.yaml"
    assert str(err) == "program.yaml: min_raters must be at least 3 (use 3 or more)"


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "\nx", "'x", "'=x"])
def test_escape_round_trip(text):
    escaped = escape_cell(text)
    assert escaped.startswith("'")
    assert unescape_cell(escaped) == text


@pytest.mark.parametrize("value", ["plain", "", "a=b", 5, 2.5, None])
def test_escape_leaves_safe_values(value):
    assert escape_cell(value) == value
    assert unescape_cell(value) == value


def test_atomic_write_leaves_no_temp(tmp_path):
    target = atomic_write_text(tmp_path / "sub" / "a.txt", "hello")
    assert target.read_text() == "hello"
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["a.txt"]


def test_atomic_dir_keeps_old_on_failure(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_dir(out) as tmp:
            (tmp / "new.txt").write_text("new")
            raise RuntimeError("crash")
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    with atomic_dir(out) as tmp:
        (tmp / "new.txt").write_text("new")
    assert [p.name for p in out.iterdir()] == ["new.txt"]


def test_atomic_dir_syncs_the_new_folder_before_publishing_it(tmp_path, monkeypatch):
    """The folder is flushed to disk as a whole while it is still unnamed; only then does it replace
    the target (so files written into it without a sync of their own are on disk when published)."""
    import mentorassess._files as files

    seen = []

    def record(folder):
        seen.append((sorted(p.name for p in Path(folder).iterdir()), (tmp_path / "out").exists()))

    monkeypatch.setattr(files, "sync_tree", record)
    with files.atomic_dir(tmp_path / "out") as tmp:
        (tmp / "a.txt").write_text("new")
    assert seen == [(["a.txt"], False)]
    assert (tmp_path / "out" / "a.txt").read_text() == "new"


def test_sync_tree_without_syncfs_syncs_every_file(tmp_path, monkeypatch):
    """Where syncfs is not available (not Linux), every file under the folder is synced in turn."""
    import mentorassess._files as files

    (tmp_path / "sub").mkdir()
    for name in ("a", "b", "sub/c"):
        (tmp_path / name).write_bytes(b"x")
    synced = []
    real = os.fsync

    def fsync(fd):
        synced.append(os.path.realpath(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(files.sys, "platform", "darwin")
    monkeypatch.setattr(files.os, "fsync", fsync)
    files.sync_tree(tmp_path)
    assert {str(tmp_path / n) for n in ("a", "b", "sub/c")} <= set(synced)


def test_a_run_syncs_its_folder_once_not_every_report(tmp_path, monkeypatch):
    """run writes the 160 feedback files without a sync each and syncs its temporary folder once
    before publishing it; the files that are synced one by one are the few other outputs."""
    import mentorassess._files as files
    from mentorassess.pipeline import run_program, sample_config_path

    calls, trees = [], []
    real_fsync, real_tree = os.fsync, files.sync_tree
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real_fsync(fd))[1])
    monkeypatch.setattr(files, "sync_tree", lambda folder: (trees.append(Path(folder).name), real_tree(folder))[1])
    result = run_program(sample_config_path(), out=tmp_path / "out", jobs=1)
    feedback = [p for p in result.outputs if p.parts[0] == "feedback"]
    assert len(feedback) == 162 and trees == ["new"]
    assert len(calls) < 40   # audits, psychometric files, program summary, workbook, run summary, folders
