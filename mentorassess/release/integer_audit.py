"""Exact integer audit of one mentor's report (disclosure-control §4.4): can any answer be pinned?

Unknowns are the raters' answers as one-hot binaries ``y[r, i, v]`` (``v`` in ``lo..hi``) with an
optional *missing* state (a skipped item). Everything the report releases becomes linear:

* an **item mean** with its unknown (or released) number of answers ``N``: the rounding interval
  ``m - h < S / N < m + h`` is ``S - (m -/+ h) N`` of fixed sign;
* a **competency or overall mean** (the mean over scored raters of each rater's mean of answered
  items, scored when ``answered >= min_answered * items``, as in :mod:`mentorassess.scoring`):
  per rater a one-hot count ``z[r, g, k]`` and a disaggregated sum ``w[r, g, k]`` (``w = S`` when
  ``z = 1``, else 0) make ``sum_r S_r / k_r`` linear;
* the report's one ``n`` (the raters), and a substantive floor ``min_items`` per rater.

Rounding: a released value is the half-even rounding of the exact mean (as in
:mod:`mentorassess.release.feasible`); a mean on the edge of the interval counts only if it is the
truth (strict inequalities, in integers where possible).

For each view (the outsider; then each insider ``j`` who knows rater ``j``'s answers) and each
item, the audit finds which values one rater can still have given. Raters are exchangeable in the
released figures, so the outsider's question is the same for every rater (solved for rater 0) and
an insider's the same for every other rater; with a known skip pattern (the default) the same holds
within each group of raters who skipped the same items. Feasible values come first from *witnesses* (the
actual data, local moves checked against the released figures, every solver solution), then from
MILP solves (HiGHS via :func:`scipy.optimize.milp`) only while fewer than ``ell`` values are known:
``exact=True`` also solves for the true minimum and maximum. An item is **pinned** when fewer
than ``ell`` values are feasible; the count is then exact.

Examples
--------
>>> import numpy as np
>>> ans = np.array([[7, 3], [7, 5], [7, 7]], float)        # item 1 unanimous at 7, item 2 mixed
>>> res = audit_report(ans, {"c": [0, 1]}, may_skip=False)
>>> res.pinned_items()
(0,)
>>> out = res.to_frame().query("view == 'outsider'")
>>> out[["item", "low", "high", "n_values", "pinned"]].values.tolist()
[[0, 7, 7, 1, True], [1, 3, 7, 3, False]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from mentorassess.errors import ConfigError, DataError
from mentorassess.release._report_model import _moves, _Report

__all__ = ["ItemRange", "ReportAudit", "audit_report"]



@dataclass(frozen=True)
class ItemRange:
    """Feasible answers of one rater to one item for one attacker."""

    view: str          # "outsider" or "insider <j>"
    item: object
    low: int | None
    high: int | None
    n_values: int      # values known feasible (exact when pinned or when count_exact)
    count_exact: bool
    bounds_exact: bool
    pinned: bool       # fewer than ell values known feasible (conservative when not resolved)
    resolved: bool = True   # False: a solve hit the time limit
    raters: tuple = ()      # the raters this row describes (interchangeable for this attacker)


@dataclass(frozen=True)
class ReportAudit:
    """Result of :func:`audit_report`."""

    ranges: tuple[ItemRange, ...]
    ell: int
    raters: int
    solves: int

    @property
    def safe(self) -> bool:
        return not any(r.pinned for r in self.ranges)

    def pinned_items(self, view: str | None = None) -> tuple:
        """Items pinned for some view (or for ``view``), in item order."""
        seen = []
        for r in self.ranges:
            if r.pinned and (view is None or r.view == view) and r.item not in seen:
                seen.append(r.item)
        return tuple(seen)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.__dict__ for r in self.ranges],
                            columns=["view", "item", "low", "high", "n_values", "count_exact", "bounds_exact",
                                     "pinned", "resolved", "raters"])


def audit_report(answers, competencies: Mapping[str, Sequence], *, lo: int = 1, hi: int = 7,
                 decimals: int | None = 1, item_means=True, item_n: bool = False, competency_means=True,
                 overall: bool = True, overall_items: Sequence | None = None, min_answered: float = 0.5,
                 min_items: int = 0, may_skip="known", ell: int = 3, insider: bool = True,
                 exact: bool = False, time_limit: float | None = 2.0) -> ReportAudit:
    """Which answers of one report's raters the released figures pin to fewer than ``ell`` values.

    Parameters
    ----------
    answers : DataFrame or 2-D array
        One row per counted rater, one column per item; NaN = skipped. Integers in ``lo..hi``.
    competencies : mapping
        Competency -> its items (column labels of a DataFrame, or column positions).
    decimals : int or None
        Decimals of every released mean (None: exact).
    item_means : bool or collection
        Items whose means are released (True: all).
    item_n : bool
        Whether each item mean is released with its number of answers.
    competency_means : bool or collection
        Competencies whose means are released (True: all).
    overall : bool
        Whether the overall mean (mean over raters of their mean of ``overall_items``, default
        every item of a competency) is released.
    min_answered : float
        Scoring rule: a rater's competency (overall) score needs this share of its items answered.
    min_items : int
        Each counted rater answered at least this many items (the substantive floor).
    may_skip : "known", bool or sequence of bool
        ``"known"`` (default): the attacker is assumed to know who skipped which item; the skip
        pattern is fixed, which is conservative (his feasible set only shrinks) and fast; raters
        with the same pattern stay interchangeable. ``True`` / a sequence: items a rater may
        skip, the pattern unknown (the faithful model; the MILP can be slow, see
        ``time_limit``); ``False``: nobody skips.
    ell : int
        Values each answer must keep.
    insider : bool
        Also audit each insider who knows one rater's answers.
    exact : bool
        Also solve for the exact minimum and maximum of every answer (slower).
    time_limit : float or None
        Seconds per MILP solve. A solve that runs out counts conservatively: the item is
        ``pinned`` unless ``ell`` values are already known feasible (``resolved`` is False).
        Skippable items with competency means make the MILP hard; None waits for the proof.

    Returns
    -------
    ReportAudit
    """
    if isinstance(answers, pd.DataFrame):
        labels = list(answers.columns)
        X = answers.to_numpy(dtype=float)
    else:
        X = np.asarray(answers, dtype=float)
        labels = list(range(X.shape[1])) if X.ndim == 2 else []
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError("answers must be a non-empty 2-D table (raters x items)")
    ok = np.isnan(X) | ((X == np.round(X)) & (X >= lo) & (X <= hi))
    if not ok.all():
        r, c = np.argwhere(~ok)[0]
        raise DataError(f"answers must be integers in {lo}..{hi} or missing", row=int(r) + 1,
                        column=str(labels[c]), value=X[r, c])
    if not (isinstance(ell, int) and ell >= 1):
        raise ConfigError(f"ell must be a positive integer; got {ell!r}")
    pos = {lab: k for k, lab in enumerate(labels)}

    def cols_of(seq):
        try:
            return [pos[s] for s in seq]
        except KeyError as e:
            raise DataError(f"unknown item {e.args[0]!r} in a competency") from None

    groups = [(str(name), cols_of(items)) for name, items in competencies.items()]
    all_c = sorted({c for _, cols in groups for c in cols}) or list(range(X.shape[1]))
    ov = cols_of(overall_items) if overall_items is not None else all_c
    if overall:
        groups.append(("__overall__", ov))
    items_shown = list(range(X.shape[1])) if item_means is True else ([] if item_means is False
                                                                      else cols_of(item_means))
    gnames = [g for g, _ in groups]
    g_shown = set(gnames if competency_means is True else ([] if competency_means is False else map(str, competency_means)))
    if overall:
        g_shown.add("__overall__")
    known = isinstance(may_skip, str)
    if known and may_skip != "known":
        raise ConfigError(f"may_skip must be 'known', a bool or one bool per item; got {may_skip!r}")
    if known:
        skip = np.isnan(X).any(axis=0)
    elif isinstance(may_skip, (bool, np.bool_)):
        skip = np.full(X.shape[1], bool(may_skip))
    else:
        skip = np.asarray(may_skip, bool)
    if skip.shape != (X.shape[1],):
        raise ConfigError("may_skip needs one value per item")
    if np.isnan(X[:, ~skip]).any():
        raise DataError("an item marked as not skippable has a missing answer")
    rep = _Report(X, groups, lo=lo, hi=hi, decimals=decimals, item_means=items_shown, item_n=item_n,
                  group_means=g_shown, min_answered=min_answered, min_items=min_items, may_skip=skip,
                  known_pattern=np.isnan(X) if known else None)
    if not rep.ok(X):
        raise DataError("internal check failed: the actual answers do not reproduce the released figures")
    R, I = X.shape
    built = False
    views = [("outsider", None)] + ([(f"insider {j}", j) for j in range(R)] if insider and R >= 2 else [])
    out: list[ItemRange] = []
    solves = 0
    outer: dict = {}
    pattern = [tuple(np.isnan(X[r]).tolist()) if known else () for r in range(R)]
    for view, j in views:
        others = [r for r in range(R) if r != j]
        classes: dict[tuple, list[int]] = {}      # raters the released figures cannot tell apart
        for r in others:
            classes.setdefault(pattern[r], []).append(r)
        seen = {(k, i): set() for k in classes for i in range(I)}
        fixed = None

        def witness(Y, items=range(I)):
            for k, members in classes.items():
                for i in items:
                    for r in members:
                        if not np.isnan(Y[r, i]):
                            seen[k, i].add(int(Y[r, i]))
        witness(X)
        for i in range(I):                 # witnesses one and two moves away from the data
            bases, queue = 0, [X]
            while queue and bases < 12 and any(len(seen[k, i]) < ell for k in classes):
                base = queue.pop(0)
                bases += 1
                for Z, touched in _moves(rep, base, others, i):
                    if rep.ok(Z, items=touched):
                        before = sum(len(seen[k, i]) for k in classes)
                        witness(Z, touched)
                        if sum(len(seen[k, i]) for k in classes) > before and base is X:
                            queue.append(Z)
                        if all(len(seen[k, i]) >= ell for k in classes):
                            break
        for i in range(I):
            for key, members in classes.items():
                target = members[0]
                if known and np.isnan(X[target, i]):
                    continue                         # these raters skipped the item, and that is known
                got = seen[key, i]
                low, high = (min(got), max(got)) if got else (None, None)
                o = outer.get((key, i))
                if j is not None and o is not None and o.pinned and o.count_exact:
                    # an insider's values are a subset of the outsider's: pinned as well
                    out.append(ItemRange(view, labels[i], low, high, len(got), False, False, True, True,
                                         tuple(members)))
                    continue
                o_lo = o.low if o is not None and o.bounds_exact and o.resolved else lo
                o_hi = o.high if o is not None and o.bounds_exact and o.resolved else hi
                bexact = low == o_lo and high == o_hi
                if j is None and not exact:
                    relax = rep.item_only_values(i)
                    if relax is not None and len(relax) < ell:
                        # the item's own mean already leaves fewer than ell values (a superset)
                        out.append(ItemRange(view, labels[i], low, high, len(got), len(got) == len(relax),
                                             len(got) == len(relax), True, True, tuple(members)))
                        outer[key, i] = out[-1]
                        continue
                need_bounds = exact or len(got) < ell
                resolved = True
                if need_bounds:
                    if not built:
                        rep.build()
                        built = True
                    if fixed is None:
                        fixed = ({}, {}) if j is None else rep.fix_rater(j)
                        sym = {}
                    if key not in sym:
                        sym[key] = rep.symmetry_rows([m[1:] if k == key else m for k, m in classes.items()])
                    lb2, ub2 = dict(fixed[0]), dict(fixed[1])
                    if (target, i) in rep.s_idx:      # the target answers this item
                        ub2[rep.s_idx[target, i]] = 0.0
                    zero = np.zeros(rep.nv)

                    def probe(v):
                        """Can the target give ``v``? True / False / None (time limit); witnesses."""
                        lb3 = dict(lb2)
                        lb3[rep.yfun(target, i, v)] = 1.0
                        if rep.solve(zero, lb3, ub2, sym[key], time_limit, relax=True).status == 2:
                            return False
                        res = rep.solve(zero, lb3, ub2, sym[key], time_limit)
                        if res.x is not None:
                            witness(rep.decode(res.x))
                        return True if res.status == 0 else (False if res.status == 2 else None)

                    tried = set()
                    while not exact and got and len(got) < ell:   # first grow the witnessed range outwards
                        grew = False
                        for v in (min(got) - 1, max(got) + 1):
                            if lo <= v <= hi and v not in tried and len(got) < ell:
                                tried.add(v)
                                found = probe(v)
                                solves += 1
                                grew = grew or bool(found)
                                resolved = resolved and found is not None
                        if not grew:
                            break
                    low, high = (min(got), max(got)) if got else (None, None)
                    sides = 0
                    for sense in (1, -1):
                        if len(got) >= ell and not exact:
                            break
                        if (sense == 1 and low == o_lo) or (sense == -1 and high == o_hi):
                            sides += 1
                            continue
                        c = np.zeros(rep.nv)
                        for v in range(lo, hi + 1):
                            c[rep.yfun(target, i, v)] = sense * v
                        lp = rep.solve(c, lb2, ub2, sym[key], time_limit, relax=True)
                        if lp.status == 0:                 # the LP bound may already meet a witness
                            bound = math.ceil(sense * lp.fun - 1e-6) if sense == 1 else math.floor(sense * lp.fun + 1e-6)
                            if bound == (low if sense == 1 else high):
                                sides += 1
                                continue
                        res = rep.solve(c, lb2, ub2, sym[key], time_limit)
                        solves += 1
                        if res.x is not None:
                            witness(rep.decode(res.x))
                        if res.status == 0:
                            val = int(round(sense * res.fun))
                            low, high = (val, high) if sense == 1 else (low, val)
                            sides += 1
                        elif res.status != 2:
                            resolved = False
                    bexact = sides == 2 or (low == o_lo and high == o_hi)
                    for v in range(low, high + 1) if low is not None and high is not None else ():
                        if len(got) >= ell:
                            break
                        if v in got:
                            continue
                        found = probe(v)
                        solves += 1
                        resolved = resolved and found is not None
                    low, high = (min(got), max(got)) if got else (None, None)
                n_val = len(got)
                count_exact = resolved and bexact and (n_val < ell or (low is not None and n_val == high - low + 1))
                out.append(ItemRange(view, labels[i], low, high, n_val, bool(count_exact),
                                     bool(bexact and resolved), n_val < ell, resolved, tuple(members)))
                if j is None:
                    outer[key, i] = out[-1]
    return ReportAudit(tuple(out), ell, R, solves)
