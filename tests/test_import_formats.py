"""Formats and encodings: Qualtrics variants, UTF-16 TSV, cp1252, legacy layout, loop & merge, REDCap raw."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import ImportFormatError
from mentorassess.io import read_export
from mentorassess.io import writers
from mentorassess.sample import generate

KEY = ["wave", "mentor_id", "rater_role", "rater_id"]


@pytest.fixture(scope="module")
def program():
    return generate(seed=3, n_mentors=6)


@pytest.fixture(scope="module")
def mentee(program):
    r = program.responses
    mask = (r.rater_role == "mentee").to_numpy()
    return r[mask].reset_index(drop=True), program.not_applicable[mask].reset_index(drop=True)


def _rows(program, mentee, choice_text=True):
    resp, na = mentee
    return writers.qualtrics_rows(resp, na, program.instrument, "mentee", choice_text=choice_text, seed=1)


def _text(rows, delimiter=","):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def _same(res, mentee, ins):
    resp, _ = mentee
    cols = ["response_id", "mentor_id", "rater_role", "wave", "rater_id", "submitted_at", *ins.item_ids]
    g = res.responses.sort_values(KEY).reset_index(drop=True)[cols]
    e = resp.sort_values(KEY).reset_index(drop=True)[cols]
    pd.testing.assert_frame_equal(g, e, check_dtype=False)


@pytest.mark.parametrize("encoding,delimiter,label", [
    ("utf-16", "\t", "utf-16-le (BOM)"),
    ("utf-8-sig", ",", "utf-8-sig"),
    ("utf-8", ";", "utf-8"),
    ("cp1252", ",", "cp1252"),
])
def test_qualtrics_encodings_and_delimiters(program, mentee, tmp_path, encoding, delimiter, label):
    header, body = _rows(program, mentee)
    header[1][0] = header[1][0] + " \u2019caf\u00e9\u2019"  # non-ASCII header text survives cp1252
    path = tmp_path / "export.tsv"
    path.write_bytes(_text(header + body, delimiter).encode(encoding))
    res = read_export(path, "mca-26")
    assert res.report.encoding == label
    _same(res, mentee, program.instrument)


def test_numeric_qualtrics_without_na_map_stops_with_suggested_mapping(program, mentee, tmp_path):
    # Issue 16: code 8 (N/A) in several item columns is a code, not a typo: the import stops and
    # suggests the values: mapping (it used to set them to missing with warnings and exit 0).
    from mentorassess.errors import DataError

    header, body = _rows(program, mentee, choice_text=False)
    path = tmp_path / "numeric.csv"
    path.write_text(_text(header + body), encoding="utf-8")
    with pytest.raises(DataError, match="off-scale code") as exc:
        read_export(path, "mca-26")
    assert "values: {8: na}" in str(exc.value)
    mapping = tmp_path / "m.yaml"
    mapping.write_text("values: {8: na}\n", encoding="utf-8")
    res = read_export(path, "mca-26", mapping=mapping)
    _, na = mentee
    assert sum(res.report.non_substantive.values()) == int(na.to_numpy().sum())
    assert sum(res.report.out_of_range.values()) == 0
    _same(res, mentee, program.instrument)


def test_legacy_two_row_layout(program, mentee, tmp_path):
    header, body = _rows(program, mentee)
    names, texts = header[0], header[1]
    legacy1 = [f"V{k + 1}" if k < 12 else names[k] for k in range(len(names))] + [""]
    legacy2 = [("ResponseID" if n == "ResponseId" else n) if k < 12 else texts[k] for k, n in enumerate(names)] + [""]
    path = tmp_path / "legacy.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _text([legacy1, legacy2] + [r + [""] for r in body]).encode("utf-8"))
    res = read_export(path, "mca-26")
    assert res.report.format == "qualtrics-legacy"
    _same(res, mentee, program.instrument)


def test_header_rows_deleted_is_accepted_with_warning(program, mentee, tmp_path):
    header, body = _rows(program, mentee)
    names = header[0][:12] + list(program.instrument.item_ids) + header[0][38:]
    path = tmp_path / "edited.csv"
    path.write_text(_text([names] + body), encoding="utf-8")
    res = read_export(path, "mca-26", role="mentee")
    assert any(w.code == "qualtrics-no-header-rows" for w in res.report.warnings)
    _same(res, mentee, program.instrument)


def test_format_override(program, mentee, tmp_path):
    header, body = _rows(program, mentee)
    path = tmp_path / "x.csv"
    path.write_text(_text(header + body), encoding="utf-8")
    generic = tmp_path / "g.csv"
    generic.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="not a Qualtrics export"):
        read_export(generic, "mca-26", format="qualtrics")
    assert read_export(path, "mca-26", format="qualtrics").report.format == "qualtrics"


def test_loop_and_merge_one_row_rates_several_mentors(program, tmp_path):
    ins = program.instrument
    meta = ["ResponseId", "Finished", "EndDate", "ExternalReference", "wave"]
    names = list(meta)
    for loop in (1, 2):
        names += [f"{loop}_mentor"] + [f"{loop}_Q4_{k + 1}" for k in range(26)] + [f"{loop}_Q5"]
    rows = []
    rng = np.random.default_rng(0)
    expected = []
    for r in range(4):
        row = [f"R_{r}", "1", f"2025-10-0{r + 1} 10:00:00", f"E{r}", "post"]
        for loop in (1, 2):
            if r == 3 and loop == 2:  # this respondent had one mentor only
                row += [""] * 28
                continue
            vals = rng.integers(1, 8, 26)
            row += [f"M00{loop + r % 2}"] + [str(v) for v in vals] + [f"=note {loop}"]
            expected.append((f"R_{r}_{loop}", f"M00{loop + r % 2}", list(vals.astype(float))))
        rows.append(row)
    texts = list(names)
    iids = [json.dumps({"ImportId": n}) for n in names]
    path = tmp_path / "loop.csv"
    path.write_text(_text([names, texts, iids] + rows), encoding="utf-8")
    mapping = tmp_path / "loop.yaml"
    mapping.write_text("role: mentee\nloop: {iterations: [1, 2], prefix: '{i}_'}\ncolumns:\n  mentor: mentor\n"
                       "  rater_id: ExternalReference\nitems:\n"
                       + "".join(f"  {it}: Q4_{k + 1}\n" for k, it in enumerate(ins.item_ids))
                       + "comments:\n  comment_strengths: Q5\n", encoding="utf-8")
    res = read_export(path, "mca-26", mapping=mapping)
    rep = res.report
    assert rep.rows_read == 4 and rep.rows_kept == 4
    assert rep.responses_produced == 7 == rep.responses_kept
    got = res.responses.set_index("response_id")
    for rid, mid, vals in expected:
        assert got.loc[rid, "mentor_id"] == mid
        assert list(got.loc[rid, list(ins.item_ids)]) == vals
    assert set(got["comment_strengths"]) == {"=note 1", "=note 2"}


def test_redcap_raw_export_with_checkbox_and_repeats(program, tmp_path):
    ins = program.instrument
    dd = tmp_path / "p_DataDictionary.csv"
    lines = [["Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
              "Choices, Calculations, OR Slider Labels"] + ["x"] * 12,
             ["study_id", "rating", "", "text", "Study ID", ""] + [""] * 12,
             ["mentor_id", "rating", "", "text", "Mentor", ""] + [""] * 12,
             ["topics", "rating", "", "checkbox", "Topics", "1, Grants | -4, Other"] + [""] * 12]
    lines += [[it, "rating", "", "radio", ins.item(it).label, "1, Low|2, 2|3, 3|4, Mid|5, 5|6, 6|7, High|99, N/A"]
              + [""] * 12 for it in ins.item_ids]
    dd.write_text(_text(lines), encoding="utf-8")
    head = ["study_id", "redcap_repeat_instrument", "redcap_repeat_instance", "mentor_id", "topics___1",
            "topics____4"] + list(ins.item_ids) + ["rating_complete"]
    body = [["1", "", "", "", "0", "0"] + [""] * 26 + [""],
            ["1", "rating", "1", "M001", "1", "0"] + ["5"] * 25 + ["99"] + ["2"],
            ["1", "rating", "2", "M002", "0", "1"] + ["7"] * 26 + ["2"],
            ["2", "rating", "1", "M001", "0", "0"] + ["3"] * 10 + ["NASK"] + [""] * 15 + ["0"]]
    data = tmp_path / "p_DATA_2026.csv"
    data.write_text(_text([head] + body), encoding="utf-8")
    res = read_export(data, "mca-26", role="mentee", wave="post", mapping=_write(tmp_path, "missing_codes: [NASK]\n"))
    rep = res.report
    assert rep.format == "redcap"
    assert dict(rep.rows_excluded) == {"no_items_answered": 1, "incomplete": 1}
    assert list(res.responses["response_id"]) == ["1-rating-1", "1-rating-2"]
    assert rep.non_substantive["mca26"] == 1  # code 99 is labelled N/A in the dictionary


def _write(tmp_path, text):
    p = tmp_path / "m.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_speeders_flagged_and_status_channel_warnings(program, mentee, tmp_path):
    header, body = _rows(program, mentee, choice_text=False)
    col = {n: j for j, n in enumerate(header[0])}
    body[0][col["Duration (in seconds)"]] = "20"
    body[1][col["Status"]] = "4"
    body[2][col["DistributionChannel"]] = "carrier-pigeon"
    path = tmp_path / "q.csv"
    path.write_text(_text(header + body), encoding="utf-8")
    res = read_export(path, "mca-26", mapping=_write(tmp_path, "values: {8: na}\n"))
    flagged = res.responses.set_index("response_id")["flag_speeder"]
    assert flagged[body[0][col["ResponseId"]]] and flagged.sum() == 1
    codes = {w.code for w in res.report.warnings}
    assert {"imported-responses", "unknown-channel"} <= codes
    assert res.report.rows_kept == len(body)
    res = read_export(path, "mca-26", mapping=_write(tmp_path, "values: {8: na}\noptions: {exclude_speeders: true}\n"))
    assert res.report.rows_excluded == {"speeder": 1}


def test_generic_xlsx_with_excel_dates_and_mojibake_warning(program, tmp_path):
    from openpyxl import Workbook

    ins = program.instrument
    wb = Workbook()
    ws = wb.active
    ws.append(["response_id", "mentor_id", "rater_role", "wave", "rater_id", "submitted_at", *ins.item_ids,
               "comment_strengths"])
    import datetime as dt

    ws.append(["a", "M001", "mentee", "pre", "E1", dt.datetime(2025, 9, 1, 8, 30), *[5] * 26, "CafÃ© talk"])
    ws.append(["b", "M001", "mentee", "pre", "E2", dt.datetime(2025, 9, 2, 9, 0), *["6"] * 26, None])
    path = tmp_path / "g.xlsx"
    wb.save(path)
    res = read_export(path, "mca-26")
    assert res.report.format == "generic" and res.report.sheet == "Sheet"
    assert res.responses["submitted_at"].tolist() == ["2025-09-01T08:30:00", "2025-09-02T09:00:00"]
    assert res.responses["mca01"].tolist() == [5.0, 6.0]
    csv_path = tmp_path / "m.csv"
    csv_path.write_text("response_id,mentor_id,rater_role,wave,rater_id," + ",".join(ins.item_ids)
                        + "\nr1,M001,mentee,pre,E1," + ",".join(["5"] * 26) + "\nr2,M001,mentee,pre,E2,5",
                        encoding="utf-8")
    # Issue 16: a last row cut off (fewer fields, no final line break) is refused, not kept as complete.
    with pytest.raises(ImportFormatError, match="the export was cut off"):
        read_export(csv_path, "mca-26")
    csv_path.write_text(csv_path.read_text(encoding="utf-8") + "," * 25, encoding="utf-8")
    short = read_export(csv_path, "mca-26")  # all fields present, no final line break: a warning
    assert any(w.code == "no-final-newline" for w in short.report.warnings)
    assert short.report.rows_excluded == {"incomplete": 1}  # 1 of 26 answered, no Finished column
    csv_path.write_text("response_id,mentor_id,rater_role,wave,rater_id,comment_strengths," + ",".join(ins.item_ids)
                        + "\nr1,M001,mentee,pre,E1,CafÃ©," + ",".join(["5"] * 26) + "\n", encoding="utf-8")
    assert any(w.code == "mojibake" for w in read_export(csv_path, "mca-26").report.warnings)


def test_draft_mapping_for_redcap_labels_uses_dictionary(root, tmp_path):
    from mentorassess.io.detect import read_table
    from mentorassess.io.draft import draft_mapping
    from mentorassess.io.redcap import read_dictionary
    from mentorassess.instruments import load_instrument

    d = root / "data" / "sample"
    rc = read_dictionary(d / "redcap_mentee_DataDictionary.csv")
    table = read_table(d / "redcap_mentee_DATA_LABELS.csv", "x.csv", dictionary=rc)
    text = draft_mapping(table, load_instrument("mca-26"), dictionary=d / "redcap_mentee_DataDictionary.csv",
                         base=d)
    assert 'mca01: "mca01"' in text and 'wave: "redcap_event_name"' in text
    assert '"UNK":' in text  # the undeclared missing-data code is listed for review


def test_dictionary_beside_a_generic_export_is_not_forced_on_it(root, tmp_path):
    import shutil

    d = root / "data" / "sample"
    shutil.copy(d / "generic_pre.csv", tmp_path / "proj_DATA.csv")
    shutil.copy(d / "redcap_mentee_DataDictionary.csv", tmp_path / "proj_DataDictionary.csv")
    res = read_export(tmp_path / "proj_DATA.csv", "mca-26")
    assert res.report.format == "generic"
    assert not any(w.code == "dictionary-found" for w in res.report.warnings)
    shutil.copy(d / "redcap_mentee_DATA_LABELS.csv", tmp_path / "proj_DATA.csv")
    res = read_export(tmp_path / "proj_DATA.csv", "mca-26", role="mentee",
                      mapping=_write(tmp_path, "missing_codes: [UNK]\n"))
    assert res.report.format == "redcap"
    assert any(w.code == "dictionary-found" for w in res.report.warnings)


def test_header_below_title_rows_is_found(program, tmp_path):
    from openpyxl import Workbook

    ins = program.instrument
    wb = Workbook()
    ws = wb.active
    ws.append(["Mentor survey, spring wave"])
    ws.append([])
    ws.append(["response_id", "mentor_id", "rater_role", "wave", "rater_id", *ins.item_ids])
    ws.append(["a", "M001", "mentee", "pre", "E1", *[4] * 26])
    path = tmp_path / "titled.xlsx"
    wb.save(path)
    res = read_export(path, "mca-26")
    assert res.responses["source_row"].tolist() == [4]
    assert any(w.code == "header-not-first" for w in res.report.warnings)


def test_blank_lines_are_skipped_and_row_numbers_stay_true(program, tmp_path):
    ins = program.instrument
    head = "response_id,mentor_id,rater_role,wave,rater_id," + ",".join(ins.item_ids)
    line = "{},M001,mentee,pre,{}," + ",".join(["5"] * 26)
    path = tmp_path / "blank.csv"
    path.write_text("\n".join([head, line.format("a", "E1"), "", line.format("b", "E2"), ""]) + "\n",
                    encoding="utf-8")
    res = read_export(path, "mca-26")
    assert res.responses["source_row"].tolist() == [2, 4]
    assert res.report.rows_read == 2
    assert any(w.code == "blank-rows" for w in res.report.warnings)
