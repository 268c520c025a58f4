"""The per-mentor rwg loops as they were before ``mentorassess.stats._rwg_groups`` (kept verbatim as the
reference of ``tests/test_rwg_groups.py``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorassess.stats.agreement import _null, mentor_blocks, rwg, rwg_j


def former_rwg_by_mentor(scores, *, wave, role="mentee", min_raters=3, null="uniform"):
    ins = scores.instrument
    opts = len(ins.scale.values)
    sel = (scores.items["rater_role"] == role) & (scores.items["wave"] == wave)
    d = scores.items.loc[sel]
    items = list(ins.item_ids)
    col = {it: j for j, it in enumerate(items)}
    comps = [(comp.id, [col[i] for i in comp.items]) for comp in ins.competencies]
    rows = []
    for mentor, a in mentor_blocks(d, items):
        if len(a) < min_raters:
            continue
        for j, item in enumerate(items):
            x = a[:, j]
            x = x[~np.isnan(x)]   # the values (and order) of g[item].dropna()
            if len(x) >= min_raters:
                rows.append((mentor, wave, item, "item", len(x), rwg(x, options=opts, null=null)))
        for cid, cols in comps:
            m = a[:, cols]        # C-ordered as np.asarray(g[items].dropna()): the same sums, bit for bit
            m = m[~np.isnan(m).any(axis=1)]
            if len(m) >= min_raters:
                rows.append((mentor, wave, cid, "competency", len(m), rwg_j(m, options=opts, null=null)))
    table = pd.DataFrame(rows, columns=["mentor_id", "wave", "variable", "kind", "n", "value"])
    return table, _null(null, opts)


def former_overall(scores, wave, role, min_raters, null_variance):
    ins = scores.instrument
    comps = {c.id for c in ins.competencies}
    extra = [c for c in scores.score_columns if c not in comps]
    items = list(getattr(ins, "total_item_ids", ins.item_ids))
    sel = (scores.items["rater_role"] == role) & (scores.items["wave"] == wave)
    rows = []
    if not extra:
        return pd.DataFrame(rows, columns=["mentor_id", "wave", "variable", "kind", "n", "value"])
    for mentor, g in mentor_blocks(scores.items.loc[sel], items):
        m = g[~np.isnan(g).any(axis=1)]   # g[items].dropna(), C-ordered as before: the same sums
        if len(g) >= min_raters and len(m) >= min_raters:
            for name in extra:
                rows.append((mentor, wave, name, "overall", len(m), rwg_j(m, null=null_variance)))
    return pd.DataFrame(rows, columns=["mentor_id", "wave", "variable", "kind", "n", "value"])
