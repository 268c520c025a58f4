"""Turning answer cells into item codes: labels, numbers as text, non-substantive and out-of-range values.

Rules (DESIGN.md, "Values at import"):

- An empty cell is missing (skipped), not counted.
- A declared missing code, a non-substantive label (the instrument's ``non_substantive`` list,
  N/A) or a code whose value label is non-substantive becomes missing and is counted per item.
- A number on the scale is kept; "7 - Extremely skilled", "7 = ..." and anchor labels map to codes;
  case, whitespace, non-breaking spaces and smart quotes do not matter.
- A number off the scale becomes missing and is counted per column (with a warning).
- Any other text is an unknown label: the import stops listing label, column and count, unless
  the mapping's ``values:`` table maps it.
- A column where most answered cells are off the scale or unknown means a wrong mapping: stop.

Classification is done once per distinct cell text, so large files cost little.

Examples
--------
>>> normalise_label("  7 \\u2013 Extremely\\u00a0skilled ")
'7 - extremely skilled'
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from mentorassess._factorize import factorize

__all__ = ["normalise_label", "ValueRules", "ColumnValues", "convert_column", "NA"]

NA = "na"
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2013": "-", "\u2014": "-",
                         "\u2212": "-", "\u00a0": " "})
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_PREFIXED = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(?:-|=|:|\.|\))\s*\S")
_DEFAULT_NS = ("n/a", "na", "not applicable", "don't know", "do not know", "dont know")


def normalise_label(text: str) -> str:
    """Case-folded label with unified quotes/dashes and collapsed whitespace (NFKC)."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_QUOTES)
    return " ".join(text.split()).casefold()


def _number(text: str) -> float | None:
    if _NUMBER.match(text):
        return float(text.replace(",", "."))
    return None


@dataclass
class ValueRules:
    """How to read answer cells for one instrument and mapping.

    Parameters
    ----------
    scale_values : tuple of int
    scale_labels : dict
        Normalised anchor label -> code.
    non_substantive : set of str
        Normalised non-substantive labels.
    value_map : dict
        Normalised label or code text (from the mapping's ``values:``) -> code or ``"na"``.
    missing_codes : set of str
        Code texts declared missing for every item column.
    """

    scale_values: tuple[int, ...]
    scale_labels: dict[str, int]
    non_substantive: set[str]
    value_map: dict[str, object] = field(default_factory=dict)
    missing_codes: set[str] = field(default_factory=set)

    @classmethod
    def build(cls, instrument, value_map: dict | None = None, missing_codes=()) -> "ValueRules":
        """Rules for an instrument's scale plus a mapping's ``values:`` and ``missing_codes:``."""
        scale = instrument.scale
        labels = {normalise_label(lab): int(code) for code, lab in scale.labels.items()}
        ns = {normalise_label(x) for x in scale.non_substantive} | set(_DEFAULT_NS)
        vm = {}
        for k, v in (value_map or {}).items():
            key = normalise_label(_code_key(k))
            vm[key] = NA if (isinstance(v, str) and normalise_label(v) in (NA, "missing")) else v
        return cls(tuple(int(v) for v in scale.values), labels, ns, vm,
                   {normalise_label(_code_key(c)) for c in missing_codes})


def _code_key(k) -> str:
    if isinstance(k, float) and k.is_integer():
        return str(int(k))
    return str(k)


@dataclass
class ColumnValues:
    """Result of converting one column: codes plus counts over all rows.

    Held per distinct text (``inverse`` gives each cell's distinct text); the per-cell arrays
    ``codes``, ``non_substantive``, ``out_of_range`` and ``nonempty`` are spread on first use.
    """

    inverse: np.ndarray              # int: position of each cell's text among the distinct texts
    distinct_codes: np.ndarray       # float per distinct text, NaN where missing
    distinct_ns: np.ndarray          # bool per distinct text: a non-substantive answer
    distinct_oor: np.ndarray         # bool per distinct text: a number off the scale
    distinct_empty: np.ndarray       # bool per distinct text: empty (or held by no cell)
    unknown: Counter                 # raw label -> count
    recodes: Counter                 # (raw text, code) -> count, for text that was not a plain code
    answered: int                    # non-empty cells
    distinct_counts: np.ndarray      # int per distinct text: the cells holding it
    code_counts: dict = field(default_factory=dict)  # code -> cells holding it (ascending codes)

    @property
    def off_scale_cells(self) -> int:
        """Cells holding a number off the scale."""
        return int(self.distinct_counts[self.distinct_oor].sum())

    @cached_property
    def codes(self) -> np.ndarray:
        """Float code per cell, NaN where missing."""
        return self.distinct_codes[self.inverse]

    @cached_property
    def non_substantive(self) -> np.ndarray:
        """Per cell: a non-substantive answer."""
        return self.distinct_ns[self.inverse]

    @cached_property
    def out_of_range(self) -> np.ndarray:
        """Per cell: a number off the scale."""
        return self.distinct_oor[self.inverse]

    @cached_property
    def nonempty(self) -> np.ndarray:
        """Per cell: the cell is not empty."""
        return ~self.distinct_empty[self.inverse]


