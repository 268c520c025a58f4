"""Issue 16 item 4: survey files from an instrument, and exports of the surveys built from them.

Each test writes the survey file with ``mentorassess survey``, reads it back as the tool would
(the REDCap dictionary's fields, the .qsf's questions and embedded data, the LimeSurvey structure's
questions and sub-questions), writes an export of that survey in the tool's documented export
layout from the corpus truth table, and imports it with ``read_export`` and no mapping: every
cell must equal the truth.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorassess.cli import main
from mentorassess.instruments import load_instrument
from mentorassess.io import read_export
from mentorassess.io.writers import _META

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
INS = load_instrument("mca-26")
ITEMS = list(INS.item_ids)
COMMENTS = ["comment_strengths", "comment_growth", "comment_goals"]


def _truth(role="mentee") -> pd.DataFrame:
    t = pd.read_csv(CORPUS / "truth.csv", dtype=str, keep_default_na=False)
    return t[t.rater_role == role].reset_index(drop=True)


def _answer(t, i, item, style):
    v = t[item][i]
    if item in t["na_items"][i].split():
        return {"code": "8", "label": "N/A", "ls": "NA"}[style]
    if v == "":
        return ""
    if style == "label":
        c = int(v)
        return f"{c} - {INS.scale.labels[c]}" if c in INS.scale.labels else str(c)
    return v


def _csv(rows, delimiter=",") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _survey(tmp_path: Path, tool: str, *extra: str) -> Path:
    out = tmp_path / {"redcap": "proj_DataDictionary.csv", "qualtrics": "mca.qsf", "limesurvey": "mca.txt"}[tool]
    with pytest.raises(SystemExit) as exc:
        main(["survey", "mca-26", "--tool", tool, "-o", str(out), *extra])
    assert exc.value.code in (0, None)
    return out


def _check(res, t, *, comments=COMMENTS, rater=True, order=None):
    got = res.responses.reset_index(drop=True)
    want = t if order is None else t.iloc[order].reset_index(drop=True)
    assert len(got) == len(want)
    assert got.mentor_id.tolist() == want.mentor_id.tolist()
    assert got.wave.tolist() == want.wave.tolist()
    assert got.rater_role.tolist() == want.rater_role.tolist()
    if rater:
        assert got.rater_id.tolist() == want.rater_id.tolist()
    for it in ITEMS:
        exp = pd.to_numeric(want[it].replace("", np.nan)).to_numpy(float)
        np.testing.assert_array_equal(got[it].to_numpy(float), exp, err_msg=it)
    for c in comments:
        assert got[c].fillna("").tolist() == want[c].tolist(), c
    assert sum(res.report.non_substantive.values()) == sum(len(s.split()) for s in want.na_items)
    assert dict(res.report.out_of_range) == {}


# ------------------------------------------------------------------ REDCap

def _redcap_fields(dict_path: Path) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(dict_path.read_text(encoding="utf-8"))))
    return rows


@pytest.mark.parametrize("labels", [False, True])
def test_redcap_dictionary_round_trip(tmp_path, labels):
    d = _survey(tmp_path, "redcap")
    fields = _redcap_fields(d)
    assert [f["Variable / Field Name"] for f in fields[:4]] == ["record_id", "mentor_id", "rater_role", "wave"]
    assert len(list(csv.reader(io.StringIO(d.read_text(encoding="utf-8"))))[0]) == 18
    form = fields[0]["Form Name"]
    t = _truth()
    names = [f["Variable / Field Name"] for f in fields] + [f"{form}_complete"]
    heads = [f["Field Label"] for f in fields] + ["Complete?"]
    body = []
    for i in range(len(t)):
        row = []
        for f in fields:
            name = f["Variable / Field Name"]
            if name == "record_id":
                row.append(t.response_id[i])
            elif name == "mentor_id":
                row.append(t.mentor_id[i])
            elif name in ("rater_role", "wave"):
                row.append(t[name][i])
            elif name in ITEMS:
                row.append(_answer(t, i, name, "label" if labels else "code"))
            else:
                row.append(t[name][i])
        row.append("Complete" if labels else "2")
        body.append(row)
    export = tmp_path / ("proj_DATA_LABELS.csv" if labels else "proj_DATA.csv")
    export.write_bytes(_csv([heads if labels else names] + body))
    res = read_export(export, "mca-26", dictionary=d)
    _check(res, t, comments=[c for c in COMMENTS if any(f["Variable / Field Name"] == c for f in fields)],
           rater=False)
    assert res.responses.response_id.tolist() == t.response_id.tolist()


def test_redcap_fixed_wave_is_a_hidden_default(tmp_path):
    d = _survey(tmp_path, "redcap", "--wave", "post", "--form", "self")
    fields = _redcap_fields(d)
    wave = next(f for f in fields if f["Variable / Field Name"] == "wave")
    assert wave["Field Type"] == "text" and '@DEFAULT="post"' in wave["Field Annotation"]
    role = next(f for f in fields if f["Variable / Field Name"] == "rater_role")
    assert '@DEFAULT="self"' in role["Field Annotation"]


# ------------------------------------------------------------------ Qualtrics

def _qsf_questions(qsf: Path) -> tuple[list[dict], list[dict]]:
    doc = json.loads(qsf.read_text(encoding="utf-8"))
    assert set(doc) == {"SurveyEntry", "SurveyElements"}
    els = doc["SurveyElements"]
    sq = {e["PrimaryAttribute"]: e["Payload"] for e in els if e["Element"] == "SQ"}
    block = next(e for e in els if e["Element"] == "BL")["Payload"][0]
    questions = [sq[b["QuestionID"]] for b in block["BlockElements"]]
    flow = next(e for e in els if e["Element"] == "FL")["Payload"]["Flow"]
    embedded = [x for f in flow if f["Type"] == "EmbeddedData" for x in f["EmbeddedData"]]
    return questions, embedded


@pytest.mark.parametrize("choice_text", [True, False])
def test_qualtrics_qsf_round_trip(tmp_path, choice_text):
    qsf = _survey(tmp_path, "qualtrics")
    questions, embedded = _qsf_questions(qsf)
    assert sum(len(q.get("Choices", {})) for q in questions if q["QuestionType"] == "Matrix") == 26
    assert {e["Field"] for e in embedded} == {"mentor_id", "wave", "rater_role"}
    t = _truth()
    # The export layout of Qualtrics (three header rows): metadata, then questions in block order
    # (matrix rows TAG_k, ImportId QIDn_k; text entry TAG, ImportId QIDn_TEXT), then embedded data.
    names, texts, iids, cells = [m[0] for m in _META], [m[1] for m in _META], [m[2] for m in _META], []
    for q in questions:
        if q["QuestionType"] == "Matrix":
            for k in q["ChoiceOrder"]:
                names.append(f"{q['DataExportTag']}_{k}")
                texts.append(f"{q['QuestionText']} - {q['Choices'][k]['Display']}")
                iids.append(json.dumps({"ImportId": f"{q['QuestionID']}_{k}"}))
        else:
            names.append(q["DataExportTag"])
            texts.append(q["QuestionText"])
            iids.append(json.dumps({"ImportId": f"{q['QuestionID']}_TEXT"}))
    for e in embedded:
        names.append(e["Field"])
        texts.append(e["Field"])
        iids.append(json.dumps({"ImportId": e["Field"]}))
    by_text = {it.wording: it.id for it in INS.items}
    for i in range(len(t)):
        end = t.submitted_at[i].replace("T", " ")
        row = [end, end, "IP Address" if choice_text else "0", "10.0.0.1", "100", "600",
               "True" if choice_text else "1", end, t.response_id[i], t.rater_id[i], "email", "EN"]
        for q in questions:
            if q["QuestionType"] == "Matrix":
                for k in q["ChoiceOrder"]:
                    item = by_text[q["Choices"][k]["Display"]]
                    code = _answer(t, i, item, "code")
                    row.append(q["Answers"][code]["Display"] if choice_text and code else code)
            else:
                row.append(t[q["DataExportTag"]][i])
        values = {"mentor_id": t.mentor_id[i], "wave": t.wave[i]}
        for e in embedded:
            row.append(e.get("Value", values.get(e["Field"], "")))
        cells.append(row)
    export = tmp_path / "export.csv"
    export.write_bytes(b"\xef\xbb\xbf" + _csv([names, texts, iids] + cells))
    mapping = None
    if not choice_text:  # numeric exports carry the N/A recode value, declared in a one-line mapping
        mapping = tmp_path / "m.yaml"
        mapping.write_text("values: {8: na}\n", encoding="utf-8")
    res = read_export(export, "mca-26", mapping=mapping)
    _check(res, t, comments=[q["DataExportTag"] for q in questions if q["QuestionType"] == "TE"])


# ------------------------------------------------------------------ LimeSurvey

def _ls_structure(path: Path) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter="\t"))
    assert {"class", "type/scale", "name", "text", "language"} <= set(rows[0])
    return rows


@pytest.mark.parametrize("headings", ["code", "full"])
def test_limesurvey_structure_round_trip(tmp_path, headings):
    path = _survey(tmp_path, "limesurvey")
    rows = _ls_structure(path)
    # questions in order, each with its sub-questions and answers
    qs: list[dict] = []
    for r in rows:
        if r["class"] == "Q":
            qs.append({"code": r["name"], "type": r["type/scale"], "text": r["text"], "sq": [], "answers": {}})
        elif r["class"] == "SQ":
            qs[-1]["sq"].append((r["name"], r["text"]))
        elif r["class"] == "A":
            qs[-1]["answers"][r["name"]] = r["text"]
    assert [q["code"] for q in qs[:3]] == ["mentorid", "role", "wave"]
    assert sum(len(q["sq"]) for q in qs) == 26
    t = _truth()
    if headings == "code":
        head = ["id", "submitdate", "lastpage", "startlanguage", "seed"]
    else:
        head = ["Response ID", "Date submitted", "Last page", "Start language", "Seed"]
    for q in qs:
        if q["type"] == "F":
            head += [f"{q['code']}[{c}]" if headings == "code" else f"{q['text']} [{txt}]" for c, txt in q["sq"]]
        else:
            head.append(q["code"] if headings == "code" else q["text"])
    body = []
    for i in range(len(t)):
        row = [str(i + 1), t.submitted_at[i].replace("T", " "), "2", "en", str(100 + i)]
        for q in qs:
            if q["type"] == "F":
                for c, _txt in q["sq"]:
                    code = _answer(t, i, c, "ls")
                    row.append(q["answers"][code] if headings == "full" and code else code)
            elif q["code"] == "mentorid":
                row.append(t.mentor_id[i])
            elif q["code"] == "role":
                row.append("mentee")
            elif q["code"] == "wave":
                row.append(t.wave[i])
            else:
                cid = next(c for c in COMMENTS if c.replace("_", "") == q["code"])
                row.append(t[cid][i])
        body.append(row)
    export = tmp_path / "results.csv"
    export.write_bytes(b"\xef\xbb\xbf" + _csv([head] + body) + b"\r\n")
    res = read_export(export, "mca-26")
    # Code headings cannot carry the comment ids (LimeSurvey codes are letters and digits only).
    _check(res, t, comments=COMMENTS[:2] if headings == "full" else [], rater=False)


def test_survey_files_are_deterministic_and_bad_options_exit_2(tmp_path, capsys):
    for tool in ("redcap", "qualtrics", "limesurvey"):
        a = _survey(tmp_path / "a", tool).read_bytes()
        b = _survey(tmp_path / "b", tool).read_bytes()
        assert a == b
    for args in (["--tool", "surveymonkey"], ["--tool", "redcap", "--form", "boss"],
                 ["--tool", "redcap", "--wave", "midpoint"]):
        with pytest.raises(SystemExit) as exc:
            main(["survey", "mca-26", "-o", str(tmp_path / "x.csv"), *args])
        assert exc.value.code == 2
    assert not (tmp_path / "x.csv").exists()
