"""The CLI skeleton: help, version, instruments commands, lazy imports, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, run_cli


def test_help_lists_commands():
    res = run_cli("--help")
    assert res.returncode == 0
    for cmd in ("instruments", "sample"):
        assert cmd in res.stdout


def test_version():
    from mentorassess import __version__

    res = run_cli("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"mentorassess {__version__}"


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys, json\n"
        "sys.argv = ['mentorassess', '--help']\n"
        "import mentorassess.cli as cli\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "heavy = ['pandas', 'numpy', 'scipy', 'matplotlib', 'reportlab', 'openpyxl', 'pingouin', 'semopy',\n"
        "         'factor_analyzer', 'sklearn', 'rich']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr
    loaded = json.loads(res.stdout.strip().splitlines()[-1])
    assert loaded == [], f"--help imported {loaded}"


def test_instruments_list():
    res = run_cli("instruments", "list")
    assert res.returncode == 0
    for iid in ("mca-26", "mca-21", "met-13", "mes-12", "mentoring-framework"):
        assert iid in res.stdout


def test_instruments_show():
    res = run_cli("instruments", "show", "mca-26")
    assert res.returncode == 0
    assert "Listens actively" in res.stdout and "Addressing diversity" in res.stdout


def test_validate_bad_file_exit_2_no_traceback():
    res = run_cli("instruments", "validate", "tests/data/instruments/broken.yaml")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "12 problem(s)" in res.stderr
    assert "broken.yaml:5" in res.stderr


def test_validate_good_file():
    res = run_cli("instruments", "validate", "instruments/mca-26.yaml")
    assert res.returncode == 0 and "valid" in res.stdout


def test_unknown_instrument_exit_2():
    res = run_cli("instruments", "show", "mca-99")
    assert res.returncode == 2 and "Traceback" not in res.stderr and "unknown instrument" in res.stderr


def test_usage_error_exit_2():
    res = run_cli("instruments", "frobnicate")
    assert res.returncode == 2 and "Traceback" not in res.stderr


def test_sample_command(tmp_path):
    res = run_cli("sample", "--out", str(tmp_path), "--seed", "3", "--mentors", "10")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "responses.csv").exists() and (tmp_path / "roster.csv").exists()
