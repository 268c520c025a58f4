"""Wave and rater-role cells matched to the waves and roles that exist, never taken as new ones.

A cell is turned into a wave in this order: empty stays missing; an SPSS value label replaces
its code (``1`` -> ``Pre``); the mapping's ``waves:`` table; a REDCap unique event name loses its
``_arm_N``; then the label is compared with the declared waves (the program's ``waves:``; for a
standalone import the usual ids ``pre``, ``post``, ``retrospective_pre``, ``follow_up``) with
case, spaces, ``-`` and ``_`` ignored (``"Post "``, ``"POST"``, ``"follow-up"``), against ids and
labels. A label that matches nothing stops the import listing every such label with its count
and first row when waves are declared; a standalone import keeps it as a new wave id (case-folded)
and says so in a warning. Each relabelling is counted in the audit's ``recodes``.

A constant (``--wave``/``--role`` or the mapping's ``wave:``/``role:``) and a column of the
export must agree: a constant that contradicts the column is an error, never an override.

>>> key("  Follow-Up ")
'follow_up'
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Sequence

import numpy as np

from mentorassess._factorize import factorize
from mentorassess.errors import DataError, Problem
from mentorassess.io.values import normalise_label

__all__ = ["key", "WaveSet", "relabel", "check_constant"]

DEFAULT_WAVES = ("pre", "post", "retrospective_pre", "follow_up")


def key(text: str) -> str:
    """Comparison key of a wave or role label: case-folded, spaces/``-``/``_`` as one ``_``."""
    return re.sub(r"[\s_\-]+", "_", normalise_label(text)).strip("_")


class WaveSet:
    """The waves a label may name: ids with optional labels, or the default ids when undeclared."""

    def __init__(self, waves: Sequence | None) -> None:
        self.declared = bool(waves)
        self.lookup: dict[str, str] = {}
        self.ids: list[str] = []
        for w in (waves or DEFAULT_WAVES):
            wid = str(getattr(w, "id", w))
            self.ids.append(wid)
            self.lookup.setdefault(key(wid), wid)
            label = getattr(w, "label", None)
            if label:
                self.lookup.setdefault(key(label), wid)

    def find(self, label: str) -> str | None:
        return self.lookup.get(key(label))


def relabel(raw: np.ndarray, rows: np.ndarray, *, what: str, map_key: str, column: str, file: str, lookup,
            table_map: dict, value_labels: dict | None, strip_arm: bool, recodes: Counter, keep_unknown: bool,
            allowed: Sequence[str], warnings: list[Problem], spread: list | None = None) -> np.ndarray:
    """Map each distinct cell of a wave or role column (see the module notes); NaN where empty.

    ``lookup(label) -> id or None`` finds a known id; ``table_map`` is the mapping's ``waves:`` or
    ``roles:`` (keys compared by :func:`key`). A ``spread`` list receives ``(codes, labels)``: the
    result is ``labels[codes]`` (later steps group the rows by the codes without hashing the cells).
    """
    tmap = {key(k): v for k, v in table_map.items()}
    # Each distinct cell is looked up once (in order of first appearance) and the results are
    # spread by one gather; counts come from the distinct cells' tallies.
    codes, uniq = factorize(np.asarray(raw, dtype=object))
    counts = np.bincount(codes, minlength=len(uniq))
    out_u = np.full(len(uniq), np.nan, dtype=object)
    unknown: dict[str, list] = {}
    kept_new: dict[str, int] = {}
    for k, v in enumerate(uniq.tolist()):
        if v == "" or v is None:
            continue
        label, shown = v, repr(v)
        if value_labels and v in value_labels:
            label = value_labels[v]
        if key(label) in tmap:
            label = str(tmap[key(label)])
            shown = f"{v!r} (mapped to {label!r})"
        elif strip_arm:
            label = re.sub(r"_arm_\d+$", "", label)
        found = lookup(label)
        n = int(counts[k])
        if found is None:
            if keep_unknown:
                found = normalise_label(label)
                kept_new[found] = kept_new.get(found, 0) + n
            else:
                unknown[shown] = [n, int(rows[np.flatnonzero(codes == k)[0]])]
                continue
        out_u[k] = found
        if v != found:
            recodes[f"{what} {v!r} -> {found}"] += n
    out = out_u[codes] if len(uniq) else np.full(len(raw), np.nan, dtype=object)
    if spread is not None and len(uniq):
        spread.append((codes, out_u))
    if unknown:
        listed = ", ".join(f"{v} ({n} row(s), first row {r})" for v, (n, r) in unknown.items())
        first = next(iter(unknown.values()))[1]
        raise DataError(f"unknown {what}(s) {listed}", file=file, row=first, column=column,
                        value=next(iter(unknown)),
                        hint=f"the {what}s are {', '.join(allowed)} (case and spacing do not matter); correct the "
                             f"cells or map each label under {map_key}: in a mapping file")
    for new, n in kept_new.items():
        warnings.append(Problem(f"{what} {new!r} ({n} response(s)) is not one of {', '.join(allowed)}; kept as a "
                                f"{what} of its own", file=file, column=column, value=new, code=f"new-{what}",
                                severity="warning",
                                hint="declare the waves in the program configuration to have unknown labels refused"))
    return out


def check_constant(given: str, values: np.ndarray, rows: np.ndarray, *, what: str, option: str, column: str,
                   file: str) -> None:
    """Refuse a constant wave/role that contradicts non-empty cells of the export's column."""
    filled = np.array([isinstance(v, str) for v in values], dtype=bool)
    other = filled & (values.astype(object) != given)
    if other.any():
        counts = Counter(values[other].tolist())
        listed = ", ".join(f"{v!r} in {n} row(s)" for v, n in sorted(counts.items()))
        first = int(rows[np.flatnonzero(other)[0]])
        raise DataError(f"{option} contradicts the {what} column {column!r}, which says {listed}", file=file,
                        row=first, column=column, value=given,
                        hint=f"drop {option} (in a program configuration: the export's {what.split()[-1]}:) to use "
                             "the column, or correct the column; a constant never overrides the export's own cells")
