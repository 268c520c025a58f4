"""Canonical CSV files: responses, scores and rosters as mentorassess writes and reads them.

Written files are UTF-8 with ``\\n`` line endings, item codes as whole numbers, missing values
empty, and every text cell escaped against formula injection (:mod:`mentorassess._safe`).
:func:`read_csv` undoes the escaping exactly.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from mentorassess._files import atomic_write_bytes
from mentorassess._safe import escape_cell, unescape_cell
from mentorassess.errors import DataError

__all__ = ["write_csv", "read_csv", "frame_to_csv_bytes"]


def frame_to_csv_bytes(df: pd.DataFrame) -> bytes:
    """Serialise a frame deterministically: escaped text, integral floats without ``.0``."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = s.map(escape_cell)
        elif pd.api.types.is_float_dtype(s):
            finite = s.dropna()
            if len(finite) and np.all(np.equal(np.mod(finite, 1), 0)):
                out[col] = s.astype("Int64")
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n", float_format="%.17g")
    return buf.getvalue().encode("utf-8")


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` to ``path`` atomically; return the path."""
    return atomic_write_bytes(path, frame_to_csv_bytes(df))


def read_csv(path: str | Path, **kwargs) -> pd.DataFrame:
    """Read a canonical CSV written by :func:`write_csv` (text unescaped, ids kept as text)."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype={"response_id": str, "mentor_id": str, "rater_id": str, "wave": str,
                                      "rater_role": str, "cohort": str}, keep_default_na=False,
                         na_values=[""], encoding="utf-8-sig", **kwargs)
    except FileNotFoundError as exc:
        raise DataError("file not found", file=str(path), hint="check the path") from exc
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"cannot read as a canonical CSV: {type(exc).__name__}", file=str(path),
                        hint="canonical files are UTF-8 CSV with one header row") from exc
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].map(unescape_cell)
    return df
