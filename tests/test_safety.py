"""Issue 17: no input or user folder is ever lost, runs never collide, hostile files cannot exhaust
the machine, and every case ends in a clear message (exit 2) or in success.

The cases the issue lists run the real CLI in a subprocess (exit code, no traceback, inputs intact);
the building blocks are tested in-process.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests import _harden_helpers as H
from tests.conftest import ROOT, run_cli


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _refused(res: subprocess.CompletedProcess, *needles: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stderr[-2000:])
    assert "Traceback" not in res.stderr
    for needle in needles:
        assert needle in res.stderr, (needle, res.stderr[-2000:])


@pytest.fixture
def program(tmp_path) -> Path:
    """A small program (3 raters threshold) whose run writes only the audits and run-summary.json (fast)."""
    return H.write_program(tmp_path / "in", 3, extra="outputs: []\n")


# --- 1. output safety ------------------------------------------------------------------------------

def test_run_refuses_an_output_folder_that_holds_its_inputs(program):
    """`run --out F` where F holds program.yaml, the responses, the roster and a run-summary.json."""
    folder = program.parent
    (folder / "run-summary.json").write_text(json.dumps({"outputs": []}), encoding="utf-8")
    before = _digest(folder)
    res = run_cli("run", str(program), "--out", str(folder))
    _refused(res, "contains the input", "program.yaml", "roster.csv", "responses.csv")
    assert _digest(folder) == before


def test_run_refuses_an_output_folder_inside_an_input_folder_or_equal_to_an_input(tmp_path):
    from mentorassess._files import check_outputs
    from mentorassess.errors import ConfigError

    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    roster = data / "roster.csv"
    roster.write_text("mentor_id\nM1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        check_outputs([data, roster], folders=[data / "sub" / "out", roster, tmp_path])
    codes = [p.message for p in info.value.problems]
    assert any("lies inside the input" in m for m in codes)
    assert any("is the input" in m for m in codes)
    assert sum("contains the input" in m for m in codes) == 2  # tmp_path holds both inputs
    check_outputs([data, roster], folders=[tmp_path / "reports"], files=[tmp_path / "reports" / "a.csv"])


def test_a_copied_run_summary_does_not_make_a_user_folder_replaceable(tmp_path):
    from mentorassess.errors import ConfigError
    from mentorassess.pipeline import _check_out

    out = tmp_path / "out"
    out.mkdir()
    (out / "run-summary.json").write_text(json.dumps({"outputs": [{"path": "a.pdf"}]}), encoding="utf-8")
    (out / "a.pdf").write_text("ours", encoding="utf-8")
    _check_out(out)  # exactly what the summary lists: ours
    (out / "thesis.docx").write_text("theirs", encoding="utf-8")
    with pytest.raises(ConfigError, match="did not write"):
        _check_out(out)
    (out / "run-summary.json").write_text("not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="not written by mentorassess"):
        _check_out(out)


@pytest.mark.parametrize("flag", ["-o", "--report"])
def test_import_refuses_to_replace_the_roster_it_reads(tmp_path, flag):
    folder = tmp_path / "in"
    H.write_program(folder, 3)
    roster = folder / "roster.csv"
    before = roster.read_bytes()
    args = ["import", str(folder / "responses.csv"), "-i", "mca-26", "--roster", str(roster)]
    args += [flag, str(roster)] if flag == "-o" else ["-o", str(tmp_path / "r.csv"), flag, str(roster)]
    _refused(run_cli(*args), "is an input of this command", "roster.csv")
    assert roster.read_bytes() == before and not (tmp_path / "r.csv").exists()


def test_outputs_that_reach_an_input_through_a_link_are_refused(tmp_path, capsys):
    from mentorassess.cli import main

    folder = tmp_path / "in"
    H.write_program(folder, 3)
    responses = folder / "responses.csv"
    before = responses.read_bytes()
    os.link(responses, tmp_path / "hard.json")
    (tmp_path / "soft.json").symlink_to(responses)
    for target in ("hard.json", "soft.json"):
        with pytest.raises(SystemExit) as exc:
            main(["psychometrics", str(responses), "--instrument", "mca-26", "--json", str(tmp_path / target)])
        assert exc.value.code == 2
        assert "is an input of this command" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["score", str(responses), "-i", "mca-26", "-o", str(tmp_path / "in.csv")])  # folder tmp/in
    assert exc.value.code == 2 and "contains the input" in capsys.readouterr().err
    assert responses.read_bytes() == before


def test_atomic_dir_leaves_only_marked_temporaries(tmp_path):
    """While a folder is written, everything beside the output carries the marker; a crash leaves only that."""
    from mentorassess._files import TEMP_MARKER, atomic_dir

    seen = []
    with pytest.raises(RuntimeError):
        with atomic_dir(tmp_path / "out") as tmp:
            (tmp / "half.txt").write_text("x")
            seen = [p for p in tmp_path.iterdir() if p.name.startswith(".out.") and p.is_dir()]
            marked = [(p / TEMP_MARKER).is_file() for p in seen]
            raise RuntimeError("crash")
    assert seen and all(marked)
    assert not (tmp_path / "out").exists()


# --- one run per output folder ----------------------------------------------------------------------

def test_a_second_run_into_a_locked_output_folder_is_refused(program, tmp_path):
    from mentorassess._files import TEMP_MARKER, output_lock

    out = tmp_path / "out"
    stray = tmp_path / ".out.abcd1234"  # the running writer's temporary folder
    stray.mkdir()
    (stray / TEMP_MARKER).write_text("x")
    with output_lock(out):
        res = run_cli("run", str(program), "--out", str(out))
    _refused(res, f"another mentorassess run (process {os.getpid()}) is writing to {out}")
    assert stray.is_dir() and not out.exists()  # the first run's work was not deleted
    assert not (tmp_path / ".out.lock").exists()


def test_two_real_runs_into_one_folder_the_first_completes(tmp_path):
    from mentorassess._files import OutputBusyError
    from mentorassess.pipeline import run_program

    program = H.write_program(tmp_path / "in", 3, extra="outputs: [workbook]\n")  # runs for a few seconds
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    first = subprocess.Popen([sys.executable, "-m", "mentorassess", "run", str(program), "--out", str(out)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lock = tmp_path / ".out.lock"
    deadline = time.monotonic() + 120
    def _holder() -> str:  # the pid is written a moment after the file is created
        try:
            return lock.read_text().strip()
        except OSError:
            return ""
    while not _holder() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _holder(), "the first run never took the lock"
    with pytest.raises(OutputBusyError, match=f"process {first.pid}"):
        run_program(program, out=out)
    assert first.wait(timeout=300) == 0, first.stderr.read().decode()
    summary = json.loads((out / "run-summary.json").read_text(encoding="utf-8"))
    for entry in summary["outputs"]:
        assert hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


def test_a_lock_left_by_a_killed_run_is_stale(program, tmp_path):
    out = tmp_path / "out"
    code = ("import sys, time; from mentorassess._files import output_lock\n"
            f"with output_lock({str(out)!r}):\n    print('locked', flush=True); time.sleep(600)\n")
    holder = subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=str(ROOT)),
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    lock = tmp_path / ".out.lock"
    assert lock.read_text().split()[0] == str(holder.pid)  # left behind, naming a dead process
    res = run_cli("run", str(program), "--out", str(out))
    assert res.returncode == 0, res.stderr[-2000:]
    assert (out / "run-summary.json").is_file() and not lock.exists()


# --- worker processes end with their parent ------------------------------------------------------------

_POOL = """
import os, sys, time
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from mentorassess._procs import end_with_parent

