"""Labels.frame maps each distinct code once and gives what a per-cell Series.map gave."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorassess.instruments import load_instrument
from mentorassess.reports._workbook_labels import _KIND_WORDS, _ROLE_WORDS, GAP_WORDS, Labels


def _per_cell(lab: Labels, df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in ("competency", "strongest", "weakest", "self_strongest", "self_weakest"):
        if col in out.columns:
            out[col] = out[col].map(lab.competency).astype(object)
    out["gap_class"] = out["gap_class"].map(lambda v: GAP_WORDS.get(v, v)).astype(object)
    out["kind"] = out["kind"].map(lambda v: _KIND_WORDS.get(v, v)).astype(object)
    out["rater_role"] = out["rater_role"].map(lambda v: _ROLE_WORDS.get(v, v)).astype(object)
    out.insert(out.columns.get_loc("item") + 1, "item_text", out["item"].map(lab.item).astype(object))
    return out


def test_distinct_mapping_equals_per_cell_mapping():
    ins = load_instrument("mca-26")
    lab = Labels(ins)
    rng = np.random.default_rng(5)
    comps = [c.id for c in ins.competencies] + ["overall", "made_up_code", None, np.nan]
    n = 500
    pick = lambda pool: np.array(pool, dtype=object)[rng.integers(0, len(pool), n)]  # noqa: E731
    df = pd.DataFrame({"competency": pick(comps), "weakest": pick(comps),
                       "gap_class": pick([*GAP_WORDS, "other", None, np.nan]),
                       "kind": pick([*_KIND_WORDS, None]), "rater_role": pick(["mentee", "self", "peer", np.nan]),
                       "item": pick([*ins.item_ids[:5], "zz", None, np.nan]), "value": rng.random(n)})
    got, want = lab.frame(df), _per_cell(lab, df)
    assert list(got.columns) == list(want.columns)
    for col in got.columns:
        a, b = got[col].tolist(), want[col].tolist()
        same = (x is y or x == y or (pd.isna(x) and pd.isna(y) and type(x) is type(y)) for x, y in zip(a, b))
        assert all(same), col
