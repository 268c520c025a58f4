"""The staff workbook's zip entries deflated on two threads: the same bytes as zipfile one after the other."""

from __future__ import annotations

import io
import threading
import zipfile

import numpy as np
import pandas as pd

import mentorassess.reports._xlsx_zip as xzip
import mentorassess.reports.excel as excel


def _sheets():
    rng = np.random.default_rng(7)
    n = 6000
    words = np.array(["agree", "often", "my mentor", "helpful", "_x0041_ code", "tab\there", "line\nbreak"])
    big = pd.DataFrame({"mentor_id": [f"M{i:05d}" for i in range(n)], "mean": rng.normal(5, 1, n),
                        "n": rng.integers(0, 30, n),
                        "text": [" ".join(rng.choice(words, 12)) for _ in range(n)]})
    small = pd.DataFrame({"wave": ["pre", "post"], "share": [0.25, np.nan]})
    return [excel.Sheet("Mentors", big, note="one row per mentor"), excel.Sheet("Small", small),
            excel.Sheet("Empty", pd.DataFrame({"note": []})), excel.Sheet("More", big.iloc[::-1])]


def test_parallel_deflate_gives_the_bytes_of_the_serial_zip(monkeypatch):
    threads = threading.active_count()
    monkeypatch.setattr(xzip, "_PARALLEL_DEFLATE", True)
    fast = excel.workbook_bytes(_sheets(), readme=[("What", "test")])
    assert threading.active_count() == threads          # the deflate threads are gone
    monkeypatch.setattr(xzip, "_PARALLEL_DEFLATE", False)
    serial = excel.workbook_bytes(_sheets(), readme=[("What", "test")])
    assert fast == serial
    with zipfile.ZipFile(io.BytesIO(fast)) as z:
        assert z.testzip() is None                        # every CRC checks out
        assert len(z.read("xl/worksheets/sheet2.xml")) > 500_000


def test_entries_keep_their_order_when_writestr_comes_between(tmp_path):
    files = []
    for i, size in enumerate([300_000, 10, 200_000]):
        p = tmp_path / f"f{i}.xml"
        p.write_bytes((b"<row>%d</row>" % i) * (size // 12 + 1))
        files.append(p)

    def build(cls):
        buf = io.BytesIO()
        with cls(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.write(files[0], "a.xml")
            z.write(files[1], "b.xml")
            z.writestr("c.txt", "between")
            z.write(files[2], "d.xml")
        return buf.getvalue()

    assert build(xzip._ParallelZip) == build(xzip._LevelZip)
    with zipfile.ZipFile(io.BytesIO(build(xzip._ParallelZip))) as z:
        assert z.namelist() == ["a.xml", "b.xml", "c.txt", "d.xml"]