def pid(_):
    time.sleep(0.3)
    return os.getpid()

if __name__ == "__main__":
    ctx = mp.get_context("fork")
    ex = ProcessPoolExecutor(2, mp_context=ctx, initializer=end_with_parent,
                             initargs=(os.getpid(), sys.argv[1] == "main"))
    print(" ".join(map(str, sorted(set(ex.map(pid, range(8)))))), flush=True)
    ex.submit(time.sleep, 600)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("mode", ["main", "thread"])  # prctl + watcher, or the watcher thread alone
def test_pool_workers_end_when_the_parent_is_killed(tmp_path, mode):
    script = tmp_path / "pool.py"
    script.write_text(_POOL, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script), mode], env=dict(os.environ, PYTHONPATH=str(ROOT)),
                              stdout=subprocess.PIPE, text=True)
    workers = [int(p) for p in parent.stdout.readline().split()]
    assert len(workers) == 2 and all(_alive(w) for w in workers)
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "workers outlived their killed parent"


def test_feedback_pool_workers_are_told_their_parent(monkeypatch, tmp_path, sample_program):
    """render_all (the --jobs pool) passes the parent token to each worker's initializer."""
    import concurrent.futures

    from mentorassess.aggregate import aggregate
    from mentorassess.reports.feedback import render_all
    from mentorassess.scoring import score

    seen = {}

    class Spy:
        def __init__(self, *args, initializer=None, initargs=(), **kwargs):
            seen["initargs"] = initargs
            raise RuntimeError("stop")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Spy)
    profiles = aggregate(score(sample_program.responses, sample_program.instrument), roster=sample_program.roster)
    with pytest.raises(RuntimeError, match="stop"):
        render_all(profiles, sample_program.instrument, tmp_path / "fb", jobs=2)
    assert seen["initargs"][1] == (os.getpid(), True)


