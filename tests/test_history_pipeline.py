"""`history:`/`cycle:` in program.yaml, the pipeline hook and the `mentorassess history` CLI (issue 22)."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from tests._history_helpers import ROOT


def _program(tmp_path, extra: str):
    src = ROOT / "data" / "sample"
    for f in ("responses.csv", "roster.csv"):
        shutil.copy(src / f, tmp_path / f)
    (tmp_path / "program.yaml").write_text(
        "program: P\ninstrument: mca-26\nroster: roster.csv\nreport_date: 2026-06-30\n"
        "exports: [{path: responses.csv, format: canonical}]\noutputs: [workbook]\n" + extra)
    return tmp_path / "program.yaml"


def test_config_problems_are_collected(tmp_path):
    from mentorassess.config import load_config
    from mentorassess.errors import ConfigError

    p = _program(tmp_path, "history: {store: h.sqlite, pool: {block: two, size: 3}, keep: 1}\n")
    with pytest.raises(ConfigError) as e:
        load_config(p)
    msgs = " | ".join(pr.message for pr in e.value.problems)
    assert "pool.block must be a whole number" in msgs and "unknown key 'size'" in msgs
    assert "unknown key 'keep'" in msgs and "cycle is required" in msgs


def test_run_records_the_cycle_and_the_cli_reads_it(tmp_path):
    from mentorassess.cli import app
    from mentorassess.pipeline import run_program

    p = _program(tmp_path, "history: history.sqlite\ncycle: 2026\n")
    res = run_program(p, out=tmp_path / "out")
    h = res.summary["history"]
    assert h["cycle"] == "2026" and h["coverage"][0]["mentors"] > 0
    assert (tmp_path / "history.sqlite").is_file()
    assert oct((tmp_path / "history.sqlite.secret").stat().st_mode & 0o777) == "0o600"
    # A re-run of the same cycle with the same inputs: the same bytes out, one cycle in the store.
    first = (tmp_path / "out" / "run-summary.json").read_bytes()
    run_program(p, out=tmp_path / "out")
    assert (tmp_path / "out" / "run-summary.json").read_bytes() == first
    runner = CliRunner()
    out = runner.invoke(app, ["history", "list", "--config", str(p)])
    assert out.exit_code == 0 and out.output.count("2026  mca-26") == 1, out.output
    exp = runner.invoke(app, ["history", "export", "--config", str(p), "--out", str(tmp_path / "e.json")])
    assert exp.exit_code == 0
    doc = json.loads((tmp_path / "e.json").read_text())
    assert doc["ledger"] and all(r["status"] == "released" for r in doc["ledger"])
    mentor = doc["ledger"][0]["unit"]
    m = runner.invoke(app, ["history", "mentor", mentor, "--config", str(p), "--json"])
    assert m.exit_code == 0 and json.loads(m.output)[0]["window"] == "2026"
    f = runner.invoke(app, ["history", "forget", "--mentor", mentor, "--config", str(p)])
    assert f.exit_code == 0 and "audit entry written" in f.output
    assert "no released mentee results" in runner.invoke(app, ["history", "mentor", mentor, "--config",
                                                               str(p)]).output
    import subprocess
    import sys

    bad = subprocess.run([sys.executable, "-m", "mentorassess", "history", "list"], capture_output=True, text=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert bad.returncode == 2 and "exactly one of --config" in bad.stdout + bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_store_inside_the_output_folder_is_refused(tmp_path):
    from mentorassess.errors import ConfigError
    from mentorassess.pipeline import run_program

    p = _program(tmp_path, "history: out/history.sqlite\ncycle: 2026\n")
    with pytest.raises(ConfigError, match="inside the output folder"):
        run_program(p, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()