def classify(raw: str, rules: ValueRules, labels: dict[str, str] | None, missing: set[str] | None):
    """Classify one distinct cell text: ``("code", x)``, ``("na",)``, ``("empty",)``, ``("oor", x)``, ``("unknown",)``.

    The second element of a code result says whether a recode from text happened.
    """
    text = normalise_label(raw)
    if text == "":
        return ("empty", None, False)
    if text in rules.missing_codes or (missing and raw.strip() in missing):
        return ("na", None, False)
    if text in rules.value_map:
        target = rules.value_map[text]
        if target == NA:
            return ("na", None, True)
        try:
            return ("code", float(target), True)
        except (TypeError, ValueError):
            return ("unknown", None, False)
    num = _number(text)
    if num is not None:
        key = str(int(num)) if num.is_integer() else raw.strip()
        if labels and key in labels and normalise_label(labels[key]) in rules.non_substantive:
            return ("na", None, False)
        if num in rules.scale_values:
            return ("code", num, False)
        return ("oor", num, False)
    if text in rules.non_substantive:
        return ("na", None, True)
    if text in rules.scale_labels:
        return ("code", float(rules.scale_labels[text]), True)
    m = _PREFIXED.match(text)
    if m:
        num = float(m.group(1))
        if num in rules.scale_values:
            return ("code", num, True)
        return ("oor", num, True)
    if labels:
        for code, lab in labels.items():
            if normalise_label(lab) == text:
                return classify(code, rules, labels, missing)
    return ("unknown", None, False)


def _distinct(values) -> tuple[np.ndarray, list[str]]:
    """Position of each cell's text among the distinct texts, and those texts (``""`` for non-text).

    A categorical column is read through its categories (no per-cell hashing); any other column
    is factorised once.
    """
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        inverse = values.cat.codes.to_numpy()
        uniq = list(values.cat.categories)
        if (inverse < 0).any():  # a missing cell: one more distinct value, read as empty
            inverse = np.where(inverse < 0, len(uniq), inverse)
            uniq.append(None)
    else:
        arr = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
        inverse, uniq = factorize(arr)
    return inverse, [u if isinstance(u, str) else "" for u in uniq]


def convert_column(values: pd.Series, rules: ValueRules, labels: dict[str, str] | None = None,
                   missing: set[str] | None = None) -> ColumnValues:
    """Convert a column of answer texts into codes (see the module rules).

    Each distinct text is classified once and the per-cell arrays are taken from the per-distinct
    ones (a column of scale codes costs one hashing pass, or none for a categorical column).
    """
    inverse, uniq = _distinct(values)
    counts = np.bincount(inverse, minlength=len(uniq))
    empty_u = np.zeros(len(uniq), dtype=bool)
    code_u = np.full(len(uniq), np.nan)
    ns_u = np.zeros(len(uniq), dtype=bool)
    oor_u = np.zeros(len(uniq), dtype=bool)
    unknown: Counter = Counter()
    recodes: Counter = Counter()
    per_code: dict = {}
    answered = 0
    for k, raw in enumerate(uniq):
        if counts[k] == 0:  # an unused category of a categorical column: no cell holds it
            empty_u[k] = True
            continue
        kind, val, recoded = classify(raw, rules, labels, missing)
        if kind != "empty":
            answered += int(counts[k])
        else:
            empty_u[k] = True
        if kind == "code":
            code_u[k] = val
            if val == val:
                per_code[float(val)] = per_code.get(float(val), 0) + int(counts[k])
            if recoded:
                recodes[(str(raw).strip(), int(val) if float(val).is_integer() else val)] += int(counts[k])
        elif kind == "na":
            ns_u[k] = True
            if recoded:
                recodes[(str(raw).strip(), "N/A")] += int(counts[k])
        elif kind == "oor":
            oor_u[k] = True
        elif kind == "unknown":
            unknown[str(raw).strip()] += int(counts[k])
    return ColumnValues(inverse=inverse, distinct_codes=code_u, distinct_ns=ns_u, distinct_oor=oor_u,
                        distinct_empty=empty_u, unknown=unknown, recodes=recodes, answered=answered,
                        code_counts=dict(sorted(per_code.items())), distinct_counts=counts)
