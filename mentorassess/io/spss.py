"""SPSS ``.sav`` files through pyreadstat: codes, value labels and user-defined missing values.

The file is read with ``user_missing=True`` so that declared missing codes (e.g. 8 = N/A) stay
visible and are counted as non-substantive instead of vanishing; value labels are kept per
column to recognise non-substantive codes and to draft mappings. Numbers become text cells the
same way as in the other readers (``5.0`` -> ``"5"``), so one value pipeline serves all formats.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mentorassess.errors import ImportFormatError
from mentorassess.io.tables import RawTable, cell_text

__all__ = ["read_spss", "SAV_MAGIC"]

SAV_MAGIC = (b"$FL2", b"$FL3")


def _code_text(v) -> str:
    if isinstance(v, float):
        if np.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() else repr(v)
    return cell_text(v)


def read_spss(path: Path, file: str) -> RawTable:
    """Read a ``.sav``/``.zsav`` file into a :class:`RawTable`."""
    import pyreadstat

    try:
        head = path.read_bytes()[:4]
    except FileNotFoundError as exc:
        raise ImportFormatError("file not found", file=file, hint="check the path") from exc
    if head not in SAV_MAGIC:
        raise ImportFormatError("not an SPSS .sav file (its first bytes are not '$FL2')", file=file,
                                hint="export the survey again as SPSS, or pass --format for another format")
    try:
        df, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False,
                                       disable_datetime_conversion=False)
    except Exception as exc:  # pyreadstat raises ReadstatError and others for damaged files
        raise ImportFormatError(f"cannot read the SPSS file: {type(exc).__name__}: {str(exc)[:120]}", file=file,
                                hint="the file may be truncated; export it again") from exc
    if len(df) == 0:
        raise ImportFormatError("the SPSS file has variables but no cases (responses)", file=file,
                                hint="export again after responses were collected")
    body = pd.DataFrame({c: [_code_text(v) for v in df[c].tolist()] for c in df.columns}, dtype=object)
    table = RawTable(columns=list(df.columns), body=body, rows=np.arange(1, len(df) + 1), format="spss", file=file,
                     encoding=getattr(meta, "file_encoding", None))
    for col, labels in (meta.variable_value_labels or {}).items():
        table.value_labels[col] = {_code_text(k): str(v) for k, v in labels.items()}
    for col, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        codes: set[str] = set()
        for rng in ranges:
            lo, hi = rng.get("lo"), rng.get("hi")
            if lo == hi:
                codes.add(_code_text(lo))
            elif isinstance(lo, (int, float)) and isinstance(hi, (int, float)):
                codes.update(_code_text(float(v)) for v in np.unique(df[col].dropna())
                             if isinstance(v, (int, float)) and lo <= v <= hi)
        table.missing_codes[col] = codes
    table.column_labels = {c: str(l) for c, l in zip(meta.column_names, meta.column_labels) if l}
    return table
