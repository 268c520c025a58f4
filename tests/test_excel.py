"""Workbook writer: no formula cells, escaping, structure, determinism."""

from __future__ import annotations

import time

import numpy as np
import pytest
import pandas as pd
from openpyxl import load_workbook

from mentorassess.reports.excel import Sheet, workbook_bytes, write_workbook

DANGEROUS = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1:A2)", "\tx", "\rx", "\nx", "'quoted"]


def _frame():
    return pd.DataFrame({
        "mentor_id": ["M001", "M002", "=M003", "M004", "M005", "M006", "M007", "M008"],
        "comment": DANGEROUS,
        "score": [5.123456, np.nan, 6.0, 4.5, 1.0, 2.0, 3.0, 7.0],
        "n": [3, 4, 5, 6, 7, 8, 9, 10],
        "suppressed": [False, True, False, False, False, False, False, False],
    })


def test_no_formula_cells_and_text_escaped(tmp_path):
    path = write_workbook([Sheet("Profiles", _frame(), note="Cells left blank are suppressed (fewer than 3 raters).")],
                          tmp_path / "w.xlsx", readme=[("=bad topic", "Profiles per mentor")])
    wb = load_workbook(path)
    assert wb.sheetnames == ["README", "Profiles"]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):  # text typed as text, with the quote-prefix style
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.coordinate)
    ws = wb["Profiles"]
    assert ws["A2"].value == "mentor_id" and ws.freeze_panes == "B3" and ws.auto_filter.ref == "A2:E10"
    # the text exactly as written: no visible apostrophe added (a CR is stored as the OOXML escape
    # _x000D_, which Excel decodes and openpyxl does not)
    got = [ws.cell(row=i, column=2).value.replace("_x000D_", "\n") for i in range(3, 11)]
    assert got == [d.replace("\r", "\n") for d in DANGEROUS]
    assert ws["A5"].value == "=M003" and ws["A5"].quotePrefix
    assert ws["C3"].value == 5.123456 and ws["C3"].number_format == "0.00"
    assert ws["C4"].value is None and ws["D3"].value == 3 and ws["E4"].value is True


def test_byte_identical_reruns():
    a = workbook_bytes([Sheet("S", _frame())], readme=[("a", "b")])
    time.sleep(1.1)
    b = workbook_bytes([Sheet("S", _frame())], readme=[("a", "b")])
    assert a == b


def test_sheet_names_made_safe_and_unique(tmp_path):
    df = pd.DataFrame({"x": [1]})
    path = write_workbook([Sheet("a/b:c" * 10, df), Sheet("a/b:c" * 10, df)], tmp_path / "w.xlsx")
    names = load_workbook(path).sheetnames
    assert len(names) == 2 and len(set(names)) == 2 and all(len(n) <= 31 for n in names)


def test_huge_cell_truncated(tmp_path):
    df = pd.DataFrame({"comment": ["x" * 100_000]})
    path = write_workbook([Sheet("S", df)], tmp_path / "w.xlsx")
    value = load_workbook(path)["S"]["A2"].value
    assert len(value) <= 32_767 and value.endswith("[truncated]")


def test_zip_entries_are_deflated_at_the_fast_level_and_xlsxwriter_is_left_as_found():
    import io
    import zipfile
    import zlib

    import pandas as pd
    import xlsxwriter.workbook as xw

    from mentorassess.reports.excel import DEFLATE_LEVEL, Sheet, workbook_bytes

    frame = pd.DataFrame({"mentor_id": [f"M{i:04d}" for i in range(3000)], "mean": [i / 7 for i in range(3000)]})
    data = workbook_bytes([Sheet("Scores", frame)])
    assert xw.ZipFile is zipfile.ZipFile
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.getinfo("xl/worksheets/sheet1.xml")
        raw = z.read(sheet)
    assert sheet.compress_type == zipfile.ZIP_DEFLATED
    c = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
    assert sheet.compress_size == len(c.compress(raw) + c.flush())
    c6 = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert sheet.compress_size != len(c6.compress(raw) + c6.flush())
    assert workbook_bytes([Sheet("Scores", frame)]) == data


@pytest.mark.parametrize("fast", [True, False])
def test_text_shaped_like_rich_text_xml_stays_text_and_cannot_add_cells(fast, monkeypatch):
    """XlsxWriter passes '<r>…</r>' through unescaped: a comment could add a formula cell."""
    import io

    import pandas as pd
    from openpyxl import load_workbook

    import mentorassess.reports.excel as excel

    evil = ('<r><t>fine</t></r></is></c><c r="C2" t="str"><f>HYPERLINK("http://evil.example","open")</f>'
            '<v>open</v></c><c r="D2" t="inlineStr"><is><r><t>x</t></r>')
    monkeypatch.setattr(excel, "_FAST_ROWS", fast)
    frame = pd.DataFrame({"mentor_id": ["M1", "M2", "M3"], "comment": [evil, "<r>rich</r>", "<r> a & b </r>"]})
    data = excel.workbook_bytes([excel.Sheet("Comments", frame)])
    ws = load_workbook(io.BytesIO(data))["Comments"]
    cells = [(c.coordinate, c.value, c.data_type) for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells == [("A1", "mentor_id", "s"), ("B1", "comment", "s"), ("A2", "M1", "s"), ("B2", evil, "s"),
                     ("A3", "M2", "s"), ("B3", "<r>rich</r>", "s"), ("A4", "M3", "s"), ("B4", "<r> a & b </r>", "s")]
