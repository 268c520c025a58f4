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
