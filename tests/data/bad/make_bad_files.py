"""Write the malformed inputs of this folder (run once; the files are committed).

Usage: python tests/data/bad/make_bad_files.py
"""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
ITEMS = [f"mca{i:02d}" for i in range(1, 27)]
META = ["response_id", "mentor_id", "rater_role", "wave", "rater_id", "submitted_at"]


def write(name: str, data: bytes | str) -> None:
    (HERE / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def table(header: list, rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def good_rows(n: int = 3, value: str = "5") -> list[list]:
    return [[f"R{i}", "M001", "mentee", "pre", f"E{i:04d}", "2025-09-10T10:00:00"] + [value] * 26 + ["SECRET-COMMENT"]
            for i in range(1, n + 1)]


HEADER = META + ITEMS + ["comment_strengths"]


def qualtrics(rows: list[list], extra_names=(), extra_iids=()) -> str:
    names = ["StartDate", "EndDate", "Status", "Finished", "ResponseId", "mentor_id", "wave"] + \
        ITEMS + list(extra_names)
    texts = ["Start Date", "End Date", "Response Type", "Finished", "Response ID", "mentor_id", "wave"] + \
        [f"How skilled is your mentor at each of the following? - item {k}" for k in range(1, 27)] + list(extra_names)
    iids = [json.dumps({"ImportId": x}) for x in ("startDate", "endDate", "status", "finished", "_recordId",
                                                   "mentor_id", "wave")]
    iids += [json.dumps({"ImportId": f"QID4_{k}"}) for k in range(1, 27)] + [json.dumps({"ImportId": x})
                                                                             for x in extra_iids]
    return table(names, [texts, iids] + rows)


def qrow(status="0", finished="1", rid="R_1"):
    return ["2025-09-10 10:00:00", "2025-09-10 10:10:00", status, finished, rid, "M001", "pre"] + ["5"] * 26


def xlsx(name: str, build) -> None:
    wb = Workbook()
    build(wb)
    wb.save(HERE / name)


def main() -> None:
    random.seed(4)
    write("empty.csv", b"")
    write("blank_lines.csv", "\n\n\n")
    write("header_only.csv", table(HEADER, []))
    write("qualtrics_header_only.csv", qualtrics([]))
    write("random_bytes.xlsx", bytes(random.randrange(256) for _ in range(2048)))
    write("binary.csv", bytes(random.randrange(256) for _ in range(2048)).replace(b"\x00", b"\x01") + b"\x00" * 40
          + bytes(range(1, 30)) * 20)
    write("utf16_unrelated.txt", ("product\tregion\tunits\nwidget\tnorth\t12\ngadget\tsouth\t7\n").encode("utf-16"))
    write("unrelated.csv", table(["date", "store", "sales", "returns"], [["2025-01-01", "A", "120", "3"],
                                                                         ["2025-01-02", "B", "98", "1"]]))
    write("truncated_quote.csv", table(HEADER, good_rows(2))[:-40].rsplit("SECRET", 1)[0] + '"unfinished comment, 1')
    write("duplicate_columns.csv", table(META + ITEMS + ["mca05"], [r[:-1] + ["4"] for r in good_rows()]))
    rows = good_rows()
    rows[1][8] = "Very skilled"
    write("unknown_labels.csv", table(HEADER, rows))
    write("wrong_instrument.csv", table(META + [f"met{i:02d}" for i in range(1, 14)] + ["met_overall"],
                                        [r[:6] + ["5"] * 14 for r in good_rows()]))
    write("missing_items.csv", table(META + ITEMS[:20], [r[:26] for r in good_rows()]))
    write("no_mentor_column.csv", table([h for h in HEADER if h != "mentor_id"],
                                        [r[:1] + r[2:] for r in good_rows()]))
    write("no_wave_column.csv", table([h for h in HEADER if h != "wave"], [r[:3] + r[4:] for r in good_rows()]))
    rows = good_rows(6)
    for r in rows:
        r[10] = str(random.choice([10, 20, 30, 40, 50]))
    write("off_scale_column.csv", table(HEADER, rows))
    write("unknown_status.csv", qualtrics([qrow(), qrow(status="99", rid="R_2")]))
    write("bad_finished.csv", qualtrics([qrow(), qrow(finished="maybe", rid="R_2")]))
    write("mapping_mismatch.csv", table(HEADER, good_rows()))
    write("mapping_mismatch.yaml", "role: mentee\nwave: pre\ncolumns:\n  mentor: MentorCode\nitems:\n"
          + "".join(f"  {it}: Q{k}\n" for k, it in enumerate(ITEMS, 1)))
    write("bad_mapping.yaml", "role: mentee\nitemz:\n  mca01: Q1\noptions:\n  keep_everything: true\n")
    rows = good_rows()
    rows[0][2] = "supervisor"
    write("unknown_role.csv", table(HEADER, rows))
    write("not_sav.sav", "this is a text file, not SPSS\n")
    sav = (HERE.parent.parent.parent / "data" / "sample" / "spss_post.sav").read_bytes()
    write("truncated.sav", sav[:1500])
    write("old_excel.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    write("redcap_labels_no_dictionary.csv", table(["Record ID", "Event Name", "Mentor ID", "Listens actively",
                                                    "Complete?"], [["E0001", "Pre", "M001", "5", "Complete"]]))
    write("roster_duplicate_ids.csv", table(["mentor_id", "name", "email", "department", "cohort", "trained"],
                                            [["M001", "A B", "a@x.edu", "D", "2024", "yes"],
                                             ["M001", "C D", "c@x.edu", "D", "2024", "no"]]))
    write("roster_missing_columns.csv", table(["id", "full_name"], [["M001", "A B"]]))
    write("ambiguous_format.csv", qualtrics([qrow()], ["mca_mentee_complete"], ["mca_mentee_complete"]).replace(
        "M001,pre,5", "M001,pre,5", 1).replace("\n2025-09-10 10:00:00,2025-09-10 10:10:00,0,1,R_1,M001,pre," + ",".join(
            ["5"] * 26) + "\n", "\n2025-09-10 10:00:00,2025-09-10 10:10:00,0,1,R_1,M001,pre," + ",".join(["5"] * 26)
        + ",2\n"))
    write("unnamed_column.csv", table(HEADER + [""], [r + ["x"] for r in good_rows()]))
    write("invalid_bytes.csv", table(HEADER, good_rows()).encode("utf-8").replace(b"SECRET", b"\x81\x8d\x90", 1))
    write("ragged_row.csv", table(HEADER, good_rows()) + "R9,M001,mentee,pre,E9,2025-09-10T10:00:00," + ",".join(
        ["5"] * 30) + "\n")
    rows = good_rows()
    rows[2][3] = ""
    write("empty_wave.csv", table(HEADER, rows))

    def errors(wb):
        ws = wb.active
        ws.append(HEADER)
        ws.append(good_rows(1)[0])
        ws["H2"] = "#N/A"

    xlsx("excel_error_cells.xlsx", errors)

    def formulas(wb):
        ws = wb.active
        ws.append(HEADER)
        ws.append(good_rows(1)[0])
        ws["H2"] = "=2+3"

    xlsx("formula_cells.xlsx", formulas)

    def merged(wb):
        ws = wb.active
        ws.append(["Mentor survey"] + [""] * (len(HEADER) - 1))
        ws.append(HEADER)
        ws.append(good_rows(1)[0])
        ws.merge_cells("A1:F1")

    xlsx("merged_header.xlsx", merged)

    def hidden(wb):
        wb.active.title = "Notes"
        ws = wb.create_sheet("Data")
        ws.append(HEADER)
        ws.append(good_rows(1)[0])
        ws.sheet_state = "hidden"

    xlsx("hidden_sheet.xlsx", hidden)

    def two(wb):
        for title in ("Pre", "Post"):
            ws = wb.active if title == "Pre" else wb.create_sheet(title)
            ws.title = title
            ws.append(HEADER)
            ws.append(good_rows(1)[0])

    xlsx("two_sheets.xlsx", two)
    more()


