"""A large CSV parsed as two halves gives the cells of one parse, or declines (then one parse runs)."""

from __future__ import annotations

import csv
import random

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import ImportFormatError
from mentorassess.io import read_export, split_read, tables
from mentorassess.instruments import load_instrument

MCA = load_instrument("mca-26")


def _kw(ncols, categories=()):
    dtype = {j: ("category" if j in categories else str) for j in range(ncols)}
    return dict(encoding="utf-8", sep=",", header=None, names=list(range(ncols)), dtype=dtype,
                keep_default_na=False, na_filter=False, engine="c", skip_blank_lines=False, quoting=csv.QUOTE_MINIMAL)


def _as_text(frame):
    return {c: frame[c].astype(object).tolist() for c in frame.columns}


def _rows(seed: int, n: int, stray: bool = False) -> bytes:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        comment = rng.choice(["", "fine", "a, b", 'said ""hi""', "two\nlines", "three\r\nlines\nhere", "   "])
        cells = [f"R{i}", rng.choice(["self", "mentee"]), str(rng.randint(1, 7)), f'"{comment}"' if comment else ""]
        if stray and i == n // 3:
            cells[3] = 'he said "ok" once'  # a quote inside an unquoted cell: literal for the parser
        out.append(",".join(cells) + rng.choice(["\n", "\r\n"]))
    return "".join(out).encode()


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("stray", [False, True])
def test_halves_equal_one_parse(tmp_path, monkeypatch, seed, stray):
    monkeypatch.setattr(split_read, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(split_read, "_cores", lambda: 2)
    path = tmp_path / "f.csv"
    path.write_bytes(_rows(seed, 300 + 37 * seed, stray))
    kw = _kw(4, categories={1, 2})
    whole = pd.read_csv(path, **kw)
    halves = split_read.read_halves(path, path.stat().st_size, **kw)
    if halves is None:  # declined: the caller parses once
        assert stray or split_read.split_point(path, path.stat().st_size) is None
        return
    assert len(halves) == len(whole)
    assert _as_text(halves) == _as_text(whole)
    for c in (1, 2):
        assert isinstance(halves[c].dtype, pd.CategoricalDtype)
        assert list(halves[c].cat.categories) == sorted(whole[c].cat.categories)


def test_split_inside_a_quoted_cell_is_refused(tmp_path, monkeypatch):
    # a stray quote early on makes the quote count odd, so the first candidate split lies inside a
    # quoted multi-line cell: the first half then ends inside it and the split is dropped
    monkeypatch.setattr(split_read, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(split_read, "_cores", lambda: 2)
    lines = ['R0,x,1,he said "ok\n'] + [f"R{i},x,1,\n" for i in range(1, 200)]
    lines.insert(100, 'R100,x,1,"' + "".join(f"line {k}\n" for k in range(300)) + 'end"\n')
    path = tmp_path / "f.csv"
    path.write_bytes("".join(lines).encode())
    at = split_read.split_point(path, path.stat().st_size)
    kw = _kw(4)
    whole = pd.read_csv(path, **kw)
    assert len(whole) == 201 and whole[3][100].startswith("line 0\n")
    assert at is not None and b"line" in path.read_bytes()[at:at + 8]  # the candidate is inside the cell
    assert split_read.read_halves(path, path.stat().st_size, **kw) is None
    res = tables.read_text_grid(path, str(path))[0]  # one parse instead: the same 201 rows
    assert _as_text(res.cells) == _as_text(whole)


def test_malformed_file_gives_the_one_parse_message(tmp_path, monkeypatch):
    monkeypatch.setattr(split_read, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(split_read, "_cores", lambda: 2)
    header = "response_id,mentor_id,rater_role,wave,rater_id," + ",".join(MCA.item_ids)
    body = [f"R{i},M1,mentee,pre,E{i}," + ",".join(["5"] * 26) for i in range(4000)]
    body[3000] += ",extra"
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
    with pytest.raises(ImportFormatError) as err:
        read_export(path, "mca-26")
    monkeypatch.setattr(split_read, "SPLIT_MIN_BYTES", 1 << 40)
    with pytest.raises(ImportFormatError) as one:
        read_export(path, "mca-26")
    assert str(err.value) == str(one.value) and "3002" in str(one.value)


def test_large_export_reads_the_same_split_or_not(tmp_path, monkeypatch):
    header = "response_id,mentor_id,rater_role,wave,rater_id," + ",".join(MCA.item_ids) + ",comment_growth"
    rng = np.random.default_rng(3)
    body = [f"R{i},M{i % 50},{'self' if i % 9 == 0 else 'mentee'},{'pre' if i % 2 else 'post'},E{i},"
            + ",".join(str(v) for v in rng.integers(1, 8, 26)) + (',"keep\ngoing, please"' if i % 13 == 0 else ",")
            for i in range(20_000)]
    path = tmp_path / "big.csv"
    path.write_text("\r\n".join([header, *body]) + "\r\n", encoding="utf-8")
    assert path.stat().st_size > tables._HEAD
    monkeypatch.setattr(split_read, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(split_read, "_cores", lambda: 2)
    calls = []
    real = split_read.read_halves
    monkeypatch.setattr(tables, "read_halves", lambda *a, **k: calls.append(1) or real(*a, **k))
    split = read_export(path, "mca-26")
    assert calls
    monkeypatch.setattr(split_read, "SPLIT_MIN_BYTES", 1 << 40)
    one = read_export(path, "mca-26")
    pd.testing.assert_frame_equal(split.responses, one.responses)
    assert split.report.to_dict() == one.report.to_dict()
