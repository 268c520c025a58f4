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

__all__ = ["write_csv", "read_csv", "frame_to_csv_bytes", "read_responses"]


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
    # The csv module quotes a field holding "\n" but not one holding a bare "\r", which readers then take
    # as a line break (the row splits). Each "\r" travels as a token holding "\n", so its field is
    # quoted, and is put back afterwards.
    token = "\ue000\n\ue001"
    while any(isinstance(v, str) and token in v for col in out.columns if out[col].dtype == object
              for v in out[col]):
        token += "\ue001"
    has_cr = False
    for col in out.columns:
        if out[col].dtype == object:
            cr = out[col].map(lambda v: isinstance(v, str) and "\r" in v)
            if cr.any():
                has_cr = True
                out.loc[cr, col] = out.loc[cr, col].str.replace("\r", token, regex=False)
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n", float_format="%.17g")
    text = buf.getvalue()
    return (text.replace(token, "\r") if has_cr else text).encode("utf-8")


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
    except IsADirectoryError as exc:
        raise DataError("this is a folder, not a file", file=str(path)) from exc
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        detail = {"UnicodeDecodeError": "the file is not UTF-8 text", "EmptyDataError": "the file is empty"}.get(
            type(exc).__name__) or (str(exc).strip().splitlines() or [""])[-1]
        raise DataError(f"cannot read as a canonical CSV: {detail}", file=str(path),
                        hint="canonical files are UTF-8 CSV with one header row") from None
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].map(unescape_cell)
    return df


REQUIRED = ("response_id", "mentor_id", "rater_role", "wave")
_SHOWN = 5  # rows listed per problem


def _header_names(path: Path, file: str) -> list[str]:
    """The raw header of a canonical CSV or XLSX (before pandas renames duplicates to ``x.1``)."""
    from mentorassess.io.tables import _read_bytes, head_records, read_xlsx_grid, sniff_delimiter

    if path.suffix.lower() in (".xlsx", ".xlsm"):
        grid = read_xlsx_grid(path, file)
        return grid.row(0) if len(grid.cells) else []
    raw = _read_bytes(path, file)
    if not raw.strip():
        raise DataError("the file is empty", file=file, hint="canonical files have a header row and one row "
                                                            "per response (mentorassess import -o)")
    if b"\x00" in raw[:4096]:
        raise DataError("this is a binary file, not a canonical CSV", file=file,
                        hint="canonical files are UTF-8 CSV written by mentorassess import -o")
    try:
        text = raw[:200_000].decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < 199_990:
            line = raw[:exc.start].count(b"\n") + 1
            raise DataError(f"invalid UTF-8 at byte {exc.start:,} (line {line})", file=file, row=line,
                            hint="canonical files are UTF-8; save the file as UTF-8 CSV") from None
        text = raw[:exc.start].decode("utf-8-sig")
    first = head_records(text, sniff_delimiter(text.split("\n", 1)[0]), 1)
    return [c.strip() for c in first[0]] if first else []


