"""The item arrays of an import made from per-distinct conversions (``io/spread.py``), on a second
thread: the same arrays as the per-cell properties of each column, the same import as when they
are made on the calling thread, and an error in the thread reaches the caller."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mentorassess.instruments import load_instrument
from mentorassess.io import api, read_export
from mentorassess.io.spread import Background, spread_items
from mentorassess.io.values import ValueRules, convert_column
from mentorassess.sample import generate

MCA = load_instrument("mca-26")


def test_spread_equals_the_per_cell_conversions():
    rng = np.random.default_rng(5)
    rules = ValueRules.build(MCA, {}, ["-99"])
    cells = ["1", "7", "", "N/A", "9", " 4 ", "-99", "7 - Extremely skilled", "0"]
    cols = {j: pd.Series(rng.choice(cells, 500), dtype="category" if j % 2 else object) for j in (0, 3, 4, 25)}
    converted = [(j, convert_column(c, rules)) for j, c in cols.items()]
    codes, ns, oor, answered = spread_items(converted, 500, 26)
    for j, cv in converted:
        np.testing.assert_array_equal(codes[:, j], cv.codes)
        np.testing.assert_array_equal(ns[:, j], cv.non_substantive)
        np.testing.assert_array_equal(oor[:, j], cv.out_of_range)
        assert cv.off_scale_cells == int(cv.out_of_range.sum())
    assert np.isnan(codes[:, [1, 2, 5, 24]]).all() and not ns[:, 1].any() and not oor[:, 2].any()
    np.testing.assert_array_equal(answered, sum(cv.nonempty.astype(int) for _, cv in converted))
    assert answered.dtype == int


def test_an_error_in_the_thread_is_raised_by_result():
    def fail():
        raise MemoryError("no room")

    job = Background(fail)
    with pytest.raises(MemoryError, match="no room"):
        job.result()
    assert Background(lambda: 41 + 1).result() == 42


class _Inline:
    """Background without a thread (the reference)."""

    def __init__(self, fn):
        self._value = fn()

    def result(self):
        return self._value


def test_threaded_import_equals_the_inline_one(tmp_path, monkeypatch):
    program = generate(seed=9, n_mentors=12)
    path = tmp_path / "responses.csv"
    program.responses.drop(columns=["source_row"]).to_csv(path, index=False)
    threaded = read_export(path, "mca-26")
    monkeypatch.setattr(api, "Background", _Inline)
    inline = read_export(path, "mca-26")
    pd.testing.assert_frame_equal(threaded.responses, inline.responses, check_exact=True)
    assert threaded.report == inline.report