# --- resource limits ------------------------------------------------------------------------------

def _bomb(size: int, levels: int) -> str:
    """A billion-laughs YAML document of exactly ``size`` bytes (nine aliases per level)."""
    names = "abcdefghijklmnop"
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for prev, cur in zip(names[:levels - 1], names[1:levels]):
        text += f"{cur}: &{cur} [{','.join(['*' + prev] * 9)}]\n"
    pad = size - len(text.encode()) - 2
    assert pad >= 0
    return text + "#" + "x" * pad + "\n"


@pytest.mark.parametrize("size,levels", [(352, 9), (400, 10)])
def test_yaml_alias_bomb_config_is_refused_quickly(tmp_path, size, levels):
    cfg = tmp_path / "program.yaml"
    cfg.write_text(_bomb(size, levels), encoding="utf-8")
    assert cfg.stat().st_size == size
    res = run_cli("run", str(cfg), "--out", str(tmp_path / "out"), timeout=60)
    _refused(res, "expands to more than 100,000 values")
    assert not (tmp_path / "out").exists()


def test_yaml_alias_bomb_as_instrument_or_mapping(tmp_path):
    from mentorassess.errors import MentorAssessError
    from mentorassess.instruments import load_instrument
    from mentorassess.io.mapping import load_mapping

    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(400, 10), encoding="utf-8")
    for loader in (load_instrument, load_mapping):
        with pytest.raises(MentorAssessError) as info:
            loader(path)
        assert any(p.code == "too-many-values" for p in info.value.problems), loader


def test_yaml_limits_size_and_keys(tmp_path):
    from mentorassess._yaml import MAX_BYTES, load_yaml_with_lines

    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * MAX_BYTES + "\n", encoding="utf-8")
    assert load_yaml_with_lines(big)[1][0].code == "too-large"
    assert load_yaml_with_lines("t.yaml", text="a: " + "x" * MAX_BYTES)[1][0].code == "too-large"
    doc, problems = load_yaml_with_lines("k.yaml", text="? [1, 2]\n: v\n")
    assert doc is None and problems[0].code == "yaml-syntax"
    many = "a: [" + ", ".join(["1"] * 20_000) + "]\n"  # a long but plain list stays under the limit
    assert len(load_yaml_with_lines("m.yaml", text=many)[0].data["a"]) == 20_000


def _far_cell_xlsx(path: Path, value=1) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    for j, name in enumerate(["response_id", "mentor_id", "mca01"], 1):
        ws.cell(1, j, name)
        ws.cell(2, j, ["R1", "M001", 5][j - 1])
    ws["XFD1048576"] = value
    if value is None:
        ws["XFD1048576"].font = Font(bold=True)  # a styled, empty cell: present in the file
    wb.save(path)
    return path


def test_xlsx_with_one_cell_at_xfd1048576_is_refused_quickly(tmp_path):
    path = _far_cell_xlsx(tmp_path / "far.xlsx")
    assert path.stat().st_size < 7000
    res = run_cli("import", str(path), "-i", "mca-26", "--role", "mentee", "--wave", "pre",
                  "-o", str(tmp_path / "out.csv"), timeout=60)
    _refused(res, "XFD1048576", "beyond the limit of 500,000 rows and 10,000 columns")
    assert not (tmp_path / "out.csv").exists()


def test_xlsx_is_read_by_the_cells_it_holds(tmp_path):
    from mentorassess.io.tables import read_xlsx_grid

    grid = read_xlsx_grid(_far_cell_xlsx(tmp_path / "styled.xlsx", value=None), "styled.xlsx")
    assert grid.cells.shape == (2, 3)
    assert grid.row(0) == ["response_id", "mentor_id", "mca01"] and grid.row(1) == ["R1", "M001", "5"]


