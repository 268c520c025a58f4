"""The importer's column conversion: per-distinct and categorical paths against a cell-by-cell reference.

``convert_column`` classifies each distinct text once (or each category of a categorical column)
and spreads the result over the cells. These tests rebuild its result cell by cell with
``classify`` and check that codes, N/A, off-scale and unknown-label counts, recodes and per-code
counts are identical on tricky columns, and that an import's audit is unchanged by the path.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from mentorassess.instruments import load_instrument
from mentorassess.io.checks import column_stats
from mentorassess.io.values import ValueRules, classify, convert_column

MCA = load_instrument("mca-26")

TRICKY = ["7", "7.0", " 7 ", "7,0", "6.5", "6,5", "8", "8 - N/A", "8 = not applicable", "N/A", "n/a ", "Don't know",
          "don\u2019t know", "", "   ", "\u00a0", "0", "-1", "99", "-99", "1e3", "Extremely skilled",
          "EXTREMELY  SKILLED", "7 - Extremely skilled", "3)", "4. Moderately", "Sort of", "banana", "+5",
          "5 ", "\t2", "1.00", "12", "3.14159"]


def _reference(cells, rules, labels=None, missing=None):
    """The rules applied to each cell on its own (no sharing between equal texts)."""
    codes, ns, oor, nonempty = [], [], [], []
    unknown, recodes, per_code = Counter(), Counter(), Counter()
    for raw in cells:
        raw = raw if isinstance(raw, str) else ""
        kind, val, recoded = classify(raw, rules, labels, missing)
        codes.append(val if kind == "code" else np.nan)
        ns.append(kind == "na")
        oor.append(kind == "oor")
        nonempty.append(kind != "empty")
        if kind == "code":
            per_code[float(val)] += 1
            if recoded:
                recodes[(raw.strip(), int(val) if float(val).is_integer() else val)] += 1
        elif kind == "na" and recoded:
            recodes[(raw.strip(), "N/A")] += 1
        elif kind == "unknown":
            unknown[raw.strip()] += 1
    return (np.array(codes, dtype=float), np.array(ns), np.array(oor), np.array(nonempty), unknown, recodes,
            dict(sorted(per_code.items())))


def _same(cv, ref):
    codes, ns, oor, nonempty, unknown, recodes, per_code = ref
    np.testing.assert_array_equal(cv.codes, codes)
    np.testing.assert_array_equal(cv.non_substantive, ns)
    np.testing.assert_array_equal(cv.out_of_range, oor)
    np.testing.assert_array_equal(cv.nonempty, nonempty)
    assert cv.unknown == unknown
    assert cv.recodes == recodes
    assert cv.answered == int(nonempty.sum())
    assert cv.code_counts == per_code and list(cv.code_counts) == sorted(per_code)


@pytest.mark.parametrize("seed", range(12))
def test_object_and_categorical_columns_match_cell_by_cell_rules(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    pool = TRICKY if seed % 3 else [str(v) for v in range(1, 8)] + ["", "8"]  # some columns are plain codes
    cells = [pool[k] for k in rng.integers(0, len(pool), n)]
    kw = {}
    if seed % 4 == 1:
        kw = {"value_map": {"sort of": 4, "banana": "na", 99: "na"}, "missing_codes": ["-99"]}
    rules = ValueRules.build(MCA, **kw)
    labels = {"8": "Not applicable", "3": "Somewhat"} if seed % 2 else None
    missing = {"-1"} if seed % 5 == 2 else None
    ref = _reference(cells, rules, labels, missing)
    obj = pd.Series(cells, dtype=object)
    _same(convert_column(obj, rules, labels, missing), ref)
    # categorical: with unused categories and a missing cell (read as empty)
    cat = pd.Series(pd.Categorical(cells, categories=sorted(set(cells) | {"9", "zebra"})))
    _same(convert_column(cat, rules, labels, missing), ref)
    with_gap = pd.Series(pd.Categorical(cells + [None], categories=sorted(set(cells))))
    _same(convert_column(with_gap, rules, labels, missing), _reference(cells + [""], rules, labels, missing))


def test_column_stats_count_codes_as_before():
    cells = ["7", "7.0", "6", "", "9", "9", "0", "N/A", "6 - Very skilled"]
    rules = ValueRules.build(MCA)
    raw = pd.Series(cells, dtype=object)
    cv = convert_column(raw, rules)
    oor, codes, first, seen = column_stats(raw, cv, np.arange(2, len(cells) + 2))
    valid = cv.codes[~np.isnan(cv.codes)]
    vals, counts = np.unique(valid, return_counts=True)
    assert codes == Counter(dict(zip(vals.tolist(), counts.tolist()))) == Counter({7.0: 2, 6.0: 2})
    assert oor == Counter({9.0: 2, 0.0: 1}) and first == {9.0: 6, 0.0: 8} and seen


def test_import_audit_counts_of_a_tricky_export(tmp_path):
    from mentorassess.io import read_export

    rng = np.random.default_rng(3)
    n = 60
    items = {i: [str(v) for v in rng.integers(1, 8, n)] for i in MCA.item_ids}
    items["mca01"][:6] = ["8 - N/A", "N/A", "", " 7 ", "7.0", "Extremely skilled"]
    items["mca02"][:3] = ["9", "9", "0"]
    items["mca03"][:2] = ["6,0", "Don't know"]
    df = pd.DataFrame({"response_id": [f"r{k}" for k in range(n)], "mentor_id": [f"m{k % 7}" for k in range(n)],
                       "rater_role": "mentee", "wave": "pre", "rater_id": [f"p{k}" for k in range(n)], **items})
    path = tmp_path / "tricky.csv"
    df.to_csv(path, index=False)
    res = read_export(path, "mca-26", options={"incomplete_min_answered": 0.5})
    rep = res.report
    # "8 - N/A" is code 8, off the 1-7 scale (no value label makes 8 a non-substantive code here)
    assert rep.non_substantive["mca01"] == 1 and rep.non_substantive["mca03"] == 1
    assert dict(rep.out_of_range) == {"mca01": 1, "mca02": 3}
    assert dict(rep.recodes) == {"\"Don't know\" -> N/A": 1, "'Extremely skilled' -> 7": 1, "'N/A' -> N/A": 1}
    assert dict(rep.unknown_labels) == {}
    out = res.responses.set_index("response_id")
    assert out.loc["r3", "mca01"] == 7 and out.loc["r4", "mca01"] == 7 and np.isnan(out.loc["r2", "mca01"])
    assert out.loc["r0", "mca03"] == 6 and np.isnan(out.loc["r0", "mca02"])