def read_responses(path: str | Path, instrument=None, *, what: str = "responses") -> pd.DataFrame:
    """Read and check a canonical responses file (CSV or XLSX) before anything is computed from it.

    Every problem is listed at once with the file, the row as a spreadsheet shows it (header =
    row 1) and the column: duplicate or missing columns, no data rows, empty ids, duplicate
    response ids, rater roles that are not a form of the instrument, non-numeric or off-scale
    item values. Messages never contain comment text.

    Raises
    ------
    DataError
    """
    from mentorassess.errors import Problem

    path = Path(path)
    file = str(path)
    if not path.exists():
        raise DataError(f"{what} file not found", file=file, hint="check the path")
    if path.is_dir():
        raise DataError("this is a folder, not a file", file=file, hint=f"pass the {what} file")
    names = _header_names(path, file)
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    for j, name in enumerate(names):
        if name in seen and name:
            problems.append(Problem(f"column name appears twice (columns {seen[name] + 1} and {j + 1})", file=file,
                                    row=1, column=name, code="duplicate-column"))
        seen.setdefault(name, j)
    if problems:
        raise DataError.from_problems(problems, summary=f"{file}: the header row cannot be used")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        df = pd.read_excel(path, dtype={c: str for c in ("response_id", "mentor_id", "rater_id", "wave",
                                                         "rater_role", "cohort")})
        for col in df.columns:
            if df[col].dtype == object:
                df[col] = df[col].map(unescape_cell)
    else:
        df = read_csv(path)
    if len(df) == 0:
        raise DataError(f"the file has only its header row and no {what}", file=file,
                        hint="write it again with mentorassess import -o after responses were collected")
    rows = np.arange(2, len(df) + 2)

    def where(mask) -> tuple[int, str]:
        hit = rows[np.asarray(mask, dtype=bool)]
        listed = ", ".join(map(str, hit[:_SHOWN])) + (" ..." if len(hit) > _SHOWN else "")
        return int(hit[0]), listed

    missing = [c for c in REQUIRED if c not in df.columns]
    for col in missing:
        problems.append(Problem("required column is missing", file=file, row=1, column=col, code="missing-column",
                                hint="canonical responses have response_id, mentor_id, rater_role, wave and "
                                     "the instrument's item columns"))
    for col in REQUIRED:
        if col in df.columns:
            empty = df[col].isna().to_numpy() | (df[col].astype(str).str.strip() == "").to_numpy()
            if empty.any():
                first, listed = where(empty)
                problems.append(Problem(f"{int(empty.sum())} empty value(s) in rows {listed}", file=file, row=first,
                                        column=col, code="empty-id"))
    if "response_id" in df.columns:
        dup = df["response_id"].duplicated(keep=False).to_numpy() & df["response_id"].notna().to_numpy()
        if dup.any():
            first, listed = where(dup)
            problems.append(Problem(f"{int(dup.sum())} rows share a response_id (rows {listed})", file=file,
                                    row=first, column="response_id", code="duplicate-response",
                                    hint="each response must appear once"))
    ins = None
    if instrument is not None:
        from mentorassess.instruments import load_instrument

        ins = load_instrument(instrument)
    if ins is not None:
        roles = {f.rater_role for f in ins.forms.values()}
        if "rater_role" in df.columns:
            unknown = df["rater_role"].notna().to_numpy() & ~df["rater_role"].isin(roles).to_numpy()
            if unknown.any():
                first, listed = where(unknown)
                found = sorted(set(map(str, df.loc[unknown, "rater_role"])))[:_SHOWN]
                problems.append(Problem(f"rater role(s) {', '.join(map(repr, found))} are not forms of "
                                        f"{ins.id} (rows {listed})", file=file, row=first, column="rater_role",
                                        value=found[0], code="unknown-role",
                                        hint=f"expected one of {', '.join(sorted(roles))}"))
        absent = [i for i in ins.item_ids if i not in df.columns]
        if absent:
            shown = ", ".join(absent[:8]) + (" ..." if len(absent) > 8 else "")
            problems.append(Problem(f"{len(absent)} item column(s) of instrument {ins.id!r} are missing: {shown}",
                                    file=file, row=1, code="missing-items",
                                    hint="were the responses imported with this instrument?"))
        lo, hi = ins.scale.min, ins.scale.max
        for item in ins.item_ids:
            if item not in df.columns:
                continue
            col = df[item]
            num = pd.to_numeric(col, errors="coerce")
            bad = (num.isna() & col.notna()).to_numpy()
            if bad.any():
                first, listed = where(bad)
                problems.append(Problem(f"{int(bad.sum())} value(s) are not numbers (rows {listed})", file=file,
                                        row=first, column=item, code="not-numeric",
                                        hint="item columns hold numeric codes; import the export with "
                                             "mentorassess import to convert answer labels"))
            off = (num.notna() & ((num < lo) | (num > hi) | (num != np.floor(num)))).to_numpy()
            if off.any():
                first, listed = where(off)
                problems.append(Problem(f"{int(off.sum())} value(s) are not codes of the scale {lo}-{hi} "
                                        f"(rows {listed})", file=file, row=first, column=item,
                                        value=sorted(num[off].unique().tolist())[:_SHOWN], code="out-of-range"))
    if problems:
        raise DataError.from_problems(problems, summary=f"{file}: the {what} cannot be used")
    return df
