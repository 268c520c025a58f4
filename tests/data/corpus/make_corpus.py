"""Write the import corpus of this folder: survey exports of eight tools built from one truth table.

Usage: ``python tests/data/corpus/make_corpus.py [OUT_DIR]`` (default: this folder). The output is
byte-identical on every run (fixed seed, fixed workbook times); ``tests/test_import_corpus.py``
rebuilds it in a temporary folder and compares, then imports every export and compares it with
``truth.csv`` cell by cell and its audit with the rows planted (``expected.json``).

``truth.csv`` holds 20 responses (16 mentee: 8 mentees x pre/post; 4 self, pre) of MCA-26 with
N/A answers (listed in ``na_items``) and a few skipped items. Each export holds a subset of the
truth (its ``select``) written the way the tool writes it, plus planted rows the import must
exclude (previews, partial responses, earlier repeats), counted in ``expected.json``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from mentorassess.instruments import load_instrument  # noqa: E402
from mentorassess.io import writers  # noqa: E402

INS = load_instrument("mca-26")
ITEMS = list(INS.item_ids)
LABELS = [it.label for it in INS.items]
ANCHORS = dict(INS.scale.labels)
MENTORS = [("0101", "Zofia Wiśniewska", "z.wisniewska@uni.example"), ("0102", "Kwame Mensah", "k.mensah@uni.example"),
           ("0103", "Ana Lima", "a.lima@uni.example"), ("0104", "Jordan Smith", "j.smith@uni.example")]
STEM = {"mentee": INS.forms["mentee"].stem, "self": INS.forms["self"].stem}
PROMPT = {oe.id: oe.prompt for oe in INS.open_ended}
COMMENTS = ["Listens, then asks good questions", "Clear feedback on drafts", "", "Très patient", "",
            "Shares her network", "", "Honest and kind"]


def truth() -> tuple[pd.DataFrame, np.ndarray]:
    """The 20 true responses and their N/A mask."""
    rng = np.random.default_rng(16)
    rows, na_rows = [], []
    k = 0
    for wave, month, year in (("pre", 9, 2025), ("post", 3, 2026)):
        for i in range(8):
            k += 1
            day = [3, 14, 7, 21, 11, 28, 5, 16][i] + (1 if wave == "post" else 0)
            rows.append({"response_id": f"R_{wave}{i + 1:02d}", "mentor_id": MENTORS[i % 4][0], "rater_role": "mentee",
                         "wave": wave, "rater_id": f"e{i + 1:02d}@uni.example",
                         "submitted_at": dt.datetime(year, month, day, 8 + i, 5 * i, 0).strftime("%Y-%m-%dT%H:%M:%S"),
                         "comment_strengths": COMMENTS[(i + (wave == "post")) % 8],
                         "comment_growth": "More regular meetings" if i % 3 == 0 else "", "comment_goals": ""})
    for m in range(4):
        rows.append({"response_id": f"R_self{m + 1:02d}", "mentor_id": MENTORS[m][0], "rater_role": "self",
                     "wave": "pre", "rater_id": MENTORS[m][2],
                     "submitted_at": dt.datetime(2025, 9, 2 + 4 * m, 17, m, 0).strftime("%Y-%m-%dT%H:%M:%S"),
                     "comment_strengths": "", "comment_growth": "", "comment_goals": "Give feedback more often"
                     if m != 2 else ""})
    df = pd.DataFrame(rows)
    vals = np.clip(np.rint(rng.normal(5.4, 1.2, size=(len(df), 26))), 1, 7)
    na = rng.random((len(df), 26)) < 0.07
    skip = (rng.random((len(df), 26)) < 0.03) & ~na
    vals[na | skip] = np.nan
    for j, item in enumerate(ITEMS):
        df[item] = vals[:, j]
    df["na_items"] = [" ".join(ITEMS[j] for j in np.flatnonzero(na[i])) for i in range(len(df))]
    return df, na


# ---------------------------------------------------------------- helpers

def csv_bytes(rows, *, delimiter=",", bom=False, eol="\r\n", quote_all=False, encoding="utf-8") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=eol,
                   quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    w.writerows(rows)
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" if bom else b"") + data


def xlsx_bytes(rows, merges=()) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str):
                c.data_type = "s"
    return writers.deterministic_xlsx_bytes(wb)


def stamp(iso: str) -> dt.datetime:
    return dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S")


def answer(v: float, na: bool, style: str):
    """One answer cell: ``code`` (numbers, N/A as text), ``label`` (anchor text), ``codes8`` (N/A = 8)."""
    if np.isnan(v):
        if not na:
            return ""
        return {"codes8": "8", "A": "A8", "label": "N/A", "code": "N/A", "NA": "NA"}[style]
    c = int(v)
    if style == "label":
        return f"{c} - {ANCHORS[c]}" if c in ANCHORS else str(c)
    if style == "A":
        return f"A{c}"
    return str(c)


def answers(df, na, i, style):
    return [answer(df[it].iat[i], bool(na[i, j]), style) for j, it in enumerate(ITEMS)]


def partial(row_cells: list, first_item: int, n_answered: int = 6) -> list:
    row = list(row_cells)
    for j in range(26):
        row[first_item + j] = "5" if j < n_answered else ""
    return row


# ---------------------------------------------------------------- tools

def qualtrics(df, na, sel, *, choice_text=True):
    sub = df[sel].reset_index(drop=True)
    header, body = writers.qualtrics_rows(sub.drop(columns="na_items"), pd.DataFrame(na[sel]), INS, "mentee",
                                          choice_text=choice_text, seed=5)
    return header, body


def write_qualtrics_csv(df, na, out):
    sel = ((df.rater_role == "mentee") & (df.wave == "pre")).to_numpy()
    header, body = qualtrics(df, na, sel)
    first = header[0].index("Q4_1")
    preview = list(body[0])
    preview[2], preview[8], preview[10] = "Survey Preview", "R_preview1", "preview"
    part = partial(body[1], first)
    part[6], part[4], part[8], part[9] = "False", "23", "R_partial1", "e99@uni.example"
    (out / "qualtrics_text.csv").write_bytes(csv_bytes(header + body + [preview, part], bom=True))
    return {"qualtrics_text.csv": {"select": {"rater_role": "mentee", "wave": "pre"}, "tool": "Qualtrics",
                                   "excluded": {"preview": 1, "incomplete": 1}}}


def write_qualtrics_numeric(df, na, out):
    sel = ((df.rater_role == "mentee") & (df.wave == "post")).to_numpy()
    header, body = qualtrics(df, na, sel, choice_text=False)
    (out / "qualtrics_numeric.csv").write_bytes(csv_bytes(header + body, bom=True))
    (out / "qualtrics_numeric.mapping.yaml").write_text("values: {8: na}\n", encoding="utf-8")
    # The same export with recode values in display order: N/A = 1, then 1-7 as 2-8.
    shifted = [list(r) for r in body]
    first = header[0].index("Q4_1")
    for r in shifted:
        for j in range(26):
            v = r[first + j]
            r[first + j] = "1" if v == 8 else ("" if v == "" else str(int(v) + 1))
    (out / "qualtrics_display_order.csv").write_bytes(csv_bytes(header + shifted, bom=True))
    (out / "qualtrics_display_order.mapping.yaml").write_text(
        "values: {1: na, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 6, 8: 7}\n", encoding="utf-8")
    return {"qualtrics_numeric.csv": {"select": {"rater_role": "mentee", "wave": "post"}, "tool": "Qualtrics",
                                      "mapping": "qualtrics_numeric.mapping.yaml"},
            "qualtrics_display_order.csv": {"select": {"rater_role": "mentee", "wave": "post"}, "tool": "Qualtrics",
                                            "mapping": "qualtrics_display_order.mapping.yaml"}}


def write_qualtrics_xlsx_and_legacy(df, na, out):
    sel = (df.rater_role == "mentee").to_numpy()
    header, body = qualtrics(df, na, sel)
    (out / "qualtrics.xlsx").write_bytes(xlsx_bytes(header + body))
    # Legacy layout: V1..V10 metadata names in row 1, real names in row 2, no ImportId row.
    meta = ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress", "IPAddress", "Status",
            "StartDate", "EndDate", "Finished"]
    names, texts = header[0], header[1]
    col = {n: j for j, n in enumerate(names)}
    items = [n for n in names if n.startswith("Q")]
    row1 = [f"V{k}" for k in range(1, 11)] + items + ["mentor_id", "wave", ""]
    row2 = meta + [texts[col[n]] for n in items] + ["mentor_id", "wave", ""]
    data = []
    for r in body:
        data.append([r[col["ResponseId"]], "Default Response Set", "Anonymous", r[col["ExternalReference"]], "",
                     r[col["IPAddress"]], "0", r[col["StartDate"]], r[col["EndDate"]], "1"]
                    + [r[col[n]] for n in items] + [r[col["mentor_id"]], r[col["wave"]], ""])
    (out / "qualtrics_legacy.csv").write_bytes(csv_bytes([row1, row2] + data, bom=True))
    # TSV in UTF-16 with wave labels as staff typed them ("Pre", " POST ").
    tsv = [list(r) for r in body]
    for r in tsv:
        r[col["wave"]] = {"pre": "Pre", "post": " POST "}[r[col["wave"]]]
    (out / "qualtrics_utf16.tsv").write_bytes(b"\xff\xfe" + csv_bytes(header + tsv, delimiter="\t",
                                                                      encoding="utf-16-le"))
    base = {"select": {"rater_role": "mentee"}, "tool": "Qualtrics"}
    return {"qualtrics.xlsx": dict(base), "qualtrics_legacy.csv": dict(base, comments=False, submitted=True),
            "qualtrics_utf16.tsv": dict(base, recodes={"wave 'Pre' -> pre": 8, "wave 'POST' -> post": 8})}


DICT_HEAD = ["Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
             "Choices, Calculations, OR Slider Labels", "Field Note", "Text Validation Type OR Show Slider Number",
             "Text Validation Min", "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
             "Required Field?", "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
             "Matrix Ranking?", "Field Annotation"]


def write_redcap(df, na, out):
    """A longitudinal project: events pre_arm_1/post_arm_1 (labels Pre/Post), record id = the mentee."""
    choices = " | ".join(f"{v}, {ANCHORS.get(v, str(v))}" for v in range(1, 8)) + " | 8, N/A"
    form = "mca_mentee"
    rows = [DICT_HEAD, ["record_id", form, "", "text", "Record ID"] + [""] * 13,
            ["mentor_id", form, "", "text", "Mentor ID"] + [""] * 13,
            ["rater_role", form, "", "radio", "You are the", "1, Mentee | 2, Mentor (self)"] + [""] * 12]
    rows += [[it, form, "", "radio", lab, choices] + [""] * 9 + ["mca", "", ""] for it, lab in zip(ITEMS, LABELS)]
    rows += [[c, form, "", "notes", PROMPT[c]] + [""] * 13 for c in ("comment_strengths", "comment_growth")]
    (out / "project1_DataDictionary.csv").write_bytes(csv_bytes(rows))
    sel = (df.rater_role == "mentee").to_numpy()
    sub, subna = df[sel].reset_index(drop=True), na[sel]
    raw = [["record_id", "redcap_event_name", "mentor_id", "rater_role"] + ITEMS
           + ["comment_strengths", "comment_growth", f"{form}_complete"]]
    lab = [["Record ID", "Event Name", "Mentor ID", "You are the"] + LABELS
           + [PROMPT["comment_strengths"], PROMPT["comment_growth"], "Complete?"]]
    for i in range(len(sub)):
        r = sub.iloc[i]
        codes = ["8" if subna[i, j] else ("" if np.isnan(r[it]) else str(int(r[it]))) for j, it in enumerate(ITEMS)]
        raw.append([r.rater_id, f"{r.wave}_arm_1", r.mentor_id, "1"] + codes
                   + [r.comment_strengths, r.comment_growth, "2"])
        texts = ["N/A" if c == "8" else (ANCHORS.get(int(c), c) if c else "") for c in codes]
        lab.append([r.rater_id, r.wave.capitalize(), r.mentor_id, "Mentee"] + texts
                   + [r.comment_strengths, r.comment_growth, "Complete"])
    raw.append(["e77@uni.example", "pre_arm_1", "0101", "1"] + ["4"] * 4 + [""] * 22 + ["", "", "0"])
    (out / "project1_DATA.csv").write_bytes(csv_bytes(raw))
    (out / "project2_DATA_LABELS.csv").write_bytes(csv_bytes(lab))
    (out / "project2_DataDictionary.csv").write_bytes(csv_bytes(rows))
    base = {"select": {"rater_role": "mentee"}, "tool": "REDCap", "response_id": False, "submitted": False}
    return {"project1_DATA.csv": dict(base, excluded={"incomplete": 1}), "project2_DATA_LABELS.csv": dict(base)}


def write_spss(df, na, out):
    """Wave and role as numeric codes with value labels; N/A = 8 declared user-missing."""
    import tempfile

    import pyreadstat

    sav = pd.DataFrame({"ResponseId": df.response_id, "mentor_id": df.mentor_id,
                        "role": df.rater_role.map({"mentee": 1.0, "self": 2.0}),
                        "wave": df.wave.map({"pre": 1.0, "post": 2.0}), "rater_id": df.rater_id,
                        "EndDate": df.submitted_at.str.replace("T", " ")})
    for j, it in enumerate(ITEMS):
        v = df[it].to_numpy(dtype=float).copy()
        v[na[:, j]] = 8
        sav[it] = v
    for c in ("comment_strengths", "comment_growth", "comment_goals"):
        sav[c] = df[c]
    labels = {float(k): v for k, v in ANCHORS.items()}
    labels[8.0] = "N/A"
    vvl = {it: labels for it in ITEMS}
    vvl["role"] = {1.0: "Mentee", 2.0: "Self"}
    vvl["wave"] = {1.0: "Pre", 2.0: "Post"}
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "x.sav"
        pyreadstat.write_sav(sav, str(p), column_labels=dict(zip(ITEMS, LABELS)), variable_value_labels=vvl,
                             missing_ranges={it: [8.0] for it in ITEMS})
        raw = bytearray(p.read_bytes())
    raw[92:109] = b"01 Jan 2600:00:00"
    (out / "spss_labels.sav").write_bytes(bytes(raw))
    return {"spss_labels.sav": {"select": {}, "tool": "SPSS",
                                "recodes": {"wave '1' -> pre": 12, "wave '2' -> post": 8,
                                            "rater role '1' -> mentee": 16, "rater role '2' -> self": 4}}}


def generic_rows(df, na, *, labels=False, style="code", date=lambda s: s, mentor=lambda m: m):
    head = ["response_id", "mentor_id", "rater_role", "wave", "rater_id", "submitted_at"]
    head += LABELS if labels else ITEMS
    head += ["comment_strengths", "comment_growth", "comment_goals"]
    rows = [head]
    for i in range(len(df)):
        r = df.iloc[i]
        rows.append([r.response_id, mentor(r.mentor_id), r.rater_role, r.wave, r.rater_id, date(r.submitted_at)]
                    + answers(df, na, i, style) + [r.comment_strengths, r.comment_growth, r.comment_goals])
    return rows


def write_generic(df, na, out):
    rows = generic_rows(df, na)
    part = list(rows[1])
    part[0], part[4] = "R_partial9", "e98@uni.example"
    part = partial(part, 6)
    (out / "generic.csv").write_bytes(csv_bytes(rows + [part], eol="\n"))
    # Excel saved: numbers as numbers, mentor ids lost their leading zeros, dates as dates.
    xl = [rows[0]]
    for r in rows[1:]:
        r = list(r)
        r[1] = int(r[1])
        r[5] = stamp(r[5])
        r[6:32] = [int(v) if v.isdigit() else v for v in r[6:32]]
        xl.append(r)
    (out / "generic_excel.xlsx").write_bytes(xlsx_bytes(xl))
    # European CSV: item labels as headers, semicolons, day-first dates without seconds, Windows-1252.
    eu = generic_rows(df, na, labels=True, date=lambda s: stamp(s).strftime("%d.%m.%Y %H:%M"))
    (out / "generic_european.csv").write_bytes(csv_bytes(eu, delimiter=";", encoding="cp1252"))
    # Old Mac Excel: CR-only line endings.
    (out / "generic_mac.csv").write_bytes(csv_bytes(rows, eol="\r"))
    base = {"select": {}, "tool": "generic CSV/XLSX"}
    return {"generic.csv": dict(base, excluded={"incomplete": 1}),
            "generic_excel.xlsx": dict(base, mentor_matches={"id (leading zeros restored)": 20}),
            "generic_european.csv": dict(base), "generic_mac.csv": dict(base)}


def sm_rows(df, na, *, numeric=False):
    meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
            "Last Name", "Custom Data 1", "mentor_id", "wave", "rater_id"]
    row1 = meta + [STEM["mentee"]] + [""] * 25 + [PROMPT["comment_strengths"], PROMPT["comment_growth"]]
    row2 = [""] * len(meta) + LABELS + ["Open-Ended Response", "Open-Ended Response"]
    body = []
    for i in range(len(df)):
        r = df.iloc[i]
        end = stamp(r.submitted_at)
        start = end - dt.timedelta(minutes=9)
        cells = [str(11297291016 + 7 * i), "412345678", start.strftime("%m/%d/%Y %I:%M:%S %p"),
                 end.strftime("%m/%d/%Y %I:%M:%S %p"), f"10.0.0.{i + 1}", "", "", "", "", r.mentor_id, r.wave,
                 r.rater_id]
        cells += answers(df, na, i, "codes8" if numeric else "label")
        body.append(cells + [r.comment_strengths, r.comment_growth])
    return [row1, row2], body


def write_surveymonkey(df, na, out):
    sel = ((df.rater_role == "mentee") & (df.wave == "pre")).to_numpy()
    sub, subna = df[sel].reset_index(drop=True), na[sel]
    head, body = sm_rows(sub, subna)
    part = partial(body[0], 12)
    part[0], part[11] = "11297299999", "e97@uni.example"
    (out / "surveymonkey.csv").write_bytes(csv_bytes(head + body + [part]))
    first = 13  # column M: the matrix question's text spans its 26 columns in the workbook
    (out / "surveymonkey.xlsx").write_bytes(xlsx_bytes(head + body, merges=[f"M1:{_col(first + 25)}1"]))
    sel = ((df.rater_role == "mentee") & (df.wave == "post")).to_numpy()
    head, body = sm_rows(df[sel].reset_index(drop=True), na[sel], numeric=True)
    (out / "surveymonkey_numeric.csv").write_bytes(csv_bytes(head + body))
    (out / "surveymonkey_numeric.mapping.yaml").write_text(
        "# SurveyMonkey 'numerical value' export: choices numbered in display order, N/A is choice 8\n"
        "values: {8: na}\n", encoding="utf-8")
    base = {"tool": "SurveyMonkey", "response_id": False}
    return {"surveymonkey.csv": dict(base, select={"rater_role": "mentee", "wave": "pre"},
                                     excluded={"incomplete": 1}),
            "surveymonkey.xlsx": dict(base, select={"rater_role": "mentee", "wave": "pre"}),
            "surveymonkey_numeric.csv": dict(base, select={"rater_role": "mentee", "wave": "post"},
                                             mapping="surveymonkey_numeric.mapping.yaml")}


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def google_rows(df, na, *, date, name_as_mentor=True):
    head = ["Timestamp", "Email address", "Your mentor", "Wave"]
    head += [f"{STEM['mentee']} [{lab}]" for lab in LABELS] + [PROMPT["comment_strengths"], PROMPT["comment_growth"]]
    names = {m[0]: m[1] for m in MENTORS}
    body = []
    for i in range(len(df)):
        r = df.iloc[i]
        body.append([date(stamp(r.submitted_at)), r.rater_id, names[r.mentor_id] if name_as_mentor else r.mentor_id,
                     r.wave] + answers(df, na, i, "label") + [r.comment_strengths, r.comment_growth])
    return head, body


def write_google(df, na, out):
    sel = (df.rater_role == "mentee").to_numpy()
    sub, subna = df[sel].reset_index(drop=True), na[sel]
    us = lambda t: f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}:{t.second:02d}"  # noqa: E731
    head, body = google_rows(sub, subna, date=us)
    earlier = list(body[2])  # the same mentee submitted twice for this mentor and wave: the later one counts
    earlier[0] = us(stamp(sub.submitted_at.iat[2]) - dt.timedelta(days=1))
    earlier[4:30] = ["3"] * 26
    (out / "google_forms.csv").write_bytes(csv_bytes([head, earlier] + body))
    uk = lambda t: t.strftime("%d/%m/%Y %H:%M:%S")  # noqa: E731
    head, body = google_rows(sub, subna, date=uk)
    (out / "google_forms_uk.csv").write_bytes(csv_bytes([head] + body))
    head, body = google_rows(sub, subna, date=lambda t: t)
    (out / "google_forms_sheet.xlsx").write_bytes(xlsx_bytes([head] + body))
    base = {"select": {"rater_role": "mentee"}, "tool": "Google Forms", "response_id": False,
            "mentor_matches": {"name": 16}}
    return {"google_forms.csv": dict(base, excluded={"duplicate": 1}), "google_forms_uk.csv": dict(base),
            "google_forms_sheet.xlsx": dict(base)}


def ms_rows(df, na, *, date):
    head = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time", "Mentor ID", "Role", "Wave"]
    head += LABELS + [PROMPT["comment_strengths"], PROMPT["comment_growth"]]
    body = []
    for i in range(len(df)):
        r = df.iloc[i]
        end = stamp(r.submitted_at)
        body.append([i + 1, date(end - dt.timedelta(minutes=7)), date(end), r.rater_id, "", "", r.mentor_id,
                     "Mentee", r.wave] + answers(df, na, i, "label") + [r.comment_strengths, r.comment_growth])
    return head, body


def write_ms_forms(df, na, out):
    sel = ((df.rater_role == "mentee") & (df.wave == "post")).to_numpy()
    sub, subna = df[sel].reset_index(drop=True), na[sel]
    head, body = ms_rows(sub, subna, date=lambda t: t)
    earlier = list(body[3])
    earlier[0], earlier[2] = len(body) + 1, earlier[2] - dt.timedelta(hours=2)
    earlier[9:35] = ["4"] * 26
    (out / "ms_forms.xlsx").write_bytes(xlsx_bytes([head] + body + [earlier]))
    short = lambda t: f"{t.month}/{t.day}/{t.strftime('%y')} {t.hour}:{t.minute:02d}:{t.second:02d}"  # noqa: E731
    head, body = ms_rows(sub, subna, date=short)
    (out / "ms_forms.csv").write_bytes(csv_bytes([head] + [[str(c) for c in r] for r in body], bom=True))
    base = {"select": {"rater_role": "mentee", "wave": "post"}, "tool": "Microsoft Forms", "response_id": False,
            "recodes": {"rater role 'Mentee' -> mentee": 8}}
    return {"ms_forms.xlsx": dict(base, excluded={"duplicate": 1},
                                  recodes={"rater role 'Mentee' -> mentee": 9}),
            "ms_forms.csv": dict(base)}


LS_META = ["id", "submitdate", "lastpage", "startlanguage", "seed", "token", "startdate", "datestamp"]
LS_FULL = ["Response ID", "Date submitted", "Last page", "Start language", "Seed", "Access code", "Date started",
           "Date last action"]


def ls_rows(df, na, *, full=False, style="code"):
    if full:
        head = LS_FULL + ["Mentor ID", "Wave"] + [f"{STEM['mentee']} [{lab}]" for lab in LABELS]
        head += [PROMPT["comment_strengths"], PROMPT["comment_growth"]]
    else:
        head = LS_META + ["mentorid", "wave"] + [f"mca[{it}]" for it in ITEMS]
    body = []
    for i in range(len(df)):
        r = df.iloc[i]
        end = stamp(r.submitted_at)
        cells = [str(i + 1), end.strftime("%Y-%m-%d %H:%M:%S"), "3", "en", str(1000 + i), r.rater_id,
                 (end - dt.timedelta(minutes=8)).strftime("%Y-%m-%d %H:%M:%S"), end.strftime("%Y-%m-%d %H:%M:%S"),
                 r.mentor_id, r.wave] + answers(df, na, i, style)
        if full:
            cells += [r.comment_strengths, r.comment_growth]
        body.append(cells)
    return head, body


def write_limesurvey(df, na, out):
    sel = ((df.rater_role == "mentee") & (df.wave == "pre")).to_numpy()
    sub, subna = df[sel].reset_index(drop=True), na[sel]
    head, body = ls_rows(sub, subna, style="NA")
    part = partial(body[0], 10)
    part[0], part[1], part[5] = str(len(body) + 1), "", "tok-unsubmitted"
    rows = [head] + body + [part]
    (out / "limesurvey_codes.csv").write_bytes(b"\xef\xbb\xbf" + csv_bytes(rows, quote_all=True) + b"\r\n")
    head, body = ls_rows(sub, subna, style="A")
    (out / "limesurvey_answer_codes.csv").write_bytes(b"\xef\xbb\xbf" + csv_bytes([head] + body, quote_all=True)
                                                      + b"\r\n")
    (out / "limesurvey_answer_codes.mapping.yaml").write_text(
        "# LimeSurvey answer codes A1-A7 are the scale, A8 is N/A\n"
        "values: {A1: 1, A2: 2, A3: 3, A4: 4, A5: 5, A6: 6, A7: 7, A8: na}\n", encoding="utf-8")
    sel = ((df.rater_role == "mentee") & (df.wave == "post")).to_numpy()
    sub, subna = df[sel].reset_index(drop=True), na[sel]
    head, body = ls_rows(sub, subna, full=True, style="label")
    (out / "limesurvey_full.csv").write_bytes(b"\xef\xbb\xbf" + csv_bytes([head] + body, quote_all=True) + b"\r\n")
    (out / "limesurvey_semicolon.csv").write_bytes(b"\xef\xbb\xbf" + csv_bytes([head] + body, delimiter=";",
                                                                               quote_all=True) + b"\r\n")
    code = {"tool": "LimeSurvey", "comments": False, "response_id": False, "args": ["--role", "mentee"]}
    full = {"tool": "LimeSurvey", "select": {"rater_role": "mentee", "wave": "post"}, "response_id": False}
    return {"limesurvey_codes.csv": dict(code, select={"rater_role": "mentee", "wave": "pre"},
                                         excluded={"incomplete": 1}),
            "limesurvey_answer_codes.csv": dict(code, select={"rater_role": "mentee", "wave": "pre"},
                                                mapping="limesurvey_answer_codes.mapping.yaml"),
            "limesurvey_full.csv": dict(full), "limesurvey_semicolon.csv": dict(full)}


def build(out: Path) -> dict:
    """Write every file of the corpus into ``out``; return the expectations (also ``expected.json``)."""
    out.mkdir(parents=True, exist_ok=True)
    df, na = truth()
    roster = [["mentor_id", "name", "email"]] + [list(m) for m in MENTORS]
    (out / "roster.csv").write_bytes(csv_bytes(roster, eol="\n"))
    t = df.copy()
    for it in ITEMS:
        t[it] = t[it].map(lambda v: "" if np.isnan(v) else str(int(v)))
    (out / "truth.csv").write_bytes(csv_bytes([list(t.columns)] + t.astype(str).values.tolist(), eol="\n"))
    expected: dict = {}
    for writer in (write_qualtrics_csv, write_qualtrics_numeric, write_qualtrics_xlsx_and_legacy, write_redcap,
                   write_spss, write_generic, write_surveymonkey, write_google, write_ms_forms, write_limesurvey):
        expected.update(writer(df, na, out))
    (out / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    return expected


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
