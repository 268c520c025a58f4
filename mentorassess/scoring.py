"""Competency scores per response: recoding, reverse keys, the min-answered rule.

:func:`score` turns canonical responses (one row per submitted questionnaire, item columns named
by the instrument's item ids, NaN for missing or non-substantive answers) into a :class:`Scores`
result: one competency score per response and competency, an overall score, the counts of
answered items and, for every competency left unscored, the reason.

Rules (DESIGN, "Scoring")
-------------------------
- Reverse-keyed items are recoded on the instrument's scale: ``min + max - x``.
- A competency is scored when ``answered / asked >= scoring.min_answered`` (default 0.5: 1 of
  2 yes, 1 of 3 no, 2 of 3 yes), where *asked* counts the competency's items on the response's
  form. Its score is the mean of the answered (recoded) items.
- The overall score is the mean of all answered in-total items, under the same rule.

Where the rule is met this equals ``psych::scoreItems(keys, x, impute = "none",
totals = FALSE)$scores`` (R averages whatever is answered and has no minimum).

Examples
--------
>>> from mentorassess.sample import generate
>>> from mentorassess.instruments import load_instrument
>>> prog = generate(seed=1, n_mentors=6)
>>> sc = score(prog.responses, load_instrument("mca-26"))
>>> list(sc.scores.columns[:6])
['response_id', 'mentor_id', 'rater_role', 'wave', 'rater_id', 'communication']
>>> bool((sc.scores["n_answered_overall"] <= 26).all())
True
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from pandas._libs import lib

from mentorassess._factorize import factorize
from mentorassess.errors import DataError, Problem
from mentorassess.instruments import Instrument, load_instrument
from mentorassess.io.distinct import known_distinct
from mentorassess.io.tables import distinct_stripped

__all__ = ["Scores", "score", "order_waves", "ID_COLUMNS", "WAVE_ORDER", "OVERALL"]

ID_COLUMNS = ("response_id", "mentor_id", "rater_role", "wave", "rater_id")
OVERALL = "overall"
# Known wave names in their natural order; others follow in order of first appearance.
WAVE_ORDER = ("pre", "retrospective_pre", "retro_pre", "then", "post", "follow_up", "followup")

_EPS = 1e-9


@dataclass(frozen=True)
class Scores:
    """Scores of every response (build with :func:`score`).

    Attributes
    ----------
    scores : DataFrame
        One row per response: ``response_id, mentor_id, rater_role, wave, rater_id``, one column
        per competency id, ``overall`` (unless a competency is itself called ``overall``, which
        then is the overall score), ``n_answered_<competency>`` and ``n_answered_overall``.
        Unscored values are NaN.
    items : DataFrame
        ``response_id, mentor_id, rater_role, wave, rater_id`` and the item columns, reverse-keyed
        items recoded (``min + max - x``). When nothing is recoded and the responses hold their item
        values in one float block (as :func:`~mentorassess.io.read_export` returns them), the item
        columns are a read-only view of the responses' values rather than a copy (a million
        responses: 208 MB less). Writing into them raises ``ValueError``; to edit the responses
        after scoring, edit a copy (``responses.copy()``) and score it again, or the items seen
        here change with them.
    comments : DataFrame
        Long: ``response_id, mentor_id, rater_role, wave, question, text``; blank answers dropped.
    unscored : DataFrame
        Long: ``response_id, competency, n_answered, n_asked, reason`` for each value left NaN
        (reasons ``too_few_answered``, ``not_on_form``).
    instrument : Instrument
    waves : tuple of str
        Waves in order (see :func:`order_waves`).
    """

    scores: pd.DataFrame = field(repr=False)
    items: pd.DataFrame = field(repr=False)
    comments: pd.DataFrame = field(repr=False)
    unscored: pd.DataFrame = field(repr=False)
    instrument: Instrument = field(repr=False)
    waves: tuple[str, ...] = ()
    #: Submission time per response (aligned with ``scores``; NaT where unknown). Used only by the
    #: release layer to keep a rater's last submission; never released.
    submitted_at: pd.Series | None = field(repr=False, default=None)

    @property
    def score_columns(self) -> tuple[str, ...]:
        """Score columns in order: competency ids, then ``overall`` if it is not a competency."""
        return score_columns(self.instrument)

    def to_frame(self) -> pd.DataFrame:
        """Tidy long frame: ids, ``competency``, ``score``, ``n_answered`` (a copy, full precision)."""
        cols = list(self.score_columns)
        ids = [c for c in ID_COLUMNS if c in self.scores.columns]
        long = self.scores.melt(id_vars=ids, value_vars=cols, var_name="competency", value_name="score")
        counts = self.scores.melt(id_vars=["response_id"], value_vars=[f"n_answered_{c}" for c in cols],
                                  var_name="competency", value_name="n_answered")
        counts["competency"] = counts["competency"].str.slice(len("n_answered_"))
        out = long.merge(counts, on=["response_id", "competency"], how="left", validate="one_to_one")
        return out.reset_index(drop=True)


def score_columns(instrument: Instrument) -> tuple[str, ...]:
    """Competency ids, then ``overall`` unless a competency already has that id."""
    comp = tuple(c.id for c in instrument.competencies)
    return comp if OVERALL in comp else comp + (OVERALL,)


def order_waves(waves: Iterable[str], order: Sequence[str] | None = None) -> tuple[str, ...]:
    """Order wave labels: a configured order first, else ``pre < post < follow_up``.

    Unknown labels follow in order of first appearance, never by plain string sorting.

    Examples
    --------
    >>> order_waves(["post", "2026-spring", "pre", "retrospective_pre"])
    ('pre', 'retrospective_pre', 'post', '2026-spring')
    """
    seen: list[str] = []
    for w in waves:
        if w is None or (isinstance(w, float) and math.isnan(w)):
            continue
        w = str(w)
        if w not in seen:
            seen.append(w)
    ref = list(order) if order is not None else list(WAVE_ORDER)
    known = [w for w in ref if w in seen]
    return tuple(known + [w for w in seen if w not in known])


def _role_items(instrument: Instrument) -> dict[str, set[str]]:
    """Items asked per rater role (from the instrument's forms)."""
    out: dict[str, set[str]] = {}
    for form in instrument.forms.values():
        out.setdefault(form.rater_role, set()).update(i.id for i in instrument.items_for_form(form.id))
    return out


def _role_comments(instrument: Instrument) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for form in instrument.forms.values():
        out.setdefault(form.rater_role, set()).update(
            o.id for o in instrument.open_ended if o.forms is None or form.id in o.forms)
    return out


def _validate(responses: pd.DataFrame, instrument: Instrument) -> None:
    if not isinstance(responses, pd.DataFrame):
        raise DataError(f"responses must be a pandas DataFrame, got {type(responses).__name__}")
    problems: list[Problem] = []
    for col in ("response_id", "mentor_id", "rater_role", "wave"):
        if col not in responses.columns:
            problems.append(Problem("required column is missing", column=col, code="missing-column"))
    missing_items = [i for i in instrument.total_item_ids if i not in responses.columns]
    if missing_items:
        problems.append(Problem(f"{len(missing_items)} item column(s) of instrument {instrument.id!r} are missing: "
                                + ", ".join(missing_items), code="missing-items",
                                hint="check that the responses were imported with this instrument"))
    if problems:
        raise DataError.from_problems(problems, summary="responses cannot be scored")
    for col in ("response_id", "mentor_id", "rater_role", "wave"):
        arr = responses[col].to_numpy()
        if arr.dtype == object and lib.is_string_array(arr, skipna=False):  # all text: nothing missing
            continue
        if responses[col].isna().any():
            rows = responses.index[responses[col].isna()][:5].tolist()
            problems.append(Problem(f"{int(responses[col].isna().sum())} empty value(s)", column=col,
                                    value=rows, code="empty-id"))
    # ids an import checked and returned as they were need no second hashing pass
    dup = (np.zeros(len(responses), dtype=bool) if known_distinct(responses["response_id"].to_numpy())
           else responses["response_id"].duplicated(keep=False).to_numpy())
    if dup.any():
        problems.append(Problem(f"{int(dup.sum())} rows share a response_id", column="response_id",
                                value=sorted(map(str, responses.loc[dup, "response_id"].unique()))[:5],
                                code="duplicate-response"))
    lo, hi = instrument.scale.min, instrument.scale.max
    for item in instrument.item_ids:
        if item not in responses.columns:
            continue
        col = responses[item]
        if col.dtype.kind == "f":  # floats: nothing to convert, NaN is missing (not a bad type)
            arr = col.to_numpy()
            with np.errstate(invalid="ignore"):
                off = (arr < lo) | (arr > hi)
            if off.any():
                problems.append(Problem(f"{int(off.sum())} value(s) outside the scale {lo}-{hi}", column=item,
                                        value=sorted(pd.unique(arr[off]).tolist())[:5], code="out-of-range"))
            continue
        num = pd.to_numeric(col, errors="coerce")
        bad_type = num.isna() & col.notna()
        if bad_type.any():
            problems.append(Problem(f"{int(bad_type.sum())} non-numeric value(s)", column=item,
                                    value=sorted(map(str, col[bad_type].unique()))[:5], code="not-numeric"))
        off = num.notna() & ((num < lo) | (num > hi))
        if off.any():
            problems.append(Problem(f"{int(off.sum())} value(s) outside the scale {lo}-{hi}", column=item,
                                    value=sorted(num[off].unique().tolist())[:5], code="out-of-range"))
    if problems:
        raise DataError.from_problems(problems, summary="responses cannot be scored")


def score(responses: pd.DataFrame, instrument: Instrument | str) -> Scores:
    """Score every response: competency scores, overall score, answered counts.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses: ``response_id, mentor_id, rater_role, wave`` (``rater_id``
        optional), the instrument's item columns (numeric codes, NaN for missing) and optional
        comment columns.
    instrument : Instrument or str
        The instrument (or a built-in id).

    Returns
    -------
    Scores

    Raises
    ------
    DataError
        Missing id or item columns, empty ids, duplicate ``response_id``, non-numeric or
        off-scale item values (every problem listed at once; never comment text).

    Notes
    -----
    R: ``psych::scoreItems(keys, x, impute = "none", totals = FALSE)$scores`` for rows that meet
    the min-answered rule; ``psych`` reverses with the data's min and max, we with the scale's.

    Examples
    --------
    >>> import pandas as pd
    >>> ins = load_instrument("mes-12")
    >>> df = pd.DataFrame({"response_id": ["r1"], "mentor_id": ["m1"], "rater_role": ["mentee"],
    ...                    "wave": ["pre"], **{i: [4.0] for i in ins.item_ids}})
    >>> float(score(df, ins).scores.loc[0, "overall"])
    4.0
    """
    instrument = load_instrument(instrument)
    _validate(responses, instrument)
    ri = responses.index
    plain = isinstance(ri, pd.RangeIndex) and ri.start == 0 and ri.step == 1
    df = responses if plain else responses.reset_index(drop=True)  # read only below: no copy needed
    n = len(df)
    ids = _id_frame(df, n)

    # Recode: numeric, reverse-keyed items on the instrument's scale, items not on a form -> NaN.
    role_items = _role_items(instrument)
    all_items = [i.id for i in instrument.items]
    # Items asked per row: one row of a (role x item) table per response (one gather, not a masked
    # write per role and item).
    role_codes, role_uniq = factorize(ids["rater_role"].to_numpy())
    every_item = set(all_items)
    by_role = np.array([[item.id in role_items.get(r, every_item) for item in instrument.items]
                        for r in role_uniq], dtype=bool).reshape(len(role_uniq), len(all_items))
    values = _shared_values(df, instrument, all_items) if by_role.all() else None
    if values is None:
        values = _recoded_values(df, instrument, all_items, by_role, role_codes)
    items_frame = pd.concat([ids, pd.DataFrame(values, columns=all_items, copy=False)], axis=1, copy=False)

    # Competency and overall scores.
    rule = instrument.scoring.min_answered
    pos = {iid: j for j, iid in enumerate(all_items)}
    groups: dict[str, list[int]] = {c.id: [pos[i] for i in c.items] for c in instrument.competencies}
    if OVERALL not in groups:
        groups[OVERALL] = [pos[i] for i in instrument.total_item_ids]
    # Scores and counts written into one block each (column-major: each group's column is one run);
    # the sums are written where their scores go and divided in place.
    score_mat, count_mat = _group_sums(values, list(groups.values()), instrument.scale.min)
    # Items asked per response and group: per role, then one gather.
    ask_by_role = np.stack([by_role[:, cols].sum(axis=1) for cols in groups.values()], axis=1)
    unscored: list[pd.DataFrame] = []
    for g, cid in enumerate(groups):
        n_ans = count_mat[:, g]
        n_ask = ask_by_role[:, g][role_codes] if n else np.zeros(0, dtype=int)
        ok = (n_ask > 0) & (n_ans >= rule * n_ask - _EPS) & (n_ans > 0)
        col = score_mat[:, g]
        np.divide(col, np.where(n_ans > 0, n_ans, 1), out=col)
        col[~ok] = np.nan
        if not ok.all():
            idx = np.flatnonzero(~ok)
            unscored.append(pd.DataFrame({
                "response_id": ids["response_id"].to_numpy()[idx], "competency": cid,
                "n_answered": n_ans[idx].astype(int), "n_asked": n_ask[idx].astype(int),
                "reason": np.where(n_ask[idx] == 0, "not_on_form", "too_few_answered")}))
    scores_frame = pd.concat([ids.copy(), pd.DataFrame(score_mat, columns=list(groups), copy=False),
                              pd.DataFrame(count_mat, columns=[f"n_answered_{cid}" for cid in groups], copy=False)],
                             axis=1, copy=False)
    unscored_frame = (pd.concat(unscored, ignore_index=True) if unscored else
                      pd.DataFrame({"response_id": pd.Series(dtype=object), "competency": pd.Series(dtype=object),
                                    "n_answered": pd.Series(dtype=int), "n_asked": pd.Series(dtype=int),
                                    "reason": pd.Series(dtype=object)}))

    return Scores(scores=scores_frame, items=items_frame, comments=_comments(df, ids, instrument, role_codes, role_uniq),
                  unscored=unscored_frame, instrument=instrument,
                  waves=order_waves(pd.unique(ids["wave"].to_numpy())),  # first appearances: same order
                  submitted_at=_submitted(df))



def _shared_values(df: pd.DataFrame, instrument: Instrument, all_items: list[str]) -> np.ndarray | None:
    """The item values as a read-only view of the responses' own float block, or None.

    Possible when no item is reverse-keyed and every role is asked every item (nothing to recode)
    and the item columns are float64 rows of one block (as :func:`~mentorassess.io.read_export`
    returns them): ``Scores.items`` then shares the responses' n x items array instead of holding
    a copy of it. The view is read-only, so nothing written through ``Scores.items`` can change the
    responses (modify the responses in place only after copying them).
    """
    if any(item.reverse for item in instrument.items) or not all_items or not df.columns.is_unique:
        return None
    if any(c not in df.columns or df[c].dtype != np.float64 for c in all_items):
        return None
    return _side_by_side([df[c].to_numpy() for c in all_items])


def _root(arr: np.ndarray):
    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    return arr.base if arr.base is not None else arr


def _side_by_side(columns: list[np.ndarray]) -> np.ndarray | None:
    """The n x k read-only view whose columns are ``columns``, when they are equally spaced rows
    of one allocation (the float block of a frame); else None."""
    first = columns[0]
    n = len(first)
    if n == 0 or first.strides != (8,):
        return None
    start = first.__array_interface__["data"][0]
    step = columns[1].__array_interface__["data"][0] - start if len(columns) > 1 else 8 * n
    root = _root(first)
    if abs(step) < 8 * n:
        return None
    for j, c in enumerate(columns):
        if (len(c) != n or c.strides != (8,) or c.__array_interface__["data"][0] != start + j * step
                or _root(c) is not root):
            return None
    return np.lib.stride_tricks.as_strided(first, shape=(n, len(columns)), strides=(8, step), writeable=False)


def _recoded_values(df: pd.DataFrame, instrument: Instrument, all_items: list[str], by_role: np.ndarray,
                    role_codes: np.ndarray) -> np.ndarray:
    """Item values as floats: reverse-keyed items recoded, items a role is not asked set to NaN."""
    n = len(df)
    values = np.empty((n, len(all_items)), order="F")  # column-major: item columns written whole, once
    for j, item in enumerate(instrument.items):
        if item.id in df.columns:
            col = pd.to_numeric(df[item.id], errors="coerce").to_numpy(dtype=float)
            values[:, j] = instrument.scale.reverse(col) if item.reverse else col
        else:
            values[:, j] = np.nan
    if not by_role.all():  # items some roles are not asked: missing for those responses
        asked = np.asfortranarray(by_role[role_codes]) if n else np.zeros((0, len(all_items)), dtype=bool)
        values[~asked] = np.nan
    return values


def _group_sums(values: np.ndarray, groups: list[list[int]], scale_min: float,
                block: int = 65_536) -> tuple[np.ndarray, np.ndarray]:
    """Per response and item group: the sum of the answered values and their count (n x groups each).

    The sums equal ``np.nansum(values[:, cols], axis=1)`` bit for bit. Whole-number answers on a
    scale above zero (every import) sum to exact integers in any order, so a block of rows is
    added up for every group at once, as one product with the item-to-group matrix (and the
    answered cells counted the same way); other values go through ``np.nansum`` as before.
    """
    n = len(values)
    sums = np.empty((n, len(groups)), order="F")
    counts = np.empty((n, len(groups)), dtype=int, order="F")
    runs = [slice(c[0], c[-1] + 1) if c and c == list(range(c[0], c[-1] + 1)) else c for c in groups]
    member = np.zeros((values.shape[1], len(groups)))  # item -> its groups
    for g, cols in enumerate(groups):
        member[cols, g] = 1.0
    exact = scale_min > 0
    for start in range(0, n, block):
        stop = min(n, start + block)
        v = values[start:stop]
        answered = ~np.isnan(v)
        z = np.where(answered, v, 0.0)
        # whole numbers of modest size (no infinity): every partial sum is exact, in any order
        exact = exact and np.array_equal(z, np.floor(z)) and (not z.size or float(np.abs(z).max()) < 2.0 ** 40)
        if exact:
            sums[start:stop] = z @ member
            counts[start:stop] = answered.astype(float) @ member
            continue
        for g, cols in enumerate(runs):
            counts[start:stop, g] = np.add.reduce(answered[:, cols], axis=1, dtype=int)
            sums[start:stop, g] = np.nansum(np.ascontiguousarray(v[:, groups[g]]), axis=1)
    return sums, counts

def _submitted(df: pd.DataFrame) -> pd.Series:
    """Submission times as UTC timestamps (NaT where absent or unreadable)."""
    if "submitted_at" not in df.columns:
        return pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
    col = df["submitted_at"]
    if col.dtype.kind == "f" and col.isna().all():  # no time in any row (a float column of NaN)
        return pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]", name="submitted_at")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.to_datetime(df["submitted_at"].astype(object), errors="coerce", utc=True, format="ISO8601")


