"""Whether each response was finished, from the best evidence its format has.

In order: a ``finished`` column (Qualtrics ``Finished``, or one named in the mapping, or a REDCap
``<form>_complete`` = 2); REDCap ``<form>_timestamp`` (``[not completed]`` = not finished);
LimeSurvey ``submitdate`` (empty = not submitted); a ``Progress`` column (100 = finished);
Google Forms and Microsoft Forms export only submitted responses (all finished). Without any
of these (SurveyMonkey, generic files, SPSS without ``Finished``) no response counts as
finished, so the answered share decides: a response is kept when at least
``incomplete_min_answered`` (default 0.8) of the instrument's items are answered. The rule used
is stated in the audit (``ImportReport.completion``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorassess.errors import DataError
from mentorassess.io.tables import RawTable, distinct_stripped, strip_cells

__all__ = ["finished_flags", "completion_counts"]

_TRUTH = {"1": True, "true": True, "yes": True, "2": True, "0": False, "false": False, "no": False, "": False,
          "1.0": True, "0.0": False}


def finished_flags(table: RawTable, meta: dict, items: dict, rc_dict, floor: float) -> tuple[np.ndarray, str]:
    """Per body row: finished or not, and the rule that decided it (for the audit)."""
    n = len(table.body)
    share = f"answered share: a response counts as complete when >= {floor:.0%} of the items are answered"
    col = meta.get("finished")
    form = None
    if table.format == "redcap" and rc_dict is not None:
        first_item = next((c for c in items.values() if c), None)
        f = rc_dict.field(first_item) if first_item else None
        form = f.form if f is not None else None
        if col is None and form and f"{form}_complete" in table.body.columns:
            col = f"{form}_complete"
    if col is not None:
        inverse, texts = distinct_stripped(table.body[col])  # each distinct cell read once
        folded = np.array([t.casefold() for t in texts], dtype=object)
        if col.endswith("_complete"):
            return (folded == "2")[inverse], f"REDCap form status {col} = 2 (Complete)"
        used = np.bincount(inverse, minlength=len(texts)) > 0 if n else np.zeros(len(texts), dtype=bool)
        bad = sorted(set(folded[used]) - set(_TRUTH))
        if bad:
            where = int(np.flatnonzero(np.isin(folded[inverse], bad))[0])
            raise DataError(f"cannot read {bad[0]!r} as finished yes/no", file=table.file,
                            row=int(table.rows[where]), column=col, hint="expected 1/0, TRUE/FALSE or yes/no")
        truth = np.array([_TRUTH.get(t, False) for t in folded], dtype=bool)
        return truth[inverse], f"column {col} (not finished: kept only with the {share})"
    if form and f"{form}_timestamp" in table.body.columns:
        ts = strip_cells(table.body[f"{form}_timestamp"])
        return (ts != "") & (ts != "[not completed]"), f"REDCap survey timestamp {form}_timestamp"
    if isinstance(table.extra.get("finished"), np.ndarray):
        return table.extra["finished"], "LimeSurvey submitdate (empty = not submitted; kept only with the " \
                                        f"{share})"
    if "progress" in meta:
        prog = pd.to_numeric(pd.Series(strip_cells(table.body[meta["progress"]])), errors="coerce")
        return (prog >= 100).to_numpy(), f"column {meta['progress']} = 100 (else the {share})"
    if table.extra.get("completion") == "submitted":
        return np.ones(n, dtype=bool), f"submitted ({table.format} exports only submitted responses)"
    return np.zeros(n, dtype=bool), f"{share} (no completion column in a {table.format} export)"


def completion_counts(resp, reason, answered, n_items, opts) -> dict[str, int]:
    """Responses by completion decision (finished; not finished but kept by the answered share; excluded)."""
    fin = resp["finished"].to_numpy(dtype=bool)
    enough = answered / max(n_items, 1) >= opts.incomplete_min_answered
    floor = f"{opts.incomplete_min_answered:.0%}"
    out = {"finished": int(fin.sum()),
           f"not finished, >= {floor} answered (complete)": int((~fin & enough).sum()),
           f"not finished, < {floor} answered (excluded as incomplete)": int((reason == "incomplete").sum())}
    other = int((~fin & ~enough).sum()) - out[f"not finished, < {floor} answered (excluded as incomplete)"]
    if other:
        out[f"not finished, < {floor} answered (excluded for an earlier reason)"] = other
    return out