# ---------------------------------------------------------------------------------------------
# Instruments, mappings, rosters, program configs and canonical responses (other commands)

CANON = META + ITEMS + ["comment_strengths", "comment_growth", "comment_goals", "source_row"]


def canon_rows(n_mentors: int = 2, mentees: int = 3) -> list[list]:
    """Canonical responses: per mentor one self and ``mentees`` mentee rows; comments are secrets."""
    rows, k = [], 0
    for m in range(1, n_mentors + 1):
        for role in ["self"] + ["mentee"] * mentees:
            k += 1
            vals = [str((k + j) % 7 + 1) for j in range(26)]
            c = ["SECRET-COMMENT strength", "SECRET-COMMENT growth", ""] if role == "mentee" else \
                ["", "", "SECRET-COMMENT goal"]
            rows.append([f"R{k:03d}", f"M{m:03d}", role, "pre", f"E{k:04d}", f"2025-09-{k:02d}T10:00:00"] + vals
                        + c + [str(k + 1)])
    return rows


def canon(name: str, edit=None, header=None) -> None:
    rows = canon_rows()
    hdr = list(header or CANON)
    if edit:
        hdr, rows = edit(hdr, rows)
    write(name, table(hdr, rows))


def drop(col: str):
    def edit(hdr, rows):
        j = hdr.index(col)
        return hdr[:j] + hdr[j + 1:], [r[:j] + r[j + 1:] for r in rows]
    return edit


def setcell(row: int, col: str, value: str):
    def edit(hdr, rows):
        rows[row][hdr.index(col)] = value
        return hdr, rows
    return edit


INSTRUMENT = """id: tiny
title: Tiny test instrument
scale:
  values: [1, 2, 3, 4, 5]
  labels: {1: Never, 5: Always}
forms:
  mentee: {rater_role: mentee, stem: How often does your mentor ...}
competencies:
  - id: talk
    title: Talking
    items: [t1, t2]
  - id: listen
    title: Listening
    items: [t3, t4]
items:
  - {id: t1, label: Explains}
  - {id: t2, label: Asks}
  - {id: t3, label: Listens}
  - {id: t4, label: Summarises}
"""