def _id_frame(df: pd.DataFrame, n: int) -> pd.DataFrame:
    """The id columns as text (``rater_id``: None where missing) in one object block of their own.

    Each column is written once into a new n x 5 block: the frame shares nothing with the
    responses, and a later ``pd.concat`` or ``copy`` finds one block (no consolidation, which copies
    every cell reference again: about 25 ms per column of a million responses).
    """
    block = np.empty((n, len(ID_COLUMNS)), dtype=object, order="F")
    for j, c in enumerate(ID_COLUMNS):
        if c not in df.columns:
            block[:, j] = None
            continue
        arr = df[c].to_numpy(dtype=object)  # an object column's own array (a view): copied by the write below
        if c == "rater_id":
            _rater_ids(arr, out=block[:, j])
            continue
        if pd.api.types.infer_dtype(arr, skipna=False) != "string":  # already text: nothing to convert
            arr = pd.Series(arr, dtype=object).map(str).to_numpy(dtype=object)
        block[:, j] = arr
    return pd.DataFrame(block, columns=list(ID_COLUMNS), copy=False)


def _rater_ids(values: pd.Series | np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Rater ids as text, None where missing (``None``/NaN); other values through ``str``.

    Written into ``out`` when given (a column of the id block), else into a new array.
    """
    def one(v):
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)

    arr = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    if out is None:
        out = np.empty(len(arr), dtype=object)
    na = pd.isna(arr)
    if lib.is_string_array(arr[~na], skipna=False):  # text already: str(v) == v; only the missing cells change
        out[:] = arr
        idx = np.flatnonzero(na)
        if len(idx):
            out[idx] = [one(v) for v in arr[idx]]
        return out
    out[:] = [one(v) for v in arr]
    return out


def _comments(df: pd.DataFrame, ids: pd.DataFrame, instrument: Instrument, role_codes: np.ndarray,
              role_uniq: np.ndarray) -> pd.DataFrame:
    """Long frame of the non-blank comments asked on each response's form (``role_codes`` index
    ``role_uniq``: ``pd.factorize`` of the rater roles)."""
    role_comments = _role_comments(instrument)
    parts = []
    for q in instrument.comment_ids:
        if q not in df.columns:
            continue
        # non-text cells (numbers, NaN) are no comment; text is stripped (once per distinct cell)
        codes, texts = distinct_stripped(df[q])  # texts[codes]: stripped text per cell, "" where none
        keep = (texts != "")[codes]  # decided per distinct text, spread as booleans
        if not keep.any():
            continue
        on_form = np.array([q in role_comments.get(r, {q}) for r in role_uniq], dtype=bool)
        if not on_form.all():
            keep &= on_form[role_codes]
        if keep.any():
            idx = np.flatnonzero(keep)  # a gather per column (cheaper than a masked .loc on the frame)
            part = pd.DataFrame({c: ids[c].to_numpy()[idx]
                                 for c in ("response_id", "mentor_id", "rater_role", "wave")})
            part["question"] = q
            part["text"] = texts[codes[idx]]
            parts.append(part)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in
                             ("response_id", "mentor_id", "rater_role", "wave", "question", "text")})
    return pd.concat(parts, ignore_index=True)
