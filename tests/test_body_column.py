"""``tables._body_column``: a categorical column without its header rows keeps exactly the
categories its body cells use (issue 24, round 10: only the header rows' categories are looked for)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mentorassess.io.tables import _body_column


def _column(cells: list, categories: list | None = None) -> pd.Series:
    return pd.Series(pd.Categorical(cells, categories=categories))


@pytest.mark.parametrize("n_header, cells", [
    (1, ["mca01", "7", "6", "", "7"]),                     # header text used by no body cell
    (1, ["7", "7", "6"]),                                   # header text also a body cell: kept
    (3, ["Q1", "How well ...", '{"ImportId":"QID1"}', "5", "", "4", "5"]),  # three header rows
    (2, ["zz", "aa", "mm", "aa", "zz"]),                     # headers at both ends of the sorted categories
    (1, ["h", None, "3", None]),                            # missing cells stay missing
    (1, ["only"]),                                          # no body rows
])
def test_body_keeps_exactly_the_categories_of_its_cells(n_header, cells):
    col = _column(cells)
    got = pd.Series(_body_column(col, n_header))
    body = cells[n_header:]
    assert [x if isinstance(x, str) else None for x in got.tolist()] == body
    assert list(got.cat.categories) == sorted({c for c in body if isinstance(c, str)})
    assert got.isna().tolist() == [c is None for c in body]


def test_codes_of_a_large_column_are_shifted_past_every_dropped_category():
    rng = np.random.default_rng(7)
    body = rng.choice(["1", "2", "3", "5", "N/A"], size=50_000).tolist()
    cells = ["4", "0", "9"] + body  # three header rows whose texts sort between and around the body's
    col = _column(cells)
    got = _body_column(col, 3)
    assert list(got.categories) == ["1", "2", "3", "5", "N/A"]
    assert np.asarray(got).tolist() == body
    assert got.codes.dtype == col.cat.codes.dtype


def test_object_column_is_returned_as_its_cells():
    col = pd.Series(["id", "a", "b"], dtype=object)
    assert _body_column(col, 1).tolist() == ["a", "b"]
