"""Strongest and weakest competencies per mentor and wave (``_profile_tables._extremes``) equal the
former groupby-join (kept below) on random tables with ties, missing values, lone cells and no rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

import mentorassess._profile_tables as PT


def _former(tab, col, keys):
    _KEYS, _TIE = PT._KEYS, PT._TIE
    sub = tab.loc[tab["competency"].isin(keys) & tab[col].notna(), _KEYS + ["competency", col]].copy()
    g = sub.groupby(_KEYS)[col]
    sub["hi"], sub["lo"], sub["cnt"] = g.transform("max"), g.transform("min"), g.transform("size")
    sub = sub[sub["cnt"] >= 2].copy()
    sub["order"] = sub["competency"].map({k: i for i, k in enumerate(keys)})
    sub = sub.sort_values(_KEYS + ["order"], kind="stable")
    top = sub[sub[col] >= sub["hi"] - _TIE].groupby(_KEYS)["competency"].agg(";".join).rename("top")
    bottom = sub[sub[col] <= sub["lo"] + _TIE].groupby(_KEYS)["competency"].agg(";".join).rename("bottom")
    return pd.concat([top, bottom], axis=1).reset_index().reindex(columns=_KEYS + ["top", "bottom"])


def test_extremes_equal_the_former_groupby_join():
    rng = np.random.default_rng(0)
    keys = ["a", "b", "c", "d"]
    for _ in range(300):
        n = int(rng.integers(0, 40))
        tab = pd.DataFrame({"mentor_id": [f"M{rng.integers(0, 6)}" for _ in range(n)],
                            "wave": rng.choice(["pre", "post"], n), "competency": rng.choice(keys + ["overall"], n),
                            "x": np.where(rng.random(n) < 0.2, np.nan, np.round(rng.uniform(1, 7, n) * 2) / 2)})
        pd.testing.assert_frame_equal(PT._extremes(tab, "x", keys), _former(tab, "x", keys))
