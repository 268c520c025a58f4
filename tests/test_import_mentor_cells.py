"""Mentor cells: an empty column and ids a spreadsheet turned into numbers are refused; without a
roster every non-empty cell is taken as the mentor id."""

from __future__ import annotations

import pytest

from mentorassess.errors import DataError
from mentorassess.instruments import load_instrument
from mentorassess.io import read_export

MCA = load_instrument("mca-26")
HEAD = "response_id,mentor_id,rater_role,wave,rater_id," + ",".join(MCA.item_ids)


def _file(tmp_path, mentors):
    lines = [HEAD] + [f"R{i},{m},mentee,pre,E{i}," + ",".join(["5"] * 26) for i, m in enumerate(mentors)]
    path = tmp_path / "e.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("cell", ["1.23E+05", "4e7", "2,5E3"])
def test_scientific_notation_id_is_refused(tmp_path, cell):
    path = _file(tmp_path, ["M1", "M2", f'"{cell}"', "M1"])
    with pytest.raises(DataError) as err:
        read_export(path, "mca-26")
    prob = err.value.problems[0]
    assert prob.code == "mangled-id" and prob.row == 4 and prob.value == cell


def test_ids_with_e_that_are_not_numbers_pass(tmp_path):
    res = read_export(_file(tmp_path, ["E1", "Mae", "1E", "e+5"]), "mca-26")
    assert sorted(res.responses["mentor_id"]) == ["1E", "E1", "Mae", "e+5"]


def test_empty_mentor_column_is_refused(tmp_path):
    with pytest.raises(DataError, match="is empty in all 3 row"):
        read_export(_file(tmp_path, ["", " ", ""]), "mca-26")


def test_without_roster_cells_are_ids_and_empty_cells_unmatched(tmp_path):
    res = read_export(_file(tmp_path, [" M1 ", "", "M2", "M1"]), "mca-26")
    assert res.responses["mentor_id"].tolist() == ["M1", "M2", "M1"]
    assert res.report.rows_excluded.get("unmatched_mentor") == 1
