"""The column-wise row writer of reports.excel (``_fast_rows``) gives the very bytes of the cell-by-cell
path through XlsxWriter's API (``_slow_rows``), on every kind of value the workbook holds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import mentorassess.reports.excel as excel
from mentorassess.reports.excel import Sheet, workbook_bytes


def _frames() -> list[Sheet]:
    n = 40
    rng = np.random.default_rng(3)
    f = rng.normal(size=n) * 1e3
    f[[2, 5]] = np.nan
    f[7] = np.inf
    texts = ["plain", " lead", "trail ", "tab\t", "a&b<c>d\"e", "=1+1", "line\nbreak", "_x0041_ escape", "ctl\x01\x1f",
             "<r>rich</r>", "nbsp\u00a0", "\ufffe odd", "", "x" * 40_000, "\U0001F600" * 17_000, None, np.nan]
    mixed = [1, 2.5, True, False, "text", None, pd.NA, np.float64(3.25), np.int64(7), pd.Timestamp("2026-01-02"),
             dt.date(2026, 3, 4), float("nan"), float("-inf"), 10**17, -0.0]
    main = pd.DataFrame({
        "mentor_id": [f"M{i:03d}" for i in range(n)],
        "name": [texts[i % len(texts)] for i in range(n)],
        "score": f,
        "count": np.arange(n, dtype=np.int64) * 12345,
        "small": np.arange(n, dtype=np.int32),
        "flag": (np.arange(n) % 3 == 0),
        "nullable": pd.array([None if i % 4 == 0 else i for i in range(n)], dtype="Int64"),
        "mixed": [mixed[i % len(mixed)] for i in range(n)],
        "empty": [np.nan] * n,
        "nothing": [None] * n,
        "when": pd.date_range("2026-01-01", periods=n, freq="D"),
        "cat": pd.Categorical([["a", "b", None][i % 3] for i in range(n)]),
        "share": np.linspace(0, 1, n),
    })
    late = pd.DataFrame({"a": [None, None, "x", 1.5], "b": [np.nan, 2.0, np.nan, 3.0]})   # first cells late
    blank = pd.DataFrame({"a": [None, None], "b": [np.nan, np.nan]})                       # no cell at all
    return [Sheet("Main", main, number_formats={"share": "0%"}, note="A note"),
            Sheet("Late", late), Sheet("Blank", blank, note="Nothing here"),
            Sheet("Empty", pd.DataFrame({"note": []})), Sheet("Main again", main.iloc[::-1], freeze=2)]


@pytest.mark.parametrize("readme", [[], [("Topic", "Text")]])
def test_fast_rows_bytes_equal_cell_by_cell(monkeypatch, readme):
    sheets = _frames()
    slow_rows = excel._slow_rows

    def refuse(ws, frame, *a):
        if len(frame):
            raise AssertionError("the fast path fell back to cell-by-cell writing")

    monkeypatch.setattr(excel, "_slow_rows", refuse)
    fast = workbook_bytes(sheets, readme=readme)
    monkeypatch.setattr(excel, "_slow_rows", slow_rows)
    monkeypatch.setattr(excel, "_FAST_ROWS", False)
    slow = workbook_bytes(sheets, readme=readme)
    assert fast == slow


def test_fast_rows_chunks_and_large_sheet(monkeypatch):
    n = 2_500
    frame = pd.DataFrame({"mentor_id": [f"M{i % 97}" for i in range(n)], "v": np.arange(n) / 7,
                          "t": [("gap" if i % 5 else None) for i in range(n)]})
    monkeypatch.setattr(excel, "_CHUNK", 333)        # rows cross the chunk boundaries
    fast = workbook_bytes([Sheet("Big", frame)])
    monkeypatch.setattr(excel, "_FAST_ROWS", False)
    assert fast == workbook_bytes([Sheet("Big", frame)])


def test_repeated_numbers_and_batched_text_checks_give_the_same_bytes(monkeypatch):
    """Columns long enough for the per-distinct-value formatting of numbers (-0.0 and 0.0 kept apart,
    NaN and infinities left empty, every integer and float width) and for the one control-character
    search over all distinct texts, with and without a text that needs escaping."""
    n = 700
    rng = np.random.default_rng(11)
    scores = rng.integers(1, 8, n) / rng.integers(1, 4, n)
    scores[[3, 50, 51]] = [-0.0, 0.0, np.nan]
    scores[[9, 10]] = [np.inf, -np.inf]
    clean = [f"comment {i % 41} & <more>" for i in range(n)]
    dirty = list(clean)
    dirty[600] = "bell\x07 and _x0041_"
    frame = pd.DataFrame({"score": scores, "f32": scores.astype(np.float32),
                          "i64": rng.integers(-5, 5, n), "i32": rng.integers(0, 3, n).astype(np.int32),
                          "u8": rng.integers(0, 3, n).astype(np.uint8), "clean": clean, "dirty": dirty})
    fast = workbook_bytes([Sheet("Numbers", frame)])
    monkeypatch.setattr(excel, "_FAST_ROWS", False)
    assert fast == workbook_bytes([Sheet("Numbers", frame)])


@pytest.mark.parametrize("fast_rows", [True, False])
def test_rows_held_in_memory_give_the_bytes_of_xlsxwriters_temporary_files(monkeypatch, tmp_path, fast_rows):
    import tempfile

    import mentorassess.reports._xlsx_zip as xz

    monkeypatch.setattr(excel, "_FAST_ROWS", fast_rows)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))   # XlsxWriter's temporary files land here
    sheets = _frames()
    made = []
    init = xz._MemoryRows.__init__
    monkeypatch.setattr(xz._MemoryRows, "__init__", lambda self: made.append(1) or init(self))
    held = workbook_bytes(sheets, readme=[("Topic", "Text")])
    assert len(made) == len(sheets) + 1                       # README and every sheet held their rows
    assert not list(tmp_path.iterdir())                       # the emptied row files are removed as before
    monkeypatch.setattr(xz, "_ROWS_IN_MEMORY", False)
    assert held == workbook_bytes(sheets, readme=[("Topic", "Text")])


def test_memory_rows_are_read_once_in_order_and_only_rewound():
    from mentorassess.reports._xlsx_zip import _MemoryRows

    rows = _MemoryRows()
    for part in ("<row r=\"1\">", "x", "</row>"):
        rows.write(part)
    rows.seek(0)
    assert [rows.read(65536) for _ in range(4)] == ["<row r=\"1\">", "x", "</row>", ""]
    with pytest.raises(Exception):
        rows.seek(5)
    rows.close()
    assert rows.closed
