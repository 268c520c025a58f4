"""The one-pass file scan (SHA-256 and blank lines) that runs beside the CSV parser."""

from __future__ import annotations

import hashlib
import random

import pytest

from mentorassess.instruments import load_instrument
from mentorassess.io import read_export, scan, tables

MCA = load_instrument("mca-26")


def _former(raw: bytes) -> bool:
    """The patterns the reader looked for before the scan (no whitespace-only lines)."""
    return any(p in raw for p in (b"\n\n", b"\n\r\n", b"\r\r"))


@pytest.mark.parametrize("text,blank", [
    (b"a,b\r\n1,2\r\n", False),
    (b"a,b\n1,2\n\n", True),
    (b"a,b\r\n1,2\r\n\r\n3,4\r\n", True),
    (b"a,b\r1,2\r\r3,4\r", True),          # old Mac line ends
    (b"a,b\n1,2\n \t \n3,4\n", True),      # spaces and a tab only
    (b"a,b\r\n1,2\r\n  \r\n3,4\r\n", True),
    (b"a,b\n1,2\n  x\n3,4\n", False),      # an indented line is not blank
    (b"a,b\n 1,2\n", False),
    (b"a,b", False),
    (b"", False),
])
def test_blank_lines_found_in_bytes_and_files(tmp_path, text, blank):
    assert scan.has_blank_lines(text) is blank
    path = tmp_path / "f.csv"
    path.write_bytes(text)
    digest, found = scan.scan_file(path)
    assert found is blank
    assert digest == hashlib.sha256(text).hexdigest()
    assert scan.scan_file(path, blanks=False) == (digest, False)


@pytest.mark.parametrize("seed", range(6))
def test_chunked_scan_equals_whole_scan_at_every_boundary(tmp_path, monkeypatch, seed):
    # random CRLF / LF text with an occasional blank or whitespace line; small chunks put line
    # breaks, CR|LF pairs and blank lines across chunk boundaries
    rng = random.Random(seed)
    parts = []
    for _ in range(400):
        parts.append(rng.choice([b"x,1", b"  y,2", b"z", b"\t", b" ", b""]) if rng.random() < 0.02 else b"r,1,2,3")
        parts.append(rng.choice([b"\n", b"\r\n"]))
    text = b"h,a\n" + b"".join(parts)
    path = tmp_path / "f.csv"
    path.write_bytes(text)
    for size in (7, 64, 333):
        monkeypatch.setattr(scan, "_CHUNK", size)
        assert scan.scan_file(path) == (hashlib.sha256(text).hexdigest(), scan.has_blank_lines(text))
    lines = text.replace(b"\r\n", b"\n").split(b"\n")[1:-1]
    assert scan.has_blank_lines(text) == any(not ln.strip(b" \t") for ln in lines)
    if _former(text):
        assert scan.has_blank_lines(text)  # what was found before is still found


def _line(i: int) -> str:
    return f"R{i},M{i % 7},mentee,pre,E{i}," + ",".join(str(1 + (i + j) % 7) for j in range(26)) + "\n"


def _big(tmp_path, body: str):
    header = "response_id,mentor_id,rater_role,wave,rater_id," + ",".join(MCA.item_ids) + "\n"
    path = tmp_path / "big.csv"
    path.write_text(header + body, encoding="utf-8")
    assert path.stat().st_size > tables._HEAD  # read from its path, the scan beside the parser
    return path


def test_large_file_without_blank_lines_reads_every_row(tmp_path):
    path = _big(tmp_path, "".join(_line(i) for i in range(15_000)))
    grid, _ = tables.read_text_grid(path, str(path), categories=True)
    assert not grid.may_have_blank_rows and len(grid.cells) == 15_001
    res = read_export(path, "mca-26")
    assert res.report.rows_read == 15_000
    assert res.responses["source_row"].tolist() == list(range(2, 15_002))


def test_whitespace_only_line_is_a_blank_row_and_row_numbers_stay_true(tmp_path):
    # pandas alone skips a line of spaces without a word, shifting every later row number by one
    lines = [_line(i) for i in range(15_000)]
    lines.insert(9_000, "   \t \n")
    path = _big(tmp_path, "".join(lines))
    res = read_export(path, "mca-26")
    assert res.report.rows_read == 15_000
    rows = res.responses.set_index("response_id")["source_row"]
    assert rows["R8999"] == 9_000 + 1 and rows["R9000"] == 9_000 + 3
    warn = [w for w in res.report.warnings if w.code == "blank-rows"]
    assert warn and warn[0].row == 9_000 + 2


def test_whitespace_only_line_in_a_small_file(tmp_path):
    head = "response_id,mentor_id,rater_role,wave,rater_id," + ",".join(MCA.item_ids)
    line = "{},M001,mentee,pre,{}," + ",".join(["5"] * 26)
    path = tmp_path / "ws.csv"
    path.write_text("\r\n".join([head, line.format("a", "E1"), "  ", line.format("b", "E2")]) + "\r\n",
                    encoding="utf-8")
    res = read_export(path, "mca-26")
    assert res.responses["source_row"].tolist() == [2, 4]
    assert any(w.code == "blank-rows" and w.row == 3 for w in res.report.warnings)