def config(name: str, body: str) -> None:
    write(name, "program: Bad config test\ninstrument: mca-26\n" + body)


def more() -> None:
    # instrument files (mentorassess instruments validate FILE; --instrument FILE of import)
    write("instr_unknown_key.yaml", INSTRUMENT + "itemz: []\n")
    write("instr_item_twice.yaml", INSTRUMENT.replace("items: [t3, t4]", "items: [t2, t3, t4]"))
    write("instr_duplicate_key.yaml", INSTRUMENT.replace("title: Tiny test instrument\n",
                                                         "title: Tiny test instrument\ntitle: Again\n"))
    write("instr_label_off_scale.yaml", INSTRUMENT.replace("{1: Never, 5: Always}", "{1: Never, 9: Always}"))
    write("instr_syntax.yaml", INSTRUMENT.replace("values: [1, 2, 3, 4, 5]", "values: [1, 2, 3, 4, 5"))
    write("instr_not_mapping.yaml", "- id: tiny\n- title: a list, not a mapping\n")
    write("instr_extends_unknown.yaml", "extends: mca-99\nitems:\n  mca01: {label: x}\n")
    write("instr_binary.yaml", bytes(random.randrange(1, 256) for _ in range(3000)))
    write("instr_deep.yaml", "id: deep\nx: " + "[" * 200 + "]" * 200 + "\n")
    write("instr_empty.yaml", "")
    # mappings
    write("mapping_wrong_instrument.yaml", "instrument: met-13\nrole: mentee\n")
    write("mapping_list.yaml", "- role\n- mentee\n")
    write("mapping_unknown_item.yaml", "role: mentee\nitems:\n  mca99: mca01\n")
    # rosters
    write("roster_empty.csv", b"")
    write("roster_bad_trained.csv", table(["mentor_id", "name", "trained"], [["M001", "A B", "perhaps"]]))
    write("roster_empty_id.csv", table(["mentor_id", "name"], [["M001", "A B"], ["", "C D"]]))
    # program configs (mentorassess run FILE)
    ok = "exports:\n  - {path: mapping_mismatch.csv, role: mentee, wave: pre}\n"
    config("config_missing_export.yaml", "exports:\n  - {path: no_such_export.csv, role: mentee, wave: pre}\n")
    config("config_unknown_key.yaml", ok + "min_rater: 4\n")
    config("config_wave_twice.yaml", "waves: [{id: pre, type: pre}, {id: pre, type: post}]\n" + ok)
    config("config_min_raters_2.yaml", ok + "min_raters: 2\n")
    config("config_comments_threshold.yaml", ok + "min_raters: 4\nmin_raters_comments: 3\n")
    config("config_missing_roster.yaml", ok + "roster: nobody.csv\n")
    config("config_bad_role.yaml", "exports:\n  - {path: mapping_mismatch.csv, role: supervisor, wave: pre}\n")
    config("config_export_twice.yaml", ok + "  - {path: mapping_mismatch.csv, role: mentee, wave: pre}\n")
    config("config_unknown_instrument.yaml", ok)
    (HERE / "config_unknown_instrument.yaml").write_text((HERE / "config_unknown_instrument.yaml").read_text()
                                                        .replace("mca-26", "mca-99"))
    config("config_deep.yaml", ok + "audience: " + "{a: " * 100 + "1" + "}" * 100 + "\n")
    write("config_binary.yaml", bytes(random.randrange(1, 256) for _ in range(3000)))
    write("config_list.yaml", "- program: a list\n- instrument: mca-26\n")
    config("config_bad_date.yaml", ok + "report_date: 31/06/2026\n")
    config("config_roster_duplicates.yaml", ok + "roster: roster_duplicate_ids.csv\n")
    # canonical responses (score, reports, program, psychometrics)
    canon("resp_no_mentor.csv", drop("mentor_id"))
    canon("resp_no_wave.csv", drop("wave"))
    canon("resp_text_item.csv", setcell(2, "mca05", "very good"))
    canon("resp_off_scale.csv", setcell(3, "mca07", "12"))
    canon("resp_unknown_role.csv", setcell(1, "rater_role", "boss"))
    canon("resp_duplicate_id.csv", setcell(3, "response_id", "R002"))
    canon("resp_empty_mentor.csv", setcell(4, "mentor_id", ""))
    canon("resp_duplicate_column.csv", lambda h, r: (h + ["mca05"], [x + ["3"] for x in r]))
    write("resp_header_only.csv", table(CANON, []))
    canon("resp_ragged.csv", lambda h, r: (h, r[:3] + [r[3] + ["x", "y"]] + r[4:]))
    canon("resp_ok.csv")
    write("resp_binary.csv", bytes(range(256)) * 8)


if __name__ == "__main__":
    main()
