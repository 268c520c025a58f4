"""Helpers for the R reference tests (reads tests/reference/psych/reference.json; R not needed)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

REF_DIR = Path(__file__).parent / "reference" / "psych"
TOL = 1e-4  # point estimates
FIT_TOL = 1e-3  # fit indices (we are in fact much closer; see the tests)


@lru_cache(maxsize=None)
def reference() -> dict:
    return json.loads((REF_DIR / "reference.json").read_text())


@lru_cache(maxsize=None)
def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(REF_DIR / name)


def data(name: str) -> pd.DataFrame:
    """A copy of a reference CSV (bfi.csv, hs1939.csv, clearcut.csv, mca26_mentee_pre.csv)."""
    return _csv(name).copy()


def rmat(m: dict) -> pd.DataFrame:
    """A matrix written by make_reference.R's ``mat()``."""
    rows = [row if isinstance(row, list) else [row] for row in m["values"]]
    vals = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    cols = m["cols"] if isinstance(m["cols"], list) else [m["cols"]]
    return pd.DataFrame(vals, index=m["rows"], columns=cols)


def arr(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def maxdiff(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    both_nan = np.isnan(a) & np.isnan(b)
    assert not (np.isnan(a) ^ np.isnan(b)).any(), "NaN pattern differs"
    d = np.abs(a - b)[~both_nan]
    return float(d.max()) if d.size else 0.0
