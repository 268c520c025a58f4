"""Formula injection: hostile text in names, departments, comments and labels never becomes a formula.

Every workbook the package writes (staff workbook of `run` and `program`, `score -o x.xlsx`) is
reloaded with openpyxl: no cell is a formula (``data_type == 'f'``) or an error cell, no text cell
starts with = + - @ tab CR LF, and genuine negative numbers are numeric cells. Every CSV we write
(`import -o`, `score -o x.csv`, `sample`) is parsed: no field starts with a trigger unless it is a
plain number.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import pytest

from mentorassess.cli import main
from tests import _harden_helpers as H

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
EVIL = ["=HYPERLINK(\"http://x.test\",\"a\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "\nLF", "'quoted",
        "=1+2\";=1+2", "#N/A"]
NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def _evil_program(folder: Path) -> Path:
    k = 3
    mids = list(H.counts(k))
    names = {m: EVIL[i % len(EVIL)] + f" {m}" for i, m in enumerate(mids)}
    depts = {m: EVIL[(i + 3) % len(EVIL)] for i, m in enumerate(mids)}
    frame = H.responses(k, comment_text=lambda m, w, j: EVIL[j % len(EVIL)] + f" LEAK-{m}-{w}-{j}")
    (folder).mkdir(parents=True, exist_ok=True)
    (folder / "labels.yaml").write_text(
        "extends: mca-26\ntitle: '=Evil title'\nitems:\n  mca01: {label: '=cmd|/c calc'}\n  mca02: {label: '+SUM(1)'}\n"
        "  mca03: {label: '@evil'}\n  mca04: {label: '-1+2'}\n", encoding="utf-8")
    return H.write_program(folder, k, frame=frame, ros=H.roster(k, names=names, departments=depts),
                           instrument="labels.yaml")


def _check_xlsx(path: Path, *, ours: bool = True) -> int:
    """No formula or error cell. Our workbooks: every text cell is text with the quote-prefix style and
    shows no added apostrophe; a survey-tool imitation (``ours=False``) carries the CSV-style escape."""
    from openpyxl import load_workbook

    cells = [(ws.title, c) for ws in load_workbook(path).worksheets for row in ws.iter_rows() for c in row
             if c.value is not None]
    assert cells
    negatives = 0
    for sheet, c in cells:
        value, where = c.value, (path.name, sheet, c.coordinate, c.value)
        assert c.data_type not in ("f", "e"), where
        if isinstance(value, str):
            if ours:
                assert c.data_type == "s" and c.quotePrefix, where
                assert not (value.startswith("'") and value[1:].startswith(TRIGGERS)), where  # no visible '
            else:
                assert not value.startswith(TRIGGERS), where
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            negatives += 1
    with zipfile.ZipFile(path) as z:  # and no formula element anywhere in the sheet XML
        for n in z.namelist():
            if n.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(n) and b"<f " not in z.read(n), (path.name, n)
    return negatives


def _check_csv(path: Path) -> None:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for rec in csv.reader(fh):
            for field in rec:
                if field.startswith(TRIGGERS):
                    assert NUMBER.match(field), (path.name, field)


@pytest.fixture(scope="module")
def evil(tmp_path_factory):
    return _evil_program(tmp_path_factory.mktemp("evil") / "in")


def test_run_staff_workbook_has_no_formula(evil, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", str(evil), "--out", str(tmp_path / "out"), "--jobs", "1"])
    assert exc.value.code in (0, None), capsys.readouterr().err
    negatives = _check_xlsx(tmp_path / "out" / "staff_workbook.xlsx")
    assert negatives > 0                      # gaps below zero stay numbers
    values = [str(v) for _, _, v, _ in H.workbook_cells(tmp_path / "out" / "staff_workbook.xlsx")]
    # the hostile text as staff typed it: no apostrophe in sight, and no formula either
    assert any(v.startswith("=HYPERLINK") for v in values) and any(v.startswith("@SUM(A1) T") for v in values)
    assert any(v.startswith("+1+1") for v in values) and any(v.startswith("'quoted") for v in values)
    assert not any(v.startswith(("'=", "'+", "'@", "'-")) for v in values)


def test_score_and_program_outputs_have_no_formula(evil, tmp_path, capsys):
    resp, roster = evil.parent / "responses.csv", evil.parent / "roster.csv"
    labels = str(evil.parent / "labels.yaml")
    for argv in (["score", str(resp), "-i", labels, "--roster", str(roster), "-o", str(tmp_path / "s.xlsx")],
                 ["score", str(resp), "-i", labels, "--roster", str(roster), "-o", str(tmp_path / "s.csv")],
                 ["program", str(resp), "--instrument", labels, "--roster", str(roster), "--out", str(tmp_path / "p")],
                 ["import", str(resp), "--instrument", labels, "--format", "generic", "-o", str(tmp_path / "i.csv")]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code in (0, None), (argv[0], capsys.readouterr().err)
    assert _check_xlsx(tmp_path / "s.xlsx") > 0
    assert _check_xlsx(tmp_path / "p" / "staff_workbook.xlsx") > 0
    csvs = [tmp_path / "i.csv", *sorted((tmp_path / "s").glob("*.csv"))]
    assert len(csvs) > 5
    for p in csvs:
        _check_csv(p)
    # the input responses file (written by our own writer) is inert too, and the round trip exact
    _check_csv(resp)
    from mentorassess.io.canonical import read_csv

    back = read_csv(tmp_path / "i.csv")
    assert any(str(t).startswith("=HYPERLINK") for t in back["comment_strengths"].dropna())


def test_sample_csvs_are_inert(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["sample", "--out", str(tmp_path), "--mentors", "6"])
    assert exc.value.code in (0, None)
    files = sorted(tmp_path.glob("*.csv"))
    assert files
    for p in files:
        _check_csv(p)
    _check_xlsx(tmp_path / "qualtrics_self.xlsx", ours=False)  # imitates a survey tool's export
