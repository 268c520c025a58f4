"""Differential tests of the release layer: what the rules withhold changes no byte a reader gets.

A program P (tests/_harden_helpers.py, min_raters 3) runs through ``mentorassess run``; each
neighbour P' adds or changes only something the rules must withhold:

- an earlier repeat submission by a rater of a released mentor (R1),
- a self form filed as a mentee rating (R2),
- a near-empty response (R3),
- a comment of a mentor with fewer raters than ``min_raters_comments`` (R4/R12).

Every feedback PDF (bytes), the program summary (bytes) and the released sheets of the staff
workbook (cell values) must be identical between P and P'. The staff-only sheets (comments for
review, import audit, pooled item statistics, responses not counted) may differ, and must.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests import _harden_helpers as H
from mentorassess.cli import main

K = 3
# "Column dictionary" lists the columns of the staff-only sheets too (e.g. "Not counted" gains its columns
# when a response is set aside), so it is staff-only like them.
STAFF_ONLY = ("Comments for review", "Import audit", "Item statistics", "Not counted", "Column dictionary")


def _run(cfg: Path, out: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", str(cfg), "--out", str(out), "--jobs", "1"])
    cap = capsys.readouterr()
    assert exc.value.code in (0, None), cap.err


def _released(out: Path) -> dict[str, object]:
    got: dict[str, object] = {}
    for p in sorted(out.rglob("*.pdf")):
        rel = str(p.relative_to(out))
        if not rel.startswith("psychometrics"):  # pooled over all responses, outside the release layer
            got[rel] = p.read_bytes()
    for p in sorted(out.rglob("*.docx")):
        got[str(p.relative_to(out))] = H.docx_text(p)
    sheets: dict[str, list] = {}
    for sheet, ref, value, _ in H.workbook_cells(out / "staff_workbook.xlsx"):
        if sheet not in STAFF_ONLY:
            sheets.setdefault(sheet, []).append((ref, value))
    got.update({f"workbook#{s}": v for s, v in sheets.items()})
    return got


def _row(base: pd.Series, **change) -> dict:
    r = base.to_dict()
    r.update(change)
    return r


def _variants(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    mentee = frame[frame["rater_role"] == "mentee"]
    f1 = mentee[mentee["mentor_id"] == "F1"].iloc[0]
    f2 = mentee[mentee["mentor_id"] == "F2"].iloc[0]
    t1 = mentee[(mentee["mentor_id"] == "T3") & (mentee["wave"] == "pre")].iloc[0]
    items = {i: 1.0 for i in H.ITEMS}
    repeat = _row(f1, response_id="EXTRA1", submitted_at="2025-01-01T09:00:00", comment_strengths="REPEAT-SECRET",
                  **items)
    own = _row(f2, response_id="EXTRA2", rater_id="f2", comment_strengths="OWN-FORM-SECRET", **items)
    sparse = _row(t1, response_id="EXTRA3", rater_id="RATERX99999", comment_strengths="SPARSE-SECRET",
                  **{i: (7.0 if i == "mca01" else None) for i in H.ITEMS})
    changed = frame.copy()
    # T3/pre has 3 raters (< min_raters_comments = 5): its comments are withheld, so changing them moves nothing
    sel = (changed["mentor_id"] == "T3") & (changed["wave"] == "pre") & (changed["rater_role"] == "mentee")
    changed.loc[sel, "comment_strengths"] = "CHANGED-SECRET"
    def plus(row):  # the extra row in the frame's dtypes (an all-missing column stays float, as in frame)
        assert set(row) <= set(frame.columns)
        extra = pd.DataFrame([row], columns=frame.columns).astype(frame.dtypes.to_dict())
        return pd.concat([frame, extra], ignore_index=True)

    return {"repeat": plus(repeat), "self_as_mentee": plus(own), "near_empty": plus(sparse),
            "withheld_comment": changed}


def test_withheld_inputs_change_no_released_byte(tmp_path, capsys):
    frame = H.responses(K)
    base_cfg = H.write_program(tmp_path / "base", K, frame=frame)
    _run(base_cfg, tmp_path / "out-base", capsys)
    base = _released(tmp_path / "out-base")
    assert any(k.startswith("feedback/") for k in base) and "program_summary.pdf" in base
    for name, variant in _variants(frame).items():
        cfg = H.write_program(tmp_path / name, K, frame=variant)
        _run(cfg, tmp_path / f"out-{name}", capsys)
        other = _released(tmp_path / f"out-{name}")
        assert other.keys() == base.keys(), name
        changed = [k for k in base if base[k] != other[k]]
        assert not changed, (name, changed)
        # the staff workbook does record what was set aside
        review = [v for s, _, v, _ in H.workbook_cells(tmp_path / f"out-{name}" / "staff_workbook.xlsx")
                  if s in STAFF_ONLY]
        assert review
