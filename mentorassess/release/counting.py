"""Who counts: distinct, substantive raters, one response per person (release rules R1-R3).

:func:`eligible` takes scored responses and returns the responses that may enter any released
figure, with an audit of every response it set aside and why:

``not_substantive``
    A mentee response whose overall score could not be scored under the instrument's
    ``scoring.min_answered`` rule (the same rule as scoring): a near-empty third response never
    unlocks a mentor's results or comments.
``self_as_mentee``
    A response filed as a mentee rating whose rater id equals the rated mentor's id, e-mail or
    name (roster), or whose answers equal the mentor's own self-assessment of that wave item for
    item (at least half of the items answered, using at least three different answers, so that
    two straight-lined forms at the ceiling are not taken for one person). A mentor's own form never counts as a mentee.
``repeat_submission``
    Several responses by one rater for the same mentor, form and wave: the last submission is
    kept (by ``submitted_at``, then file order), whatever the import's ``duplicates`` setting.
``possible_repeat``
    Without a rater id, responses for the same mentor and wave with identical answers are one
    person (the conservative reading).

Responses without any rater id are *unkeyed*. A mentor-wave with an unkeyed mentee response is
flagged; the release layer then needs one rater more for its results and withholds item detail
and comments there (we cannot tell one person from two).

Examples
--------
>>> import pandas as pd
>>> from mentorassess.scoring import score
>>> from mentorassess.instruments import load_instrument
>>> ins = load_instrument("mes-12")
>>> rows = [("r1", "m1", "mentee", "pre", "a", 5.0), ("r2", "m1", "mentee", "pre", "a", 6.0),
...         ("r3", "m1", "mentee", "pre", "m1", 3.0), ("r4", "m1", "mentee", "pre", "b", 4.0)]
>>> df = pd.DataFrame(rows, columns=["response_id", "mentor_id", "rater_role", "wave", "rater_id", "v"])
>>> for i in ins.item_ids:
...     df[i] = df["v"]
>>> e = eligible(score(df.drop(columns="v"), ins))
>>> sorted(e.scores.scores["response_id"])
['r2', 'r4']
>>> e.exclusions[["response_id", "reason"]].values.tolist()
[['r1', 'repeat_submission'], ['r3', 'self_as_mentee']]
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from mentorassess.errors import DataError
from mentorassess.scoring import OVERALL, Scores

__all__ = ["Eligible", "eligible", "REASONS", "normalise_key"]

REASONS = {
    "not_substantive": "answered fewer items than the form's minimum; does not count as a rater",
    "self_as_mentee": "a mentee rating by the rated mentor (same id, e-mail, name or answers as the self form)",
    "repeat_submission": "an earlier submission by the same rater for the same mentor, form and wave",
    "possible_repeat": "no rater id and the same answers as another response for this mentor and wave",
}
_KEYS = ["mentor_id", "wave"]


def normalise_key(value) -> str | None:
    """A rater/mentor key compared case-, width- and spacing-insensitively (``None`` if empty).

    >>> normalise_key("  Ana.Lee@Example.EDU ")
    'ana.lee@example.edu'
    >>> normalise_key(float("nan")) is None
    True
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = " ".join(unicodedata.normalize("NFKC", str(value)).casefold().split())
    return text or None


