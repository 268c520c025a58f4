"""Writers of real-shaped survey exports from canonical responses (for samples, tests, benchmarks).

Each writer takes canonical responses (:func:`mentorassess.sample.generate`) and writes a file as
the platform would: a Qualtrics CSV with three header rows and choice-text labels, a Qualtrics
XLSX with numeric codes, a REDCap labels export with its data dictionary, an SPSS ``.sav`` with
value labels and user-missing N/A, and a generic CSV. Outputs are byte-identical for the same
input: XLSX zip entries and workbook properties carry fixed times, the SPSS header a fixed date.
Text cells are escaped against formula injection (DESIGN.md, "Files we write").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from mentorassess._files import atomic_write_bytes
from mentorassess._safe import escape_cell

__all__ = ["qualtrics_rows", "write_qualtrics_csv", "write_qualtrics_xlsx", "write_redcap", "write_spss",
           "write_generic_csv", "add_qualtrics_traps", "deterministic_xlsx_bytes", "NA_CODE"]

NA_CODE = 8
FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)
_META = [("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"America/Chicago"}'),
         ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"America/Chicago"}'),
         ("Status", "Response Type", '{"ImportId":"status"}'),
         ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
         ("Progress", "Progress", '{"ImportId":"progress"}'),
         ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
         ("Finished", "Finished", '{"ImportId":"finished"}'),
         ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"America/Chicago"}'),
         ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
         ("ExternalReference", "External Data Reference", '{"ImportId":"externalDataReference"}'),
         ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
         ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}')]


def _choice_text(code: float, labels) -> str:
    c = int(code)
    return f"{c} - {labels[c]}" if c in labels else str(c)


def qualtrics_rows(responses: pd.DataFrame, not_applicable: pd.DataFrame, instrument, form: str, *,
                   choice_text: bool, seed: int = 0, qid: int = 4) -> tuple[list[list[str]], list[list]]:
    """Header rows (3) and data rows of a Qualtrics export of one form.

    Items are a matrix question ``Q{qid}_1..`` (ImportId ``QID{qid}_k``); comments are text
    questions; ``mentor_id`` and ``wave`` are embedded data. N/A is the choice "N/A" (choice text)
    or code 8 (numeric).
    """
    rng = np.random.default_rng(seed)
    stem = instrument.forms[form].stem or ""
    comments = [oe for oe in instrument.open_ended if oe.forms is None or form in oe.forms]
    names = [m[0] for m in _META] + [f"Q{qid}_{k + 1}" for k in range(len(instrument.items))]
    names += [f"Q{qid + 1 + k}" for k in range(len(comments))] + ["mentor_id", "wave"]
    texts = [m[1] for m in _META] + [f"{stem} - {it.label}" for it in instrument.items]
    texts += [oe.prompt for oe in comments] + ["mentor_id", "wave"]
    iids = [m[2] for m in _META] + [json.dumps({"ImportId": f"QID{qid}_{k + 1}"}, separators=(",", ":"))
                                    for k in range(len(instrument.items))]
    iids += [json.dumps({"ImportId": f"QID{qid + 1 + k}_TEXT"}, separators=(",", ":")) for k in range(len(comments))]
    iids += ['{"ImportId":"mentor_id"}', '{"ImportId":"wave"}']
    labels = dict(instrument.scale.labels)
    body = []
    na = not_applicable.to_numpy() if not_applicable is not None else np.zeros((len(responses), 0), bool)
    items = responses[list(instrument.item_ids)].to_numpy(dtype=float)
    for i, r in enumerate(responses.itertuples(index=False)):
        end = pd.Timestamp(r.submitted_at)
        dur = int(rng.integers(240, 1500))
        start = end - pd.Timedelta(seconds=dur)
        cells = [start.strftime("%Y-%m-%d %H:%M:%S"), end.strftime("%Y-%m-%d %H:%M:%S"),
                 "IP Address" if choice_text else "0", f"10.{rng.integers(0, 256)}.{rng.integers(0, 256)}.{i % 250 + 1}",
                 "100", str(dur), "True" if choice_text else "1", end.strftime("%Y-%m-%d %H:%M:%S"), r.response_id,
                 "" if pd.isna(r.rater_id) else r.rater_id, "email", "EN"]
        for j in range(len(instrument.items)):
            v = items[i, j]
            if np.isnan(v):
                cells.append(("N/A" if choice_text else NA_CODE) if (j < na.shape[1] and na[i, j]) else "")
            else:
                cells.append(_choice_text(v, labels) if choice_text else int(v))
        for oe in comments:
            v = getattr(r, oe.id)
            cells.append("" if v is None or (isinstance(v, float) and np.isnan(v)) else v)
        cells += [r.mentor_id, r.wave]
        body.append(cells)
    return [names, texts, iids], body


def add_qualtrics_traps(header: list[list[str]], body: list[list], *, choice_text: bool,
                        n_items: int) -> list[list]:
    """Add the rows a real export has: 2 previews, 1 test, 2 partials, 1 kept partial, 1 duplicate, 1 typo.

    Expected exclusions: preview 2, test 1, incomplete 2, duplicate 1, unmatched_mentor 1. With
    fewer than 8 data rows (tiny samples) the rows are returned unchanged.
    """
    if len(body) < 8:
        return list(body)
    names = header[0]
    col = {n: j for j, n in enumerate(names)}
    first_item = col["Q4_1"] if "Q4_1" in col else col[next(n for n in names if n.startswith("Q") and "_" in n)]
    base = body[0]

    def variant(src: list, **changes) -> list:
        row = list(src)
        for k, v in changes.items():
            row[col[k]] = v
        return row

    def answers(row: list, values: list) -> list:
        row = list(row)
        for j in range(n_items):
            row[first_item + j] = values[j] if j < len(values) else ""
        return row

    six = "6"

    def status(code: str, text: str) -> str:
        return text if choice_text else code

    previews = [answers(variant(base, Status=status("1", "Survey Preview"), DistributionChannel="preview",
                                IPAddress="", ExternalReference="", ResponseId=f"R_preview{k}"), [six] * n_items)
                for k in (1, 2)]
    test = answers(variant(base, Status=status("2", "Survey Test"), DistributionChannel="test", IPAddress="",
                           ExternalReference="", ResponseId="R_test1"), ["5"] * n_items)
    partials = [answers(variant(body[k], Finished="False" if choice_text else "0", Progress="31",
                                ResponseId=f"R_partial{k}"), ["4"] * 8) for k in (3, 4)]
    kept_partial = variant(body[5], Finished="False" if choice_text else "0", Progress="96")
    dup_src = body[6]
    earlier = (pd.Timestamp(dup_src[col["EndDate"]]) - pd.Timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    duplicate = answers(variant(dup_src, EndDate=earlier, RecordedDate=earlier, StartDate=earlier,
                                ResponseId="R_dup1"), ["3"] * n_items)
    typo = variant(body[7], mentor_id=str(body[7][col["mentor_id"]]).replace("M0", "M0O", 1), ResponseId="R_typo1",
                   ExternalReference="E9999")
    out = previews + [test] + [r for r in body]
    out[3 + 5] = kept_partial
    return out + partials + [duplicate, typo]


def _csv_bytes(rows: list[list], *, delimiter: str = ",", bom: bool = True) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        w.writerow([escape_cell(c) if isinstance(c, str) else c for c in row])
    return (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8")


def write_qualtrics_csv(path: str | Path, header: list[list[str]], body: list[list]) -> Path:
    """Write a Qualtrics CSV (UTF-8 with BOM, CRLF, three header rows)."""
    return atomic_write_bytes(path, _csv_bytes(header + body))


def deterministic_xlsx_bytes(wb) -> bytes:
    """Save an openpyxl workbook with fixed properties and zip entry times (byte-identical reruns)."""
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "mentorassess"
    wb.properties.lastModifiedBy = "mentorassess"
    raw = io.BytesIO()
    wb.save(raw)
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                import re

                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", data)
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    return out.getvalue()


def write_qualtrics_xlsx(path: str | Path, header: list[list[str]], body: list[list], sheet: str = "Sheet0") -> Path:
    """Write a Qualtrics-style workbook: the three header rows as ordinary rows, then the data."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in header + body:
        ws.append([escape_cell(c) if isinstance(c, str) else c for c in row])
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str):
                c.data_type = "s"
    return atomic_write_bytes(path, deterministic_xlsx_bytes(wb))


