"""Values, row rules, roster matching, the audit invariant, mapping drafts and output safety."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mentorassess.cli import main
from mentorassess.errors import ConfigError, DataError
from mentorassess.instruments import load_instrument
from mentorassess.io import ImportAuditError, ImportReport, read_export, read_roster
from mentorassess.io.roster import RosterIndex, normalise_name
from mentorassess.io.values import ValueRules, convert_column

MCA = load_instrument("mca-26")
ITEMS = list(MCA.item_ids)


def _rules(**kw):
    return ValueRules.build(MCA, **kw)


@pytest.mark.parametrize("raw,code", [
    ("7 - Extremely skilled", 7), ("7 = Extremely skilled", 7), ("EXTREMELY\u00a0skilled", 7),
    ("  not at all skilled ", 1), ("4 \u2013 Moderately skilled", 4), ("5", 5), ("5.0", 5), (" 6 ", 6),
])
def test_labels_and_numbers_as_text(raw, code):
    cv = convert_column(pd.Series([raw]), _rules())
    assert cv.codes[0] == code and not cv.unknown


@pytest.mark.parametrize("raw", ["N/A", "n/a", "Not applicable", "Don\u2019t know", "DON'T KNOW"])
def test_non_substantive(raw):
    cv = convert_column(pd.Series([raw, "3"]), _rules())
    assert np.isnan(cv.codes[0]) and cv.non_substantive[0] and not cv.non_substantive[1]


def test_out_of_range_unknown_and_mapped_values():
    cv = convert_column(pd.Series(["9", "0", "Very skilled", "", "-99"]), _rules(missing_codes=["-99"]))
    assert list(cv.out_of_range) == [True, True, False, False, False]
    assert cv.unknown == {"Very skilled": 1}
    assert cv.non_substantive[4] and cv.answered == 4
    cv = convert_column(pd.Series(["Very skilled", "99"]), _rules(value_map={"very skilled": 6, 99: "na"}))
    assert cv.codes[0] == 6 and cv.non_substantive[1]


def test_spss_style_value_labels_make_a_code_non_substantive():
    cv = convert_column(pd.Series(["8", "7"]), _rules(), labels={"8": "Not applicable"})
    assert cv.non_substantive[0] and cv.codes[1] == 7


def _generic(tmp_path, rows, extra_cols=()):
    cols = ["response_id", "mentor", "rater_role", "wave", "rater_id", "submitted_at", *ITEMS, *extra_cols]
    df = pd.DataFrame(rows, columns=cols)
    path = tmp_path / "g.csv"
    df.to_csv(path, index=False)
    return path


def _row(rid, mentor="M001", rater="E1", when="2025-01-01T10:00:00", value="5", wave="pre"):
    return [rid, mentor, "mentee", wave, rater, when] + [value] * 26


@pytest.fixture()
def roster(tmp_path):
    p = tmp_path / "roster.csv"
    p.write_text("mentor_id,name,email,department,cohort,trained\nM001,Jordan Smith,js@x.edu,Med,2024,yes\n"
                 "M002,Zofia Wiśniewska,zw@x.edu,PH,2025,no\nM003,Ana Smith,as@x.edu,PH,2025,1\n", encoding="utf-8")
    return p


def test_read_roster(roster):
    df = read_roster(roster)
    assert list(df.columns) == ["mentor_id", "name", "email", "department", "cohort", "trained"]
    assert df["trained"].tolist() == [True, False, True]


def test_roster_matching_by_id_email_and_name_never_guesses(tmp_path, roster):
    rows = [_row("a", "M001", "E1"), _row("b", "zw@X.edu", "E2"), _row("c", "Wisniewska, Zofia", "E3"),
            _row("d", "Dr. Smith", "E4"), _row("e", "M0001", "E5"), _row("f", "", "E6")]
    res = read_export(_generic(tmp_path, rows), "mca-26", roster=roster)
    assert res.responses["mentor_id"].tolist() == ["M001", "M002", "M002"]
    assert res.report.rows_excluded == {"unmatched_mentor": 3}
    hints = " ".join(w.hint or "" for w in res.report.warnings)
    assert "'Jordan Smith' (M001)" in hints and "'Ana Smith' (M003)" in hints
    assert dict(res.report.mentor_matches) == {"id": 1, "email": 1, "name": 1}


def test_normalise_name():
    assert normalise_name("Prof. WIŚNIEWSKA, Zofia") == normalise_name("zofia wisniewska")


def test_duplicates_keep_latest_and_options(tmp_path):
    rows = [_row("a", when="2025-01-02T10:00:00", value="3"), _row("b", when="2025-01-03T10:00:00", value="4"),
            _row("c", rater="E2")]
    path = _generic(tmp_path, rows)
    res = read_export(path, "mca-26")
    assert res.responses["response_id"].tolist() == ["b", "c"]
    assert res.report.excluded == ((2, "duplicate", "a"),)
    res = read_export(path, "mca-26", options={"duplicates": "keep_first"})
    assert res.responses["response_id"].tolist() == ["a", "c"]
    assert read_export(path, "mca-26", options={"duplicates": "keep_all"}).report.rows_kept == 3
    with pytest.raises(ConfigError, match="keep_latest"):
        read_export(path, "mca-26", options={"duplicates": "average"})


def test_anonymous_exact_repeats(tmp_path):
    rows = [_row("a", rater=""), _row("b", rater=""), _row("c", rater="", value="4")]
    res = read_export(_generic(tmp_path, rows), "mca-26")
    assert res.report.rows_excluded == {"duplicate_submission": 1}
    assert res.responses["response_id"].tolist() == ["a", "c"]


def test_incomplete_and_no_items(tmp_path):
    partial = _row("p", rater="E2")
    partial[6 + 10:] = [""] * 16
    rows = [_row("a"), partial, _row("n", rater="E3", value="")]
    cols_extra = ("Finished",)
    rows = [r + [f] for r, f in zip(rows, ["1", "0", "1"])]
    path = _generic(tmp_path, rows, cols_extra)
    res = read_export(path, "mca-26")
    assert res.report.rows_excluded == {"incomplete": 1, "no_items_answered": 1}
    assert read_export(path, "mca-26", options={"incomplete_min_answered": 0.3}).report.rows_kept == 2


def test_flags_and_exclusion_of_straightliners(tmp_path):
    rows = [_row(str(i), rater=f"E{i}", value=str(1 + i % 7)) for i in range(4)]
    rows[0][6:] = [str(1 + k % 7) for k in range(26)]
    path = _generic(tmp_path, rows)
    res = read_export(path, "mca-26")
    assert res.responses["flag_straightline"].tolist() == [False, True, True, True]
    res = read_export(path, "mca-26", options={"exclude_straightliners": True})
    assert res.report.rows_excluded == {"straightliner": 3}


def test_audit_invariant_is_checked_in_code():
    with pytest.raises(ImportAuditError):
        ImportReport(source="x", sha256="", format="generic", encoding=None, instrument="mca-26", rows_read=5,
                     rows_kept=3, rows_excluded={"test": 1}, responses_produced=4, responses_kept=3,
                     responses_excluded={"test": 1}, excluded=((1, "test", "a"),))


def test_report_to_dict_is_json_and_has_no_comment_text(tmp_path):
    rows = [_row("a") + ["=SECRET comment"], _row("b", rater="E2", mentor="") + ["SECRET 2"]]
    res = read_export(_generic(tmp_path, rows, ["comment_strengths"]), "mca-26")
    text = json.dumps(res.report.to_dict())
    assert "SECRET" not in text
    frame = res.report.to_frame()
    assert set(frame.columns) == {"section", "key", "count"}


def test_cli_output_escapes_formulas_and_keeps_input(tmp_path, capsys):
    rows = [_row("a") + ["=HYPERLINK(\"x\")"]]
    path = _generic(tmp_path, rows, ["comment_strengths"])
    before = path.read_bytes()
    with pytest.raises(SystemExit) as exc:
        main(["import", str(path), "--instrument", "mca-26", "-o", str(tmp_path / "o.csv"),
              "--report", str(tmp_path / "r.json")])
    assert exc.value.code in (0, None)
    assert "'=HYPERLINK" in (tmp_path / "o.csv").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["rows_kept"] == 1
    assert path.read_bytes() == before
    with pytest.raises(SystemExit) as exc:
        main(["import", str(path), "--instrument", "mca-26", "-o", str(path)])
    assert exc.value.code == 2 and path.read_bytes() == before


def test_write_mapping_drafts_and_marks_guesses(tmp_path, capsys, root):
    sample = root / "data" / "sample" / "qualtrics_mentee.csv"
    text = sample.read_text(encoding="utf-8-sig").replace("- Listens actively", "- Listening actively")
    edited = tmp_path / "edited.csv"
    edited.write_text(text, encoding="utf-8")
    draft = tmp_path / "draft.yaml"
    with pytest.raises(SystemExit) as exc:
        main(["import", str(edited), "--instrument", "mca-26", "--write-mapping", str(draft)])
    assert exc.value.code in (0, None)
    content = draft.read_text(encoding="utf-8")
    assert 'mca01: "Q4_1"   # confidence: medium (clearly the closest text' in content
    assert 'mca02: "Q4_2"   # confidence: high (exact text)' in content
    assert "\nconfirm:" not in content  # nothing left to confirm: usable as is
    assert "role: mentee" in content
    # The reviewed draft imports the file.
    res = read_export(edited, "mca-26", mapping=draft, roster=root / "data" / "sample" / "roster.csv")
    assert res.report.rows_kept == 321


def test_mapping_for_another_instrument_is_refused(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("instrument: met-13\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not 'mca-26'"):
        read_export(_generic(tmp_path, [_row("a")]), "mca-26", mapping=m)


def test_unknown_labels_listed_with_counts(tmp_path):
    rows = [_row("a", value="Very skilled"), _row("b", rater="E2")]
    rows[1][7] = "Quite"
    with pytest.raises(DataError) as exc:
        read_export(_generic(tmp_path, rows), "mca-26")
    msg = str(exc.value)
    assert "column 'mca02': unknown answer label 'Quite' in 1 row(s)" in msg
    assert "'Very skilled'" in msg and "off the scale" in msg


def test_mapping_by_import_id_with_test_rows_and_roles(root, tmp_path):
    d = root / "data" / "sample"
    m = tmp_path / "m.yaml"
    m.write_text("columns:\n  mentor: mentor_id\n  rater_id: ExternalReference\nroles: {}\nrole: mentee\n"
                 "test_rows:\n  - {column: ExternalReference, values: [E0001]}\nitems:\n"
                 + "".join(f"  {it}: QID4_{k + 1}\n" for k, it in enumerate(ITEMS)), encoding="utf-8")
    res = read_export(d / "qualtrics_mentee.csv", "mca-26", mapping=m, roster=d / "roster.csv")
    rep = res.report
    assert rep.rows_excluded["test"] >= 2  # the Survey Test row plus rater E0001's responses
    assert rep.column_map["mca01"] == "Q4_1 (mapping)"
    assert "E0001" not in set(res.responses["rater_id"])
    assert rep.rows_read == rep.rows_kept + sum(rep.rows_excluded.values())
