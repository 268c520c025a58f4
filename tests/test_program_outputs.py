"""Issue 19 bugs: `mentorassess program` writes a Word copy only with --docx; the comment-review
workbook is not an input of the run's checksum (editing it does not change the run's inputs)."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from mentorassess.cli import main
from tests import _harden_helpers as H


@pytest.fixture(scope="module")
def program_inputs(tmp_path_factory):
    from mentorassess.io.canonical import write_csv
    from tests._program_helpers import program_data

    base = tmp_path_factory.mktemp("prog")
    _, responses, roster, *_ = program_data()
    write_csv(responses, base / "responses.csv")
    write_csv(roster, base / "roster.csv")
    return base


def _program(base: Path, out: Path, *extra: str) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(SystemExit) as exc:
            main(["program", str(base / "responses.csv"), "--instrument", "mca-26", "--roster",
                  str(base / "roster.csv"), "--out", str(out), "--report-date", "2026-06-30", *extra])
    assert exc.value.code in (0, None)
    return sorted(p.name for p in out.iterdir())


def test_program_writes_no_docx_unless_asked(program_inputs, tmp_path):
    assert _program(program_inputs, tmp_path / "a") == ["program_summary.pdf", "staff_workbook.xlsx"]
    files = _program(program_inputs, tmp_path / "b", "--docx")
    assert files == ["program_summary.docx", "program_summary.pdf", "staff_workbook.xlsx"]
    from docx import Document

    text = "\n".join(p.text for p in Document(str(tmp_path / "b" / "program_summary.docx")).paragraphs)
    assert "Program summary" in text or "program" in text.lower()


def test_program_docx_refuses_to_overwrite_an_input(program_inputs, tmp_path):
    """--docx adds its file to the output check: an input at that path is never replaced."""
    out = tmp_path / "c"
    out.mkdir()
    shutil.copy(program_inputs / "responses.csv", out / "program_summary.docx")
    with pytest.raises(SystemExit) as exc:
        main(["program", str(out / "program_summary.docx"), "--instrument", "mca-26", "--out", str(out), "--docx"])
    assert exc.value.code == 2


def test_comment_review_is_not_an_input_of_the_checksum(tmp_path, capsys):
    base = tmp_path / "in"
    cfg = H.write_program(base, 3, extra="outputs: [workbook]\n")
    sums = []
    for i, name in enumerate(("program.yaml", "program2.yaml")):
        out = tmp_path / f"out{i}"
        with pytest.raises(SystemExit) as exc:
            main(["run", str(base / name), "--out", str(out), "--jobs", "1"])
        assert exc.value.code in (0, None), capsys.readouterr().err
        sums.append(json.loads((out / "run-summary.json").read_text(encoding="utf-8")))
        if i == 0:  # staff review the first run's workbook; the second run reads it through the config key
            shutil.copy(out / "staff_workbook.xlsx", base / "reviewed.xlsx")
            (base / "program2.yaml").write_text(cfg.read_text(encoding="utf-8") + "comment_review: reviewed.xlsx\n",
                                                encoding="utf-8")
    assert "comment review" not in capsys.readouterr().err  # the run read it without complaint
    paths = [[Path(x["path"]).name for x in s["inputs"]] for s in sums]
    assert paths[1][0] == "program2.yaml" and "responses.csv" in paths[1]
    assert not any(p.endswith(".xlsx") for p in paths[1])  # the review workbook is not hashed as an input
    rest = [[x for x in s["inputs"] if not x["path"].endswith(".yaml")] for s in sums]
    assert rest[0] == rest[1]  # apart from the config, the same inputs with the same checksums
