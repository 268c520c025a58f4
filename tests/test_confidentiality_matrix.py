"""Confidentiality matrix: the real pipeline, every output, for rater counts 0 .. min_raters + 1.

For min_raters 3 and 4, with and without comments, a generated program (tests/_harden_helpers.py)
runs through ``mentorassess run``. Every output is searched for planted markers: no comment of a
suppressed mentor/wave outside the staff workbook's review sheet, no rater id, no submission time
anywhere; suppressed feedback reports are identical whatever the count (0, 1 or 2 mentees) and
whatever the suppressed mentees answered; shown comments come in text order, not submission order.

What the staff workbook may hold (decided here, README "Confidentiality and data protection"):
names, response counts, every comment with its response_id (for review and exclusion), pooled
item statistics; never a suppressed mentee mean/SD/score, a rater id or a submission time.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests import _harden_helpers as H
from mentorassess.cli import main

COMBOS = [(3, True), (3, False), (4, True), (4, False)]
CHECKED: list[int] = []


def _run(cfg: Path, out: Path, capsys) -> tuple[str, str]:
    with pytest.raises(SystemExit) as exc:
        main(["run", str(cfg), "--out", str(out), "--jobs", "1"])
    cap = capsys.readouterr()
    assert exc.value.code in (0, None), cap.err
    return cap.out, cap.err


def _texts(out: Path) -> dict[str, str]:
    """Every output as searchable text (PDF text, JSON, workbook cells sheet by sheet)."""
    texts = {}
    for p in sorted(out.rglob("*")):
        if not p.is_file():
            continue
        rel = str(p.relative_to(out))
        if p.suffix == ".pdf":
            texts[rel] = H.pdf_text(p)
        elif p.suffix == ".docx":
            texts[rel] = H.docx_text(p)
        elif p.suffix == ".xlsx":
            by_sheet: dict[str, list[str]] = {}
            for sheet, _, value, _ in H.workbook_cells(p):
                by_sheet.setdefault(sheet, []).append(str(value))
            for sheet, values in by_sheet.items():
                texts[f"{rel}#{sheet}"] = "\n".join(values)
        else:
            texts[rel] = p.read_text(encoding="utf-8")
    return texts


def _norm(text: str, mid: str) -> str:
    # a mentor's own goals (self-assessment comment) are shown to that mentor only
    return (text.replace(f"Mentor {mid}", "Mentor X").replace(f"GOAL-{mid}-", "GOAL-X-")
            .replace("Small Dept", "Dept").replace("Big Dept", "Dept"))


def _suppressed_variant(mid: str, wave: str, j: int, k: int) -> str:
    return f"CHANGED-{mid}-{wave}-{j}" if H.counts(k)[mid][wave] < k else f"{'mzaqkxe'[j]} LEAK-{mid}-{wave}-{j}"


@pytest.mark.parametrize("k,comments", COMBOS, ids=[f"min{k}-{'comments' if c else 'nocomments'}" for k, c in COMBOS])
def test_matrix(k, comments, tmp_path, capsys):
    # comments at the report threshold here (default 5): the matrix checks comments around k
    cfg = H.write_program(tmp_path / "in", k, comments=comments, extra=f"min_raters_comments: {k}\n")
    stdout, stderr = _run(cfg, tmp_path / "out", capsys)
    texts = _texts(tmp_path / "out")
    texts["<stdout>"], texts["<stderr>"] = stdout, stderr
    counts = H.counts(k)
    suppressed = {(m, w) for m, c in counts.items() for w, n in c.items() if n < k}
    assert {(m, w) for m, c in counts.items() for w, n in c.items() if 0 < n < k} <= suppressed
    summary = json.loads(texts["run-summary.json"])
    assert {(s["mentor_id"], s["wave"]) for s in summary["suppressed_reports"]} == suppressed

    review = "staff_workbook.xlsx#Comments for review"
    checked = 0
    for name, text in texts.items():
        # never anywhere: rater ids, submission times
        assert "RATERX" not in text, name
        assert "03:47" not in text, name
        for mid, per_wave in counts.items():
            for wave, n in per_wave.items():
                checked += 1
                if (mid, wave) in suppressed and name != review:
                    assert f"LEAK-{mid}-{wave}-" not in text, (name, mid, wave)
                    assert f"GROW-{mid}-{wave}-" not in text, (name, mid, wave)
        if name.startswith("psychometrics/") or name.startswith("audit/") or name == "run-summary.json":
            assert "LEAK-" not in text and "GROW-" not in text and "GOAL-" not in text, name
    if not comments:
        assert not any("LEAK-" in t or "GROW-" in t for t in texts.values())

    # a self-assessment comment appears in no other mentor's report
    for name, text in texts.items():
        if name.startswith("feedback/") and name.endswith(".pdf"):
            owner = name.removeprefix("feedback/").split("_")[0].upper()
            assert not [g for g in re.findall(r"GOAL-(\w+)-", text) if g != owner], name

    # feedback PDFs: every suppressed report of a wave reads the same (no count, value or comment)
    for wave in ("pre", "post"):
        bodies = {_norm(texts[f"feedback/{m.lower()}_mentor-{m.lower()}_{wave}.pdf"], m)
                  for m, w in suppressed if w == wave}
        assert len(bodies) == 1, wave
        body = bodies.pop()
        assert f"Fewer than {k} of your mentees responded" in body
        for m, per_wave in counts.items():
            n = per_wave[wave]
            text = texts[f"feedback/{m.lower()}_mentor-{m.lower()}_{wave}.pdf"]
            if n >= k and comments:
                found = re.findall(rf"([a-z]) LEAK-{m}-{wave}-(\d)", text)
                assert len(found) == n, (m, wave)
                assert [f[0] for f in found] == sorted(f[0] for f in found)          # text order
                assert [int(f[1]) for f in found] != sorted(int(f[1]) for f in found)  # not submission order
                assert [int(f[1]) for f in found] != sorted((int(f[1]) for f in found), reverse=True)
    CHECKED.append(checked)

    # differential: change everything the suppressed mentees answered; no published number moves
    frame = H.responses(k, comments=comments, shift_suppressed=3,
                        comment_text=lambda m, w, j: _suppressed_variant(m, w, j, k))
    cfg2 = H.write_program(tmp_path / "in2", k, comments=comments, frame=frame, extra=f"min_raters_comments: {k}\n")
    _run(cfg2, tmp_path / "out2", capsys)
    texts2 = _texts(tmp_path / "out2")
    for name, text in texts.items():
        if name.startswith(("feedback/", "program_summary")):
            assert texts2[name] == text, name
        elif name.startswith("staff_workbook.xlsx#") and not name.endswith(("Comments for review",
                                                                              "Item statistics")):
            assert texts2[name] == text, name
    for p in (tmp_path / "out").rglob("feedback/*.pdf"):
        assert p.read_bytes() == (tmp_path / "out2" / p.relative_to(tmp_path / "out")).read_bytes(), p.name


def test_matrix_cells_counted():
    """Documents the size of the matrix (outputs x mentor-waves searched) when run with the matrix."""
    if CHECKED:
        assert sum(CHECKED) > 1000
