"""Issue 16 details: wave/role matching, dates, leading zeros, LimeSurvey and Microsoft Forms specifics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import DataError
from mentorassess.io import read_export
from mentorassess.io.labels import WaveSet, key
from mentorassess.io.roster import RosterIndex
from mentorassess.io.rows import parse_dates
from tests.test_import_corpus import CORPUS

BAD = CORPUS / "bad"


def test_wave_keys_ignore_case_spaces_dashes():
    assert key(" Follow-Up ") == key("follow_up") == key("FOLLOW up") == "follow_up"
    ws = WaveSet([type("W", (), {"id": "t1", "label": "Start of the program"})(), "t2"])
    assert ws.find("start  of the PROGRAM") == "t1" and ws.find("T2") == "t2" and ws.find("t3") is None


def test_standalone_import_keeps_unknown_wave_with_warning_and_counts_recodes():
    res = read_export(BAD / "wave_labels.csv", "mca-26", roster=BAD / "roster.csv")
    waves = res.responses["wave"].value_counts().to_dict()
    # The pre response relabelled "Post" now repeats its rater's post response: the later one is kept.
    assert waves == {"pre": 7, "post": 6, "midpoint": 1, "t3": 1}
    assert dict(res.report.rows_excluded) == {"duplicate": 1}
    assert res.report.recodes["wave 'Post' -> post"] == 1
    assert {w.value for w in res.report.warnings if w.code == "new-wave"} == {"midpoint", "t3"}


def test_declared_wave_labels_match_by_label(tmp_path):
    res = read_export(BAD / "pre_post.csv", "mca-26", roster=BAD / "roster.csv",
                      waves=[type("W", (), {"id": "baseline", "label": "pre"})(),
                             type("W", (), {"id": "end", "label": "Post"})()])
    assert set(res.responses["wave"]) == {"baseline", "end"}


def test_wave_constant_that_agrees_with_the_column_is_accepted(tmp_path):
    lines = (BAD / "pre_post.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "pre_only.csv"
    path.write_text("\n".join([lines[0]] + [ln for ln in lines[1:] if ",pre," in ln]) + "\n", encoding="utf-8")
    res = read_export(path, "mca-26", wave="PRE", role="mentee", roster=BAD / "roster.csv")
    assert set(res.responses["wave"]) == {"pre"} and len(res.responses) == 8


@pytest.mark.parametrize("texts,expected", [
    (["1/24/2020 12:10:04 AM", "1/24/2020 12:10:04 PM"], ["2020-01-24T00:10:04", "2020-01-24T12:10:04"]),
    (["7/2/20 11:00:22", "7/30/20 9:00:00"], ["2020-07-02T11:00:22", "2020-07-30T09:00:00"]),
    (["02.03.2025 10:00", "2025-03-05T10:00:00"], ["2025-03-02T10:00:00", "2025-03-05T10:00:00"]),
])
def test_local_dates_are_read_per_file(texts, expected):
    warnings = []
    assert list(parse_dates(pd.Series(texts), "t", "f.csv", warnings)) == expected


def test_ambiguous_dates_need_an_order():
    with pytest.raises(DataError, match="day/month or month/day"):
        parse_dates(pd.Series(["01/02/2025", "03/04/2025"]), "t", "f.csv", [])
    out = parse_dates(pd.Series(["01/02/2025", "03/04/2025"]), "t", "f.csv", [], order="dmy")
    assert list(out) == ["2025-02-01T00:00:00", "2025-04-03T00:00:00"]


def test_leading_zeros_restored_only_when_unique():
    idx = RosterIndex(pd.DataFrame({"mentor_id": ["0101", "00102", "0102", "7"], "name": ["A", "B", "C", "D"]}))
    assert idx.match("101")[:2] == ("0101", "id (leading zeros restored)")
    assert idx.match("102")[0] is None  # 00102 and 0102: ambiguous, never guessed
    assert idx.match("7")[:2] == ("7", "id")


def test_limesurvey_1980_submitdate_is_finished_without_a_time(tmp_path):
    src = (CORPUS / "limesurvey_full.csv").read_bytes().decode("utf-8-sig")
    first = src.split("\r\n")[1].split('","')[1]
    path = tmp_path / "ls.csv"
    path.write_text(src.replace(first, "1980-01-01 00:00:00", 1), encoding="utf-8")
    res = read_export(path, "mca-26", roster=CORPUS / "roster.csv")
    assert res.report.rows_excluded == {} and res.responses["submitted_at"].isna().sum() == 1
    assert any(w.code == "limesurvey-unknown-time" for w in res.report.warnings)


def test_ms_forms_anonymous_email_is_no_rater_id(tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(CORPUS / "ms_forms.xlsx")
    ws = wb.active
    for r in range(2, ws.max_row + 1):
        ws.cell(r, 4).value = "anonymous"
    path = tmp_path / "anon.xlsx"
    wb.save(path)
    res = read_export(path, "mca-26", roster=CORPUS / "roster.csv")
    assert res.responses["rater_id"].isna().all()
    assert any(w.code == "anonymous-responses" for w in res.report.warnings)
    assert res.report.rows_excluded == {}  # no e-mail: the earlier repeat can no longer be told apart
    assert np.isfinite(res.responses["mca01"]).any()
