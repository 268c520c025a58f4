"""The staff workbook read back with openpyxl: sheets, values, suppression, no formula anywhere."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from mentorassess.reports.workbook import SHEET_NAMES, workbook_readme, workbook_sheets, write_staff_workbook
from tests._program_helpers import EVIL_COMMENT, EVIL_NAME, REPORT_DATE, program_data


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    _, _, _, sc, prof, tables = program_data()
    path = tmp_path_factory.mktemp("wb") / "staff.xlsx"
    write_staff_workbook(prof, tables, path, report_date=REPORT_DATE, instrument_title="MCA")
    return path, load_workbook(path)


def _frame(ws) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    start = 1 if ws["A1"].font.i else 0  # a note line above the header
    return pd.DataFrame(rows[start + 1:], columns=rows[start])


def test_sheet_names_and_readme(written):
    _, wb = written
    assert wb.sheetnames == ["README", *SHEET_NAMES]
    readme = dict((r[0], r[1]) for r in wb["README"].iter_rows(min_row=2, values_only=True))
    assert readme["Report date"] == "2026-06-30"
    assert "at least 3 mentee responses" in readme["Confidentiality"]
    for name in SHEET_NAMES:
        assert name in readme


def test_no_formula_cell_anywhere(written):
    _, wb = written
    formulas = [f"{ws.title}!{c.coordinate}" for ws in wb for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
    errors = [f"{ws.title}!{c.coordinate}" for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "e"]
    assert errors == []


def test_formula_like_name_and_comment_are_text(written):
    path, wb = written
    names = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)
             and c.value.lstrip("'") == EVIL_NAME]
    comments = [c for c in wb["Comments for review"]["H"] if c.value == EVIL_COMMENT]
    # shown exactly as written (no visible apostrophe), typed as text with the quote-prefix style
    assert names and all(c.value == EVIL_NAME and c.data_type == "s" and c.quotePrefix for c in names)
    assert comments and comments[0].data_type == "s" and comments[0].quotePrefix
    # the raw sheet XML holds no <f> element at all
    import zipfile

    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(n) and b"<f " not in z.read(n)


def test_profiles_respect_suppression(written):
    _, wb = written
    _, _, _, _, prof, _ = program_data()
    from mentorassess.reports._workbook_labels import Labels
    from mentorassess.instruments import load_instrument

    df = _frame(wb["Mentor profiles"])
    sup = df[df["status"] != "shown"]
    assert len(sup) and sup["mentee_mean"].isna().all() and sup["mentee_n"].isna().all()
    assert sup["mentee_sd"].isna().all() and sup["pooled_ci_low"].isna().all()
    assert set(sup["status"]) <= {"not shown: fewer than 3 mentees responded", "not shown"}
    shown = df[df["status"] == "shown"].set_index(["mentor_id", "wave", "competency"])["mentee_mean"]
    api = Labels(load_instrument("mca-26")).frame(prof.competencies.dropna(subset=["mentee_mean"]))
    api = api.set_index(["mentor_id", "wave", "competency"])["mentee_mean"]
    assert len(shown) == len(api)
    assert shown.loc[api.index].to_numpy() == pytest.approx(api.to_numpy())


def test_benchmarks_change_and_subgroups_equal_the_api(written):
    _, wb = written
    _, _, _, _, prof, tables = program_data()
    bench = _frame(wb["Program benchmarks"])
    assert bench["mean"].astype(float).to_numpy() == pytest.approx(prof.program["mean"].to_numpy(), nan_ok=True)
    change = _frame(wb["Change"])
    api = pd.concat([c.to_frame() for c in tables.changes], ignore_index=True)
    for col in ("mean_diff", "ci_low", "ci_high", "d_z", "phi_dz", "share_improved"):
        assert change[col].astype(float).to_numpy() == pytest.approx(api[col].astype(float).to_numpy(), nan_ok=True)
    subs = _frame(wb["Subgroups"])
    hidden = subs[subs["status"] != "shown"]
    assert len(hidden) and hidden["mean"].isna().all() and hidden["n_mentors"].isna().all()
    assert set(hidden["status"]) == {"not shown"}  # one wording whatever the reason
    api_sub = tables.subgroups.table
    assert subs["mean"].astype(float).to_numpy() == pytest.approx(api_sub["mean"].to_numpy(), nan_ok=True)


def test_import_audit_and_item_statistics(written):
    _, wb = written
    audit = _frame(wb["Import audit"])
    row = audit.iloc[0]
    assert (row["source"], row["rows_read"], row["rows_kept"], row["rows_excluded"]) == ("qualtrics_mentee.csv", 212,
                                                                                       199, 13)
    assert row["rows_read"] == row["rows_kept"] + row["rows_excluded"]
    assert (row["incomplete"], row["preview"], row["duplicate"]) == (8, 2, 3)


def test_item_statistics_from_psychometric_summary_and_determinism(tmp_path):
    from mentorassess.reports.excel import workbook_bytes

    _, _, _, sc, prof, tables = program_data()
    items = pd.DataFrame({"item": ["mca01"], "label": ["=cmd"], "r_drop": [0.5]})
    sheets = workbook_sheets(prof, tables, item_statistics=items)
    readme = workbook_readme(prof, report_date=REPORT_DATE)
    a = workbook_bytes(sheets, readme=readme)
    assert a == workbook_bytes(workbook_sheets(prof, tables, item_statistics=items), readme=readme)
    path = tmp_path / "w.xlsx"
    path.write_bytes(a)
    ws = load_workbook(path)["Item statistics"]
    assert ws["B2"].value == "label" and ws["B3"].value == "=cmd" and ws["B3"].data_type == "s"
    assert ws["B3"].quotePrefix


def test_column_dictionary_frozen_ids_and_readable_labels(written):
    _, wb = written
    d = _frame(wb["Column dictionary"])
    for name in SHEET_NAMES[:-1]:
        ws = wb[name]
        header = [c.value for c in ws[2 if ws["A1"].font.i else 1]]
        listed = d[d["sheet"] == name]
        assert list(listed["column"]) == header, name
        assert listed["meaning"].map(lambda v: bool(v and str(v).strip())).all(), name
    assert wb["Mentors"].freeze_panes == "C3"           # mentor_id and name stay in view
    assert wb["Mentor items"].freeze_panes == "C3"
    assert wb["Comments for review"].freeze_panes == "E3"  # comment_no, response_id, mentor_id, name
    codes = {"blind_spot", "hidden_strength", "professional_development", "lowest_mentee_mean", "largest_gap"}
    seen = {str(c.value) for ws in wb if ws.title != "Column dictionary" for row in ws.iter_rows() for c in row}
    assert not codes & seen
    assert "Professional development" in seen or any("rofessional" in v for v in seen)


def test_participation_against_the_roster_and_review_flags(written):
    _, wb = written
    _, _, roster, _, prof, _ = program_data()
    part = _frame(wb["Participation"])
    assert set(part["invited"]) == {len(roster)}
    assert ((part["invited"] >= part["responded"]) & (part["responded"] >= part["released"])).all()
    assert part["response_rate"].astype(float).to_numpy() == pytest.approx(
        (part["responded"] / part["invited"]).astype(float).to_numpy())
    com = _frame(wb["Comments for review"])
    assert {"flag_name", "flag_email", "flag_phone", "flag_date", "flag_duplicate", "decision"} <= set(com.columns)
    dup = com[com["flag_duplicate"] == "yes"]
    assert len(dup) == int(prof.review["flags"].str.contains("duplicate").sum()) > 0
    assert com["decision"].isna().all()


def test_no_visible_apostrophe_anywhere(written):
    _, wb = written
    texts = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert texts and all(c.quotePrefix and c.data_type == "s" for c in texts)
    assert not [c.value for c in texts if c.value.startswith("'")]