def write_redcap(data_path: str | Path, dict_path: str | Path, responses: pd.DataFrame, not_applicable: pd.DataFrame,
                 instrument, form: str = "mentee") -> tuple[Path, Path]:
    """Write a REDCap labels export (label headers and values) and its data dictionary.

    The project is longitudinal (events ``pre_arm_1``/``post_arm_1`` labelled ``Pre``/``Post``);
    the record id is the rater id; items are radio fields named by item id with code 8 = N/A;
    the first five skipped answers carry the missing-data code ``UNK``. One extra record is an
    incomplete form (excluded as ``incomplete``).
    """
    labels = dict(instrument.scale.labels)
    choices = " | ".join(f"{v}, {labels.get(v, str(v))}" for v in instrument.scale.values) + f" | {NA_CODE}, N/A"
    comments = [oe for oe in instrument.open_ended if oe.forms is None or form in oe.forms]
    fname = f"mca_{form}"
    head = ["Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
            "Choices, Calculations, OR Slider Labels", "Field Note", "Text Validation Type OR Show Slider Number",
            "Text Validation Min", "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
            "Required Field?", "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
            "Matrix Ranking?", "Field Annotation"]
    rows = [head, ["record_id", fname, "", "text", "Record ID"] + [""] * 13,
            ["mentor_id", fname, "", "text", "Mentor ID"] + [""] * 13]
    for it in instrument.items:
        rows.append([it.id, fname, "", "radio", it.label, choices] + [""] * 9 + ["mca", "", ""])
    for oe in comments:
        rows.append([oe.id, fname, "", "notes", oe.prompt] + [""] * 13)
    dict_bytes = _csv_bytes(rows, bom=False)
    events = {"pre": "Pre", "post": "Post"}
    data = [["Record ID", "Event Name", "Mentor ID"] + [it.label for it in instrument.items]
            + [oe.prompt for oe in comments] + ["Complete?"]]
    na = not_applicable.to_numpy()
    items = responses[list(instrument.item_ids)].to_numpy(dtype=float)
    unk = 0
    for i, r in enumerate(responses.itertuples(index=False)):
        cells = [r.rater_id, events.get(r.wave, r.wave), r.mentor_id]
        for j in range(len(instrument.items)):
            v = items[i, j]
            if np.isnan(v):
                if na[i, j]:
                    cells.append("N/A")
                elif unk < 5:
                    cells.append("UNK")
                    unk += 1
                else:
                    cells.append("")
            else:
                cells.append(labels.get(int(v), str(int(v))))
        for oe in comments:
            v = getattr(r, oe.id)
            cells.append("" if v is None or (isinstance(v, float) and np.isnan(v)) else v)
        cells.append("Complete")
        data.append(cells)
    last = data[-1]
    data.append(["E9000", last[1], last[2]] + [labels.get(5, "5")] * 4 + [""] * (len(instrument.items) - 4)
                + [""] * len(comments) + ["Incomplete"])
    return (atomic_write_bytes(data_path, _csv_bytes(data, bom=False)), atomic_write_bytes(dict_path, dict_bytes))


