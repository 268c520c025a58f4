"""rwg_by_mentor computes every mentor at once (mentorassess.stats._rwg_groups); its table equals the
former per-mentor loop's (tests/_former_rwg.py) exactly: same rows, order, dtypes and bits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mentorassess.sample import generate
from mentorassess.scoring import score
from mentorassess.stats.agreement import rwg_by_mentor
from mentorassess.stats.item_agreement import _overall
from tests._former_rwg import former_overall, former_rwg_by_mentor


def _scores(n_mentors, seed, holes=0.0):
    prog = generate(n_mentors=n_mentors, seed=seed)
    responses = prog.responses.copy()
    if holes:
        rng = np.random.default_rng(seed)
        for c in [c for c in responses.columns if c.startswith("mca")]:
            responses.loc[rng.random(len(responses)) < holes, c] = np.nan
    return score(responses, "mca-26")


@pytest.mark.parametrize("seed,holes", [(1, 0.0), (2, 0.08), (3, 0.3)])
@pytest.mark.parametrize("null", ["uniform", "slight_skew", 2.5])
@pytest.mark.parametrize("min_raters", [3, 5])
def test_same_table_as_the_per_mentor_loop(seed, holes, null, min_raters):
    s = _scores(60, seed, holes)
    for wave in ("pre", "post"):
        got = rwg_by_mentor(s, wave=wave, min_raters=min_raters, null=null)
        want, eu = former_rwg_by_mentor(s, wave=wave, min_raters=min_raters, null=null)
        pd.testing.assert_frame_equal(got.table, want, check_exact=True)
        assert got.null_variance == eu
        assert len(want) > 0
        ov = _overall(s, wave, "mentee", min_raters, eu)
        pd.testing.assert_frame_equal(ov, former_overall(s, wave, "mentee", min_raters, eu), check_exact=True)


def test_values_equal_bit_for_bit_at_scale():
    s = _scores(400, 7, 0.05)
    got = rwg_by_mentor(s, wave="post").table
    want, _ = former_rwg_by_mentor(s, wave="post")
    assert len(got) == len(want) > 5_000
    assert got["value"].to_numpy().tobytes() == want["value"].to_numpy().tobytes()


def test_no_mentor_with_enough_raters_gives_the_same_empty_table():
    s = _scores(20, 4)
    got = rwg_by_mentor(s, wave="post", min_raters=500).table
    want, _ = former_rwg_by_mentor(s, wave="post", min_raters=500)
    pd.testing.assert_frame_equal(got, want)
    assert got.empty
