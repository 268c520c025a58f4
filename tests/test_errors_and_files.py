"""Error hierarchy, atomic writes and formula-injection escaping."""

from __future__ import annotations

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
