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


if __name__ == "__main__":
    main()
