"""rwg per mentor (stats.agreement.rwg_by_mentor, stats.item_agreement._overall) equals, bit for bit, the
former per-group pandas code kept verbatim below (before the one-conversion ``mentor_blocks`` loop)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mentorassess.sample import generate
from mentorassess.scoring import score
from mentorassess.stats.agreement import _null, rwg, rwg_by_mentor, rwg_j
from mentorassess.stats.item_agreement import _overall


def _old_rwg_by_mentor(scores, *, wave, role="mentee", min_raters=3, null="uniform"):
    ins = scores.instrument
    opts = len(ins.scale.values)
    sel = (scores.items["rater_role"] == role) & (scores.items["wave"] == wave)
    d = scores.items.loc[sel]
    rows = []
    for mentor, g in d.groupby("mentor_id", sort=True):
        if len(g) < min_raters:
            continue
        for item in ins.item_ids:
            x = g[item].dropna()
            if len(x) >= min_raters:
                rows.append((mentor, wave, item, "item", len(x), rwg(x, options=opts, null=null)))
        for comp in ins.competencies:
            m = g[list(comp.items)].dropna()
            if len(m) >= min_raters:
                rows.append((mentor, wave, comp.id, "competency", len(m), rwg_j(m, options=opts, null=null)))
    return pd.DataFrame(rows, columns=["mentor_id", "wave", "variable", "kind", "n", "value"])


def _old_overall(scores, wave, role, min_raters, null_variance):
    ins = scores.instrument
    comps = {c.id for c in ins.competencies}
    extra = [c for c in scores.score_columns if c not in comps]
    items = list(getattr(ins, "total_item_ids", ins.item_ids))
    sel = (scores.items["rater_role"] == role) & (scores.items["wave"] == wave)
    rows = []
    for mentor, g in scores.items.loc[sel].groupby("mentor_id", sort=True):
        m = g[items].dropna()
        if len(g) >= min_raters and len(m) >= min_raters:
            for name in extra:
                rows.append((mentor, wave, name, "overall", len(m), rwg_j(m, null=null_variance)))
    return pd.DataFrame(rows, columns=["mentor_id", "wave", "variable", "kind", "n", "value"])


@pytest.mark.parametrize("seed", [1, 5])
def test_rwg_by_mentor_bit_identical_to_former_code(seed):
    sc = score(generate(seed=seed, n_mentors=40).responses, "mca-26")
    items = sc.items.copy()
    # missing answers and big groups (>= 8 raters: numpy's pairwise sums) must match too
    rng = np.random.default_rng(seed)
    cols = list(sc.instrument.item_ids)
    vals = items[cols].to_numpy()
    vals[rng.random(vals.shape) < 0.08] = np.nan
    items[cols] = vals
    big = items[items["rater_role"] == "mentee"].head(12).assign(mentor_id="ZZ-big")
    big["response_id"] = [f"big{i}" for i in range(len(big))]
    object.__setattr__(sc, "items", pd.concat([items, big], ignore_index=True))
    for wave in ("pre", "post"):
        for null in ("uniform", "slight_skew"):
            new = rwg_by_mentor(sc, wave=wave, null=null).table
            old = _old_rwg_by_mentor(sc, wave=wave, null=null)
            assert len(new) > 100
            pd.testing.assert_frame_equal(new, old, check_exact=True)
            assert (new["value"].to_numpy() == old["value"].to_numpy())[old["value"].notna().to_numpy()].all()
        ov, ov_old = _overall(sc, wave, "mentee", 3, _null("uniform", 7)), _old_overall(sc, wave, "mentee", 3, _null("uniform", 7))
        pd.testing.assert_frame_equal(ov, ov_old, check_exact=True)
