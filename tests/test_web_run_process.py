"""The web app runs a program in a process started for it (not forked from the server's threads)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mentorassess import pipeline
from mentorassess.errors import ConfigError
from mentorassess.web import services

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def test_a_run_happens_in_its_own_process_and_reports_its_steps(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)

    def not_here(*a, **k):
        raise AssertionError("the run must not happen in the server's process")

    monkeypatch.setattr(pipeline, "run_program", not_here)
    steps: list[str] = []
    services.run(data / "program.yaml", tmp_path / "out", progress=steps.append)
    assert any(s.startswith("importing") for s in steps) and "writing feedback reports" in steps
    assert (tmp_path / "out" / "run-summary.json").is_file()
    assert len(list((tmp_path / "out" / "feedback").glob("*.pdf"))) > 10


def test_the_runs_own_error_comes_back_with_its_fields(tmp_path):
    bad = tmp_path / "program.yaml"
    bad.write_text("program: x\ninstrument: no-such-instrument\nexports: []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        services.run(bad, tmp_path / "out", progress=lambda m: None)
    assert "no-such-instrument" in str(err.value)
    assert err.value.file == str(bad) and {p.code for p in err.value.problems} >= {"bad-instrument"}
    assert not (tmp_path / "out").exists()
