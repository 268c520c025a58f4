"""Comment review round trip: staff mark a comment "exclude" in the workbook; the next run drops it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from mentorassess.cli import main
from mentorassess.release.review import read_comment_review
from tests import _harden_helpers as H

K = 3


def _run(cfg: Path, out: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", str(cfg), "--out", str(out), "--jobs", "1"])
    assert exc.value.code in (0, None), capsys.readouterr().err


def _feedback_text(out: Path) -> str:
    return "\n".join(H.pdf_text(p) for p in sorted((out / "feedback").rglob("*.pdf")))


def _review_rows(path: Path):
    ws = load_workbook(path)["Comments for review"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[1])
    return ws, header, [dict(zip(header, r)) for r in rows[2:]]


def _mark(path: Path, text: str, word: str = "exclude") -> None:
    wb = load_workbook(path)
    ws = wb["Comments for review"]
    header = [c.value for c in ws[2]]
    col_text, col_dec = header.index("text") + 1, header.index("decision") + 1
    for r in range(3, ws.max_row + 1):
        if ws.cell(r, col_text).value == text:
            ws.cell(r, col_dec).value = word
    wb.save(path)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("review")
    cfg = H.write_program(base / "in", K, extra="outputs: [feedback, workbook]\n")
    out = base / "out"
    with pytest.raises(SystemExit) as exc:
        main(["run", str(cfg), "--out", str(out), "--jobs", "1"])
    assert exc.value.code in (0, None)
    _, _, rows = _review_rows(out / "staff_workbook.xlsx")
    shown = [r for r in rows if r["shown_in_feedback"] and r["question"] == "comment_strengths"]
    assert shown and "decision" in rows[0] and all(r["decision"] is None for r in rows)
    return cfg, out, shown[0]


def test_marked_comment_is_excluded_on_the_next_run(first_run, tmp_path, capsys):
    cfg, out0, target = first_run
    out = tmp_path / "out"
    shutil.copytree(out0, out)
    assert target["text"] in _feedback_text(out)
    _mark(out / "staff_workbook.xlsx", target["text"])
    _run(cfg, out, capsys)                        # same output folder: the last workbook is read back
    text = _feedback_text(out)
    assert target["text"] not in text
    # only that comment: the same response's other comment is still shown
    sibling = target["text"].replace("LEAK", "GROW")
    assert sibling in text
    _, _, rows = _review_rows(out / "staff_workbook.xlsx")
    again = [r for r in rows if r["text"] == target["text"]]
    assert again and again[0]["decision"] == "exclude" and not again[0]["shown_in_feedback"]
    assert sum(r["decision"] == "exclude" for r in rows) == 1
    # a third run keeps the decision (carried into each new workbook)
    _run(cfg, out, capsys)
    assert target["text"] not in _feedback_text(out)


def test_comment_review_key_in_the_config(first_run, tmp_path, capsys):
    cfg, out0, target = first_run
    marked = tmp_path / "reviewed.xlsx"
    shutil.copy(out0 / "staff_workbook.xlsx", marked)
    _mark(marked, target["text"], "Exclude ")
    cfg2 = cfg.parent / "program2.yaml"
    cfg2.write_text(cfg.read_text(encoding="utf-8") + f"comment_review: {marked}\n", encoding="utf-8")
    _run(cfg2, tmp_path / "fresh", capsys)        # a new folder: the decision comes from the config key
    assert target["text"] not in _feedback_text(tmp_path / "fresh")
    assert read_comment_review(marked).exclude == (f"{target['response_id']}#comment_strengths",)


def test_unreadable_decision_is_an_error_naming_the_cell(first_run, tmp_path, capsys):
    cfg, out0, target = first_run
    out = tmp_path / "out"
    shutil.copytree(out0, out)
    _mark(out / "staff_workbook.xlsx", target["text"], "exclued")
    with pytest.raises(SystemExit) as exc:
        main(["run", str(cfg), "--out", str(out), "--jobs", "1"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "exclued" in err and "Comments for review!" in err and "Traceback" not in err
    assert (out / "staff_workbook.xlsx").is_file()  # the earlier outputs are untouched