def test_xlsx_row_column_cell_and_size_limits(tmp_path, monkeypatch):
    from openpyxl import Workbook

    from mentorassess.errors import ImportFormatError
    from mentorassess.io import tables

    wb = Workbook()
    ws = wb.active
    for r in range(1, 31):
        for c in range(1, 21):
            ws.cell(r, c, f"v{r}-{c}")
    path = tmp_path / "t.xlsx"
    wb.save(path)
    assert tables.read_xlsx_grid(path, "t.xlsx").cells.shape == (30, 20)
    cases = [("MAX_XLSX_ROWS", 29, "T30"), ("MAX_XLSX_COLUMNS", 19, "T30"), ("MAX_XLSX_CELLS", 599, "600 cells"),
             ("MAX_XLSX_UNCOMPRESSED", 1000, "unpacks to")]
    for name, limit, needle in cases:
        with monkeypatch.context() as m:
            m.setattr(tables, name, limit)
            with pytest.raises(ImportFormatError) as info:
                tables.read_xlsx_grid(path, "t.xlsx")
        assert needle in str(info.value), (name, str(info.value))
    monkeypatch.setattr(tables, "available_memory", lambda: 10_000)
    with pytest.raises(ImportFormatError, match="needs about"):
        tables.read_xlsx_grid(path, "t.xlsx")


def test_xlsx_zip_bomb_is_refused_before_unpacking(tmp_path, monkeypatch):
    from mentorassess.errors import ImportFormatError
    from mentorassess.io import tables

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 50_000_000)  # 50 MB of spaces, ~50 kB zipped
    assert path.stat().st_size < 200_000
    monkeypatch.setattr(tables, "MAX_XLSX_UNCOMPRESSED", 10_000_000)  # the real limit scaled down 50 times
    with pytest.raises(ImportFormatError, match="unpacks to 50,000,001 bytes; the limit is 10,000,000"):
        tables.read_xlsx_grid(path, "bomb.xlsx")


# --- every listed case: a message and exit 2, or success ----------------------------------------------

def test_quote_and_backslash_in_an_export_file_name(tmp_path):
    cfg = H.write_program(tmp_path / "in", 3, extra="outputs: []\n")
    odd = 'we"ird\\name.csv'
    (cfg.parent / "responses.csv").rename(cfg.parent / odd)
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("path: responses.csv", "path: 'we\"ird\\name.csv'"),
                   encoding="utf-8")
    res = run_cli("run", str(cfg), "--out", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr[-2000:]
    audit = json.loads((tmp_path / "out" / "audit" / 'we"ird\\name.json').read_text(encoding="utf-8"))
    assert audit["source"] == odd and str(tmp_path) not in json.dumps(audit)


def test_exports_where_every_row_is_unmatched(tmp_path):
    cfg = H.write_program(tmp_path / "in", 3, ros=H.roster(3).assign(mentor_id=lambda d: "X" + d["mentor_id"]))
    res = run_cli("run", str(cfg), "--out", str(tmp_path / "out"))
    _refused(res, "no response is left to report on", "unmatched_mentor")
    res = run_cli("import", str(cfg.parent / "responses.csv"), "-i", "mca-26", "--roster",
                  str(cfg.parent / "roster.csv"), "-o", str(tmp_path / "r.csv"))
    _refused(res, "no response was kept", "unmatched_mentor")
    assert not (tmp_path / "out").exists() and not (tmp_path / "r.csv").exists()


def test_an_impossible_report_date_is_listed_with_the_other_problems(tmp_path):
    cfg = tmp_path / "program.yaml"
    cfg.write_text("program: P\ninstrument: mca-26\nreport_date: 2026-13-45\nmin_raters: 1\n"
                   "audience: {show_names: 'no'}\nexports:\n  - {path: missing.csv, role: mentee, wave: pre}\n",
                   encoding="utf-8")
    res = run_cli("run", str(cfg), "--out", str(tmp_path / "out"))
    _refused(res, "4 problem(s)", "program.yaml:3, report_date: report_date '2026-13-45' is not a date",
             "min_raters must be", "show_names must be true or false", "'missing.csv' does not exist")


def test_the_lock_is_reentrant_in_a_thread_but_not_across_threads(tmp_path):
    import threading

    from mentorassess._files import OutputBusyError, output_lock

    out = tmp_path / "out"
    errors = []
    with output_lock(out), output_lock(out):  # the same thread: run_program, then atomic_dir inside it
        t = threading.Thread(target=lambda: errors.append(_try_lock(out, output_lock, OutputBusyError)))
        t.start()
        t.join()
    assert errors == ["busy"]
    assert _try_lock(out, output_lock, OutputBusyError) == "ok" and not (tmp_path / ".out.lock").exists()


def _try_lock(out, output_lock, busy) -> str:
    try:
        with output_lock(out):
            return "ok"
    except busy:
        return "busy"
