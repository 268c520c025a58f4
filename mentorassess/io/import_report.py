"""The audit of one import (:class:`~mentorassess.io.audit.ImportReport`) from the decisions
``read_export`` made: rows and responses kept and excluded (with reasons), non-substantive and
off-scale answers per item, recodes, the completion rule, flags and mentor matches."""

from __future__ import annotations

from collections import Counter

import numpy as np

from mentorassess._factorize import factorize
from mentorassess.errors import Problem
from mentorassess.io.audit import ImportReport
from mentorassess.io.completion import completion_counts

__all__ = ["build_report"]


def build_report(table, ins, m, res, digest, resp, reason, kept, ns, oor, recodes, matches, speed, straight,
                 warnings, rowpos, label_recodes, completion_rule, answered, opts) -> ImportReport:
    """The import's audit: ``reason`` and ``kept`` per response (``rowpos``: each response's body row),
    ``ns`` / ``oor`` its non-substantive and off-scale cells, ``matches`` how its mentor was matched."""
    n_rows = len(table.body)
    if len(rowpos) == n_rows and (rowpos == np.arange(n_rows)).all():  # one response per row, in order
        row_kept, row_why = np.asarray(kept, dtype=bool), reason
    else:
        row_kept = np.zeros(n_rows, dtype=bool)
        np.logical_or.at(row_kept, rowpos, kept)
        row_why = np.full(n_rows, "no_items_answered", dtype=object)
        pos, first = np.unique(rowpos, return_index=True)  # a row's reason: that of its first response
        row_why[pos] = reason[first]
    excluded_rows = Counter(row_why[~row_kept])
    excluded = tuple((int(r), str(w), str(i)) for r, w, i in zip(resp.loc[~kept, "source_row"], reason[~kept],
                                                                 resp.loc[~kept, "response_id"]))
    col_map = {}
    for key, col in res.meta.items():
        col_map[key] = col
    for item, col in res.items.items():
        col_map[item] = f"{col} ({res.how.get(item, 'mapping')})" if col else "(not asked)"
    for cid, col in res.comments.items():
        col_map[cid] = col
    all_kept = bool(kept.all())

    def count(flags: np.ndarray) -> int:  # kept responses with the flag (no copy of the column)
        return int(np.count_nonzero(flags if all_kept else flags & kept))

    oor_cols: Counter = Counter()
    for j, item in enumerate(ins.item_ids):
        n = count(oor[:, j])
        if n:
            oor_cols[res.items.get(item) or item] += n
    for col, n in oor_cols.items():
        warnings.append(Problem(f"{n} value(s) off the scale set to missing", file=table.file, column=col,
                                code="out-of-range", severity="warning",
                                hint="if these are codes (e.g. N/A), map them under values:"))
    return ImportReport(
        source=table.file, sha256=digest, format=table.format, encoding=table.encoding, sheet=table.sheet,
        instrument=ins.id, mapping=m.source, rows_read=n_rows, rows_kept=int(row_kept.sum()),
        rows_excluded=dict(sorted(excluded_rows.items())), excluded=excluded,
        responses_produced=len(resp), responses_kept=int(kept.sum()),
        responses_excluded=dict(sorted(Counter(reason[~kept]).items())),
        non_substantive={item: count(ns[:, j]) for j, item in enumerate(ins.item_ids)},
        out_of_range=dict(oor_cols), recodes={**{f"{a!r} -> {b}": c for (a, b), c in sorted(recodes.items(), key=str)},
                                              **dict(sorted(label_recodes.items()))},
        completion_rule=completion_rule, completion=completion_counts(resp, reason, answered, len(ins.items), opts),
        column_map=col_map, flags={"speeder": int(speed[kept].sum()), "straightline": int(straight[kept].sum())},
        mentor_matches=_counts(np.asarray(matches, dtype=object)[kept]), warnings=tuple(warnings))


def _counts(values: np.ndarray) -> dict:
    """``dict(Counter(values))``: each distinct value's count, in order of first appearance."""
    codes, uniq = factorize(values)
    return {v: int(c) for v, c in zip(uniq.tolist(), np.bincount(codes, minlength=len(uniq)))}