def write_spss(path: str | Path, responses: pd.DataFrame, not_applicable: pd.DataFrame, instrument) -> Path:
    """Write an SPSS .sav: items with value labels, N/A = 8 declared user-missing, fixed header date."""
    import tempfile

    import pyreadstat

    df = pd.DataFrame({"ResponseId": responses["response_id"], "mentor_id": responses["mentor_id"],
                       "role": responses["rater_role"], "wave": responses["wave"],
                       "rater_id": responses["rater_id"].fillna(""),
                       "EndDate": responses["submitted_at"].str.replace("T", " ")})
    na = not_applicable.to_numpy()
    for j, item in enumerate(instrument.item_ids):
        vals = responses[item].to_numpy(dtype=float).copy()
        vals[na[:, j]] = NA_CODE
        df[item] = vals
    for oe in instrument.open_ended:
        df[oe.id] = responses[oe.id].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v))
                                         else escape_cell(v))
    labels = {float(k): v for k, v in instrument.scale.labels.items()}
    labels[float(NA_CODE)] = "N/A"
    column_labels = {it.id: it.label for it in instrument.items}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp) / "out.sav"
        pyreadstat.write_sav(df, str(tmp_path), column_labels=column_labels,
                             variable_value_labels={i: labels for i in instrument.item_ids},
                             missing_ranges={i: [float(NA_CODE)] for i in instrument.item_ids})
        raw = bytearray(tmp_path.read_bytes())
    raw[92:109] = b"01 Jan 2600:00:00"   # creation date and time in the file header
    return atomic_write_bytes(path, bytes(raw))


def write_generic_csv(path: str | Path, responses: pd.DataFrame, not_applicable: pd.DataFrame, instrument,
                      roster: pd.DataFrame) -> Path:
    """Write a plain CSV with one header row; mentors by e-mail, N/A as text."""
    email = dict(zip(roster["mentor_id"], roster["email"]))
    out = pd.DataFrame({"response_id": responses["response_id"],
                        "mentor_email": responses["mentor_id"].map(email),
                        "rater_role": responses["rater_role"], "wave": responses["wave"],
                        "rater_id": responses["rater_id"], "submitted_at": responses["submitted_at"]})
    na = not_applicable.to_numpy()
    for j, item in enumerate(instrument.item_ids):
        vals = responses[item].to_numpy(dtype=float)
        out[item] = [("N/A" if na[i, j] else "") if np.isnan(v) else str(int(v)) for i, v in enumerate(vals)]
    for oe in instrument.open_ended:
        out[oe.id] = responses[oe.id]
    rows = [list(out.columns)] + [["" if (v is None or (isinstance(v, float) and np.isnan(v))) else v
                                   for v in rec] for rec in out.itertuples(index=False)]
    return atomic_write_bytes(path, _csv_bytes(rows, bom=False).replace(b"\r\n", b"\n"))
