"""Shared loaders for the precision reference tests (tests/reference/precision, made by R)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

REF = Path(__file__).parent / "reference" / "precision"
TOL = 1e-4
R_NAMES = {"mentor": "mentor", "rater:mentor": "mentor:rater", "item": "item", "mentor:item": "mentor:item",
           "residual": "Residual"}


@lru_cache(maxsize=None)
def ref() -> dict:
    return json.loads((REF / "reference.json").read_text())


@lru_cache(maxsize=None)
def csv(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, dtype={"mentor": str, "rater": str, "mentor_id": str, "rater_id": str,
                                          "response_id": str})


def lq2002_long() -> pd.DataFrame:
    lq = csv("lq2002.csv")
    items = [f"LEAD{i:02d}" for i in range(1, 12)]
    return lq.melt(id_vars=["COMPID", "SUB"], value_vars=items, var_name="item", value_name="score").rename(
        columns={"COMPID": "mentor", "SUB": "rater"})
