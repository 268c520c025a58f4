"""Checks that stop an import instead of letting it write wrong data.

- :func:`check_value_targets`: every ``values:`` target of a mapping is a scale code or N/A;
- :func:`check_response_ids`: no response id appears twice;
- :func:`check_mentor_cells`: the mentor column is not empty throughout and holds no ids that a
  spreadsheet turned into numbers in scientific notation;
- :func:`off_scale_patterns`: an off-scale code found in several item columns is a code (N/A, a
  shifted scale), not a typo: the import stops and suggests the ``values:`` mapping.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd
from pandas._libs import lib

from mentorassess._factorize import factorize
from mentorassess.errors import ConfigError, DataError, Problem
from mentorassess.io.tables import RawTable
from mentorassess.io.values import NA, normalise_label

__all__ = ["check_value_targets", "check_response_ids", "check_mentor_cells", "off_scale_patterns"]

_SCIENTIFIC = re.compile(r"^\d(?:[.,]\d+)?E\+?\d+$", re.I)


def check_value_targets(mapping, instrument) -> None:
    """Refuse ``values:`` targets that are neither a code of the scale nor N/A (``na``)."""
    scale = instrument.scale
    ns = {normalise_label(x) for x in scale.non_substantive} | {NA, "missing", "n/a", "not applicable"}
    problems = []
    for k, v in (mapping.values or {}).items():
        if isinstance(v, str) and normalise_label(v) in ns:
            continue
        try:
            num = float(v)
        except (TypeError, ValueError):
            num = None
        if num is not None and num in scale.values:
            continue
        problems.append(Problem(f"values: maps {k!r} to {v!r}, which is not a code of the scale "
                                f"{scale.min}-{scale.max} and not N/A", file=mapping.source,
                                line=mapping.lines.get(("values", k)), value=v, code="value-target-off-scale",
                                hint=f"map it to a code {scale.min}-{scale.max}, or to na if it means "
                                     "'not applicable' or 'don't know'"))
    if problems:
        raise ConfigError.from_problems(problems, summary=f"{mapping.source}: values: targets outside the scale")


def check_response_ids(resp, table: RawTable, column: str | None) -> bool:
    """Refuse two responses with the same id taken from the export; True when the ids were checked."""
    if column is None:
        return False
    rid = resp["response_id"].to_numpy(dtype=object)
    if _increasing(rid):  # ids in ascending order (sequential exports): distinct without hashing
        return True
    dup = resp["response_id"].duplicated(keep=False).to_numpy()
    if not dup.any():
        return True
    rows = resp["source_row"].to_numpy()
    groups: dict[str, list[int]] = {}
    for i in np.flatnonzero(dup):
        groups.setdefault(str(rid[i]), []).append(int(rows[i]))
    listed = "; ".join(f"{k!r} in rows {', '.join(map(str, v))}" for k, v in list(groups.items())[:5])
    first = next(iter(groups.values()))
    raise DataError.from_problems([Problem(f"{len(groups)} response id(s) appear more than once: {listed}", file=table.file, row=first[1],
                    column=column, value=next(iter(groups)), code="duplicate-response-id",
                    hint="a response id identifies one response; remove the repeated rows (or export again)")])


def _increasing(ids: np.ndarray) -> bool:
    """True when every id is text and each is greater than the one before (so none repeats)."""
    if len(ids) < 2 or not lib.is_string_array(ids, skipna=False):
        return len(ids) < 2
    return bool((ids[1:] > ids[:-1]).all())


def check_mentor_cells(mentor: np.ndarray, rows: np.ndarray, table: RawTable, column: str,
                       factorized: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """Refuse an entirely empty mentor column and ids in scientific notation.

    ``factorized`` is ``pd.factorize(mentor, use_na_sentinel=False)`` when the caller has it.
    """
    inverse, uniq = factorized or factorize(np.asarray(mentor, dtype=object))
    if len(uniq) == 1 and isinstance(uniq[0], str) and uniq[0] == "":  # one distinct cell, and it is empty
        raise DataError.from_problems([Problem(f"the mentor column {column!r} is empty in all {len(mentor)} row(s)", file=table.file,
                        row=int(rows[0]) if len(rows) else None, column=column, code="empty-mentor-column",
                        hint="the mentor of each response is needed; check the export (embedded data, URL "
                             "parameter or hidden question) or map another column under columns: mentor:")])
    # the pattern needs an E: only cells with one are matched against it
    sci_u = np.array([("e" in t or "E" in t) and bool(_SCIENTIFIC.match(t)) for t in map(str, uniq)], dtype=bool)
    if sci_u.any():
        sci = sci_u[inverse]
        k = int(np.flatnonzero(sci)[0])
        raise DataError.from_problems([Problem(f"mentor id {mentor[k]!r} in {int(sci.sum())} row(s) is a number in scientific notation: "
                        "a spreadsheet rounded the id", file=table.file, row=int(rows[k]), column=column,
                        value=mentor[k], code="mangled-id",
                        hint="export again and open it without a spreadsheet, or format the column as text")])


def _yaml_map(pairs) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"


def column_stats(raw: pd.Series, cv, rows: np.ndarray) -> tuple[Counter, Counter, dict, bool]:
    """Off-scale numbers (count, first row) and scale codes (count) of one converted item column."""
    from mentorassess.io.values import _number

    oor: Counter = Counter()
    first: dict = {}
    idx = np.flatnonzero(cv.out_of_range) if cv.distinct_oor.any() else np.zeros(0, dtype=np.intp)
    texts = raw.iloc[idx].to_numpy(dtype=object) if len(idx) else ()  # only the off-scale cells as text
    for i, text in zip(idx, texts):
        num = _number(normalise_label(text))
        if num is None:  # "9 - Other" style: recoded text, not a bare code
            continue
        oor[num] += 1
        first.setdefault(num, int(rows[i]))
    return oor, Counter(cv.code_counts), first, bool(cv.answered)


def off_scale_patterns(table: RawTable, stats: dict, rules) -> None:
    """Stop when an off-scale code occurs in three or more item columns (or in all of fewer columns),
    or when the whole scale looks shifted by one (``0`` used and ``7`` never, ``8`` used and ``1`` never).

    ``stats`` maps each item column to :func:`column_stats`.
    """
    lo, hi = rules.scale_values[0], rules.scale_values[-1]
    in_cols: Counter = Counter()
    cells: Counter = Counter()
    plain: Counter = Counter()
    first: dict[float, tuple[str, int]] = {}
    answered_cols = 0
    for col, (oor, codes, rows, seen) in stats.items():
        for val, c in oor.items():
            in_cols[val] += 1
            cells[val] += c
            first.setdefault(val, (col, rows[val]))
        plain.update(codes)
        answered_cols += seen
    need = 3 if answered_cols >= 3 else max(answered_cols, 2)
    # A whole scale shifted by one: the code below the scale with the top code never used (or above it
    # with the bottom code never used) is a pattern even in one column.
    shifted_down = float(lo - 1) in in_cols and plain.get(float(hi), 0) == 0
    shifted_up = float(hi + 1) in in_cols and plain.get(float(lo), 0) == 0
    codes = sorted(c for c, n in in_cols.items() if n >= need or (shifted_down and c == lo - 1)
                   or (shifted_up and c == hi + 1))
    if not codes:
        return
    fmt = lambda x: str(int(x)) if float(x).is_integer() else str(x)  # noqa: E731
    as_na = _yaml_map((fmt(c), "na") for c in codes)
    options = [f"if {', '.join(map(fmt, codes))} mean{'s' if len(codes) == 1 else ''} N/A or 'don't know': "
               f"values: {as_na}"]
    primary = 0
    scale_counts = [plain.get(float(v), 0) for v in rules.scale_values]
    typical = sorted(scale_counts)[len(scale_counts) // 2]
    if float(hi + 1) in codes:
        shifted = _yaml_map([(fmt(lo), "na")] + [(fmt(v + 1), fmt(v)) for v in rules.scale_values])
        options.append(f"if the codes follow the display order with N/A first (N/A = {fmt(lo)}, then "
                       f"{fmt(lo)}-{fmt(hi)} as {fmt(lo + 1)}-{fmt(hi + 1)}): values: {shifted}")
        if shifted_up or (cells[float(hi + 1)] >= max(1, typical) and cells[float(hi + 1)] > plain.get(float(lo), 0)):
            primary = 1
    if float(lo - 1) in codes:
        shifted = _yaml_map((fmt(v - 1), fmt(v)) for v in rules.scale_values)
        options.append(f"if the codes start at {fmt(lo - 1)} ({fmt(lo - 1)}-{fmt(hi - 1)} for "
                       f"{fmt(lo)}-{fmt(hi)}): values: {shifted}")
        if plain.get(float(hi), 0) == 0:
            primary = len(options) - 1
    options.insert(0, options.pop(primary))
    col, row = first[codes[0]]
    listed = ", ".join(f"{fmt(c)} ({cells[c]} cell(s) in {in_cols[c]} of {answered_cols} item columns)"
                       for c in codes)
    raise DataError.from_problems([Problem(f"off-scale code(s) {listed}: codes that form a pattern (used across items, or a whole "
                    f"scale shifted by one) are not typos, and the scale is {lo}-{hi}", file=table.file, row=row, column=col, value=fmt(codes[0]),
                    code="off-scale-pattern",
                    hint="say what the codes mean in a mapping file (--mapping), most likely: "
                         + "; or ".join(options))])