@dataclass(frozen=True)
class Eligible:
    """Responses that may enter released figures (build with :func:`eligible`).

    Attributes
    ----------
    scores : Scores
        The input restricted to eligible responses (self forms: one per mentor and wave).
    exclusions : DataFrame
        ``response_id, mentor_id, rater_role, wave, reason, detail`` for every response set aside
        (staff only: never released to mentors or the program).
    raters : DataFrame
        Per mentor and wave: ``raters`` (distinct substantive mentee raters) and ``unkeyed``
        (True when some mentee response had no rater id).
    """

    scores: Scores = field(repr=False)
    exclusions: pd.DataFrame = field(repr=False)
    raters: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The exclusion audit (a copy)."""
        return self.exclusions.copy()


def _roster_keys(roster: pd.DataFrame | None) -> dict[str, set[str]]:
    """Per mentor: normalised id, e-mail and name (the keys a self form filed as mentee may carry)."""
    out: dict[str, set[str]] = {}
    if roster is None or "mentor_id" not in getattr(roster, "columns", ()):
        return out
    cols = [roster[c].to_numpy(dtype=object) for c in ("mentor_id", "email", "name") if c in roster.columns]
    for mid, *vals in zip(roster["mentor_id"].to_numpy(dtype=object), *cols):
        keys = {_norm_cached(v) for v in vals}
        out[str(mid)] = {k for k in keys if k}
    return out


def _norm_cached(value, _cache: dict = {}) -> str | None:  # noqa: B006 (a per-process memo of a pure function)
    if isinstance(value, str):
        hit = _cache.get(value, 0)
        if hit == 0:
            if len(_cache) > 200_000:
                _cache.clear()
            hit = _cache[value] = normalise_key(value)
        return hit
    return normalise_key(value)


def eligible(scores: Scores, roster: pd.DataFrame | None = None) -> Eligible:
    """Distinct, substantive raters: apply rules R1-R3 (see the module docstring).

    Parameters
    ----------
    scores : Scores
    roster : DataFrame, optional
        ``mentor_id`` with optional ``email`` and ``name``: a mentee response carrying any of
        them as its rater id is the mentor's own.

    Returns
    -------
    Eligible
    """
    if not isinstance(scores, Scores):
        raise DataError(f"scores must be a Scores result, got {type(scores).__name__}")
    s = scores.scores
    n = len(s)
    reason = np.full(n, None, dtype=object)
    detail = np.full(n, None, dtype=object)
    role = s["rater_role"].to_numpy()
    mentee = role == "mentee"
    mentor = s["mentor_id"].astype(str).to_numpy()
    rater = np.array([_norm_cached(v) for v in s["rater_id"]], dtype=object)
    wave = s["wave"].to_numpy()

    # R3: substantive responses only (the overall score exists under the scoring rule).
    subst = s[OVERALL].notna().to_numpy()
    reason[mentee & ~subst] = "not_substantive"

    # R2: a self form filed as a mentee rating.
    keys = _roster_keys(roster)
    own_key = {m: _norm_cached(m) for m in pd.unique(mentor)}
    for i in np.flatnonzero(mentee & (reason == None) & (rater != None)):  # noqa: E711 (object array)
        if rater[i] == own_key[mentor[i]] or rater[i] in keys.get(mentor[i], ()):
            reason[i], detail[i] = "self_as_mentee", "rater id equals the mentor's id, e-mail or name"
    items = scores.items
    item_cols = [c for c in scores.instrument.item_ids if c in items.columns]
    vals = items[item_cols].to_numpy(float)
    half = max(1, len(item_cols) // 2)
    cand = np.flatnonzero(mentee & (reason == None))  # noqa: E711
    self_rows = np.flatnonzero(role == "self")
    if len(cand) and len(self_rows) and len(item_cols):
        pairs = pd.DataFrame({"i": cand, "m": mentor[cand], "w": wave[cand]}).merge(
            pd.DataFrame({"j": self_rows, "m": mentor[self_rows], "w": wave[self_rows]}), on=["m", "w"])
        if len(pairs):
            a, b = vals[pairs["i"].to_numpy()], vals[pairs["j"].to_numpy()]
            na, nb = np.isnan(a), np.isnan(b)
            same_missing = (na == nb).all(axis=1)
            both = ~na & ~nb
            srt = np.sort(np.where(both, a, np.nan), axis=1)  # NaN last
            distinct = ((np.diff(srt, axis=1) != 0) & ~np.isnan(srt[:, 1:])).sum(axis=1) + both.any(axis=1)
            varied = distinct >= 3  # two straight-liners at the ceiling are not one person
            equal = ((a == b) | ~both).all(axis=1)
            hit = same_missing & (both.sum(axis=1) >= half) & varied & equal
            for i in np.unique(pairs["i"].to_numpy()[hit]):
                reason[i], detail[i] = "self_as_mentee", "answers equal the mentor's self-assessment item for item"

    # R1: one response per rater, mentor, form and wave (the last submission).
    order = _submission_order(scores)
    live = reason == None  # noqa: E711
    frame = pd.DataFrame({"pos": np.arange(n), "mentor": mentor, "wave": wave, "role": role,
                          "rater": rater, "order": order})
    keyed = frame[live & (frame["rater"].notna().to_numpy()) | (live & (role == "self"))].copy()
    keyed.loc[keyed["role"] == "self", "rater"] = "(self)"
    keyed = keyed.sort_values(["order", "pos"], kind="stable")
    dup = keyed.duplicated(["mentor", "wave", "role", "rater"], keep="last")
    reason[keyed.loc[dup, "pos"].to_numpy()] = "repeat_submission"

    # Unkeyed mentee responses: identical answers for the same mentor and wave are one person.
    live = reason == None  # noqa: E711
    unkeyed = live & mentee & (frame["rater"].isna().to_numpy())
    if unkeyed.any():
        idx = np.flatnonzero(unkeyed)
        sig = pd.Series([(mentor[i], wave[i], tuple(np.nan_to_num(vals[i], nan=-1.0))) for i in idx],
                        index=idx)
        ordered = sorted(idx, key=lambda i: (order[i], i))
        seen: set = set()
        for i in reversed(ordered):  # keep the last of identical responses
            if sig[i] in seen:
                reason[i] = "possible_repeat"
            seen.add(sig[i])

    keep = reason == None  # noqa: E711
    ex = s.loc[~keep, ["response_id", "mentor_id", "rater_role", "wave"]].copy()
    ex["reason"] = reason[~keep]
    ex["detail"] = [d if d is not None else REASONS[r] for d, r in zip(detail[~keep], reason[~keep])]
    ex = ex.reset_index(drop=True)

    kept = _subset(scores, keep)
    ks = kept.scores
    m = ks[ks["rater_role"] == "mentee"]
    raters = m.groupby(_KEYS).size().rename("raters").reset_index()
    unk = m.assign(u=m["rater_id"].map(normalise_key).isna()).groupby(_KEYS)["u"].any().rename("unkeyed")
    raters = raters.merge(unk.reset_index(), on=_KEYS, how="left")
    return Eligible(scores=kept, exclusions=ex, raters=raters)


def _submission_order(scores: Scores) -> np.ndarray:
    """Sort key: submission time (unknown first), ties and unknowns in file order."""
    t = scores.submitted_at
    if t is None or len(t) != len(scores.scores):
        return np.zeros(len(scores.scores))
    v = t.to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
    v[t.isna().to_numpy()] = -np.inf
    return v


def _subset(scores: Scores, keep: np.ndarray) -> Scores:
    if keep.all():
        return scores
    ids = set(scores.scores.loc[keep, "response_id"])

    def pick(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["response_id"].isin(ids)].reset_index(drop=True)

    sub = scores.submitted_at
    return replace(scores, scores=pick(scores.scores), items=pick(scores.items), comments=pick(scores.comments),
                   unscored=pick(scores.unscored),
                   submitted_at=None if sub is None else sub[keep].reset_index(drop=True))
