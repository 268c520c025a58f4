"""Per-mentor profiles with the confidentiality rule, self-vs-mentee gaps and program benchmarks.

:func:`aggregate` turns :class:`~mentorassess.scoring.Scores` into :class:`Profiles`: for each
mentor and wave, the self score and the mentees' n, mean, SD, SE and 95% intervals per
competency and per item, the gap between them with a classification, the mentees' comments,
the mentor's strongest and weakest competencies and program benchmarks.

Confidentiality (DESIGN, "Confidentiality")
-------------------------------------------
- ``min_raters`` (default 3) may not be set below 3 (:class:`~mentorassess.errors.ConfigError`).
- Two gates. The report gate counts the mentor's mentee responses in the wave; each competency
  and item value also needs its own valid n >= ``min_raters``. Below either gate the mentee
  values are never computed: they are absent (NaN/None) from every frame, with
  ``suppressed = True`` and a ``suppressed_reason`` (``below_min_raters`` or
  ``too_few_valid``); the mentee n is absent too ("fewer than k responses", no number).
- Comments have their own threshold ``min_raters_comments`` (default: ``min_raters``; never
  lower) counted on the mentor's mentee responses in the wave; they can be turned off, or
  excluded per ``response_id``. They are returned sorted by question and text, an order
  unrelated to submission order. Self ratings and self comments are always kept.
- No ``rater_id``, ``response_id`` or ``submitted_at`` leaves this layer.

Uncertainty (DESIGN, "Uncertainty")
-----------------------------------
Each shown mentee mean has the mentor's own SD, SE and 95% t interval (df n - 1) and an
interval from the program's pooled within-mentor SD: ``MSw = sum((n_j - 1) s_j^2) / (N - J)``
over the shown mentor values of that competency (or item) and wave, ``SE = sqrt(MSw / n_j)``,
``df = N - J``. Limits are not clipped to the scale here (clip when displaying).

Gaps
----
``gap = self_score - mentee_mean``. With the default :class:`GapRule` a *blind spot* is a gap
of at least 0.5 scale points with the self score above the pooled interval's upper limit; a
*hidden strength* is a gap of at most -0.5 with the self score below its lower limit; other
gaps are ``aligned``; no gap (no self rating, or suppressed mentee values) gives ``None``.

Examples
--------
>>> from mentorassess.sample import generate
>>> from mentorassess.scoring import score
>>> prog = generate(seed=3, n_mentors=12)
>>> prof = aggregate(score(prog.responses, "mca-26"), roster=prog.roster)
>>> "rater_id" in prof.to_frame().columns
False
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from mentorassess.errors import ConfigError, DataError
from mentorassess.scoring import OVERALL, Scores, order_waves

__all__ = ["GapRule", "ProfileSettings", "Profiles", "MentorProfile", "aggregate", "MIN_RATERS_FLOOR",
           "BELOW_MIN_RATERS", "TOO_FEW_VALID"]

MIN_RATERS_FLOOR = 3
BELOW_MIN_RATERS = "below_min_raters"
TOO_FEW_VALID = "too_few_valid"
REPORT_BAND_MIN_MENTORS = 10
_KEYS = ["mentor_id", "wave"]
_TIE = 1e-9


@dataclass(frozen=True)
class GapRule:
    """Classification of ``gap = self - mentee mean``.

    Parameters
    ----------
    min_gap : float
        Smallest absolute gap (scale points) that can count as a blind spot or hidden strength.
    interval : {"pooled", "own", "none"}
        Which 95% interval of the mentee mean the self score must also lie outside
        (``"none"``: the gap alone decides).

    Examples
    --------
    >>> GapRule().classify(6.5, 5.0, 4.6, 5.4)
    'blind_spot'
    >>> GapRule().classify(5.3, 5.0, 4.6, 5.4)
    'aligned'
    """

    min_gap: float = 0.5
    interval: Literal["pooled", "own", "none"] = "pooled"

    def __post_init__(self) -> None:
        if not (isinstance(self.min_gap, (int, float)) and np.isfinite(self.min_gap) and self.min_gap >= 0):
            raise ConfigError(f"GapRule.min_gap must be a number >= 0; got {self.min_gap!r}")
        if self.interval not in ("pooled", "own", "none"):
            raise ConfigError(f"GapRule.interval must be 'pooled', 'own' or 'none'; got {self.interval!r}")

    def classify(self, self_score: float, mentee_mean: float, low: float = np.nan,
                 high: float = np.nan) -> str | None:
        """Class of one gap (``None`` when either value is missing)."""
        out = self.classify_arrays(np.array([self_score], float), np.array([mentee_mean], float),
                                   np.array([low], float), np.array([high], float))
        return out[0]

    def classify_arrays(self, self_score, mentee_mean, low, high) -> np.ndarray:
        """Vectorised :meth:`classify`."""
        gap = self_score - mentee_mean
        with np.errstate(invalid="ignore"):
            if self.interval == "none":
                above = below = np.ones(len(gap), dtype=bool)
            else:
                above, below = self_score > high, self_score < low
            blind = (gap >= self.min_gap - _TIE) & above
            hidden = (gap <= -self.min_gap + _TIE) & below
        out = np.where(blind, "blind_spot", np.where(hidden, "hidden_strength", "aligned")).astype(object)
        out[np.isnan(gap)] = None
        return out


@dataclass(frozen=True)
class ProfileSettings:
    """Settings a :class:`Profiles` was built with."""

    instrument_id: str
    min_raters: int
    min_raters_comments: int
    comments: bool
    gap_rule: GapRule
    level: float
    waves: tuple[str, ...]
    excluded_comments: int = 0
    min_raters_items: int = 5


@dataclass(frozen=True)
class MentorProfile:
    """Everything one feedback report needs for one mentor and wave.

    Mentee values are ``None``/NaN when suppressed. No program percentile (DESIGN: it lives in the
    API and the staff workbook, never in a mentor's PDF).

    Attributes
    ----------
    competencies, items : DataFrame
        One row per competency (incl. ``overall``) / item: self score, mentee n, mean, SD, SE,
        own and pooled intervals, suppression flags, gap and gap class.
    comments : tuple of (question, text)
        The mentees' comments (empty when below the comment threshold or turned off).
    self_comments : tuple of (question, text)
    strongest, weakest : tuple of str
        Competencies with the highest / lowest mentee mean (ties all listed; empty when suppressed).
    program_band : DataFrame
        Program mentee benchmark (p25, p50, p75) per competency for this wave, only where at
        least 10 mentors qualify.
    """

    mentor_id: str
    wave: str
    name: str | None
    department: str | None
    cohort: str | None
    instrument_id: str
    min_raters: int
    mentee_n: int | None
    self_present: bool
    suppressed: bool
    suppressed_reason: str | None
    comments_shown: bool
    competencies: pd.DataFrame = field(repr=False)
    items: pd.DataFrame = field(repr=False)
    comments: tuple[tuple[str, str], ...] = field(repr=False, default=())
    self_comments: tuple[tuple[str, str], ...] = field(repr=False, default=())
    strongest: tuple[str, ...] = ()
    weakest: tuple[str, ...] = ()
    self_strongest: tuple[str, ...] = ()
    self_weakest: tuple[str, ...] = ()
    program_band: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    min_raters_comments: int | None = None
    min_raters_items: int | None = None


@dataclass(frozen=True)
class Profiles:
    """Mentor profiles of a program (build with :func:`aggregate`).

    Attributes
    ----------
    competencies : DataFrame
        Per mentor, wave and competency (``overall`` included): ``self_score, self_n,
        mentee_n, mentee_mean, mentee_sd, mentee_se, mentee_ci_low, mentee_ci_high, pooled_sd,
        pooled_df, pooled_se, pooled_ci_low, pooled_ci_high, suppressed, suppressed_reason, gap,
        gap_class, mentee_rank, self_rank, program_percentile, self_percentile``.
    items : DataFrame
        The same per item (with the item's ``competency``).
    comments : DataFrame
        ``mentor_id, wave, rater_role, question, text`` where the comment threshold is met
        (mentee) or always (self), sorted by mentor, wave, role, question, text.
    mentors : DataFrame
        Per mentor and wave: roster fields, ``mentee_n`` (mentee responses; NaN below the
        threshold), ``self_present, suppressed, suppressed_reason, comments_shown,
        strongest, weakest, self_strongest, self_weakest`` (``;``-joined), the overall
        ``program_percentile`` and ``self_percentile``.
    program : DataFrame
        Per wave, rater role and competency (``level = "competency"``) or item: ``n_mentors,
        mean, sd, p25, p50, p75`` over mentor-level values (mentee: shown means; self: self
        scores), absent when fewer than ``min_raters`` mentors qualify; ``report_band`` is True
        when at least 10 do.
    settings : ProfileSettings
    """

    competencies: pd.DataFrame = field(repr=False)
    items: pd.DataFrame = field(repr=False)
    comments: pd.DataFrame = field(repr=False)
    mentors: pd.DataFrame = field(repr=False)
    program: pd.DataFrame = field(repr=False)
    settings: ProfileSettings = field(repr=False)
    competency_ids: tuple[str, ...] = ()
    #: Responses the release layer set aside and why (staff only; see release.counting).
    exclusions: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    #: Per wave and form: eligible responses, mentors, distinct raters (program-level counts).
    counts: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    #: Every comment with its response id and whether a mentor sees it (staff review only).
    review: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    def to_frame(self) -> pd.DataFrame:
        """Competency and item rows in one tidy frame (``level`` column); a copy."""
        comp = self.competencies.assign(level="competency", item=None)
        items = self.items.assign(level="item")
        out = pd.concat([comp, items], ignore_index=True, sort=False)
        front = ["level", "mentor_id", "wave", "competency", "item"]
        return out[front + [c for c in out.columns if c not in front]]

    def profile(self, mentor_id: str, wave: str) -> MentorProfile:
        """The :class:`MentorProfile` of one mentor and wave.

        Raises
        ------
        DataError
            Unknown mentor or wave.
        """
        m = self.mentors[(self.mentors["mentor_id"] == str(mentor_id)) & (self.mentors["wave"] == str(wave))]
        if m.empty:
            raise DataError(f"no profile for mentor {mentor_id!r} in wave {wave!r}", value=str(mentor_id))
        row = m.iloc[0]
        drop = ["mentor_id", "wave", "program_percentile", "self_percentile"]

        def pick(frame: pd.DataFrame) -> pd.DataFrame:
            sel = frame[(frame["mentor_id"] == str(mentor_id)) & (frame["wave"] == str(wave))]
            return sel.drop(columns=[c for c in drop if c in sel.columns]).reset_index(drop=True)

        com = self.comments[(self.comments["mentor_id"] == str(mentor_id)) & (self.comments["wave"] == str(wave))]
        mentee_c = tuple(zip(com.loc[com["rater_role"] == "mentee", "question"],
                             com.loc[com["rater_role"] == "mentee", "text"]))
        self_c = tuple(zip(com.loc[com["rater_role"] == "self", "question"],
                           com.loc[com["rater_role"] == "self", "text"]))
        band = self.program[(self.program["wave"] == str(wave)) & (self.program["rater_role"] == "mentee")
                            & (self.program["level"] == "competency") & self.program["report_band"]]
        band = band[["competency", "n_mentors", "p25", "p50", "p75"]].reset_index(drop=True)

        def split(v) -> tuple[str, ...]:
            return tuple(v.split(";")) if isinstance(v, str) and v else ()

        def opt(v):
            return None if v is None or (isinstance(v, float) and np.isnan(v)) else v

        return MentorProfile(
            mentor_id=str(mentor_id), wave=str(wave), name=opt(row.get("name")),
            department=opt(row.get("department")), cohort=opt(row.get("cohort")),
            instrument_id=self.settings.instrument_id, min_raters=self.settings.min_raters,
            mentee_n=None if pd.isna(row["mentee_n"]) else int(row["mentee_n"]),
            self_present=bool(row["self_present"]), suppressed=bool(row["suppressed"]),
            suppressed_reason=opt(row["suppressed_reason"]), comments_shown=bool(row["comments_shown"]),
            competencies=pick(self.competencies), items=pick(self.items), comments=mentee_c, self_comments=self_c,
            strongest=split(row["strongest"]), weakest=split(row["weakest"]),
            self_strongest=split(row["self_strongest"]), self_weakest=split(row["self_weakest"]),
            program_band=band, min_raters_comments=self.settings.min_raters_comments,
            min_raters_items=self.settings.min_raters_items)


def _check_min(value, name: str, floor: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ConfigError(f"{name} must be a whole number >= {floor}; got {value!r}")
    if value < floor:
        raise ConfigError(f"{name} must be at least {floor} to protect mentees' anonymity; got {value}",
                          hint=f"{name} may be raised, never set below {floor}")
    return int(value)


def _roster_frame(roster) -> pd.DataFrame | None:
    if roster is None:
        return None
    if not isinstance(roster, pd.DataFrame) or "mentor_id" not in roster.columns:
        raise DataError("roster must be a DataFrame with a 'mentor_id' column", column="mentor_id")
    r = roster.copy()
    r["mentor_id"] = r["mentor_id"].map(str)
    if r["mentor_id"].duplicated().any():
        dups = sorted(r.loc[r["mentor_id"].duplicated(), "mentor_id"].unique())[:5]
        raise DataError("roster lists a mentor_id more than once", column="mentor_id", value=dups)
    return r


def aggregate(scores: Scores, *, min_raters: int = 3, min_raters_comments: int | None = None,
              roster: pd.DataFrame | None = None, comments: bool = True, gap_rule: GapRule | None = None,
              exclude_comments=(), level: float = 0.95, wave_order=None, min_raters_items: int | None = None,
              rules=None) -> Profiles:
    """Per-mentor profiles with confidentiality, gaps, strongest/weakest and benchmarks.

    Parameters
    ----------
    scores : Scores
        From :func:`mentorassess.scoring.score`.
    min_raters : int
        Distinct substantive mentee raters (and valid values) needed to show mentee aggregates; >= 3.
    min_raters_comments : int, optional
        Distinct substantive raters needed to show comments; default ``max(5, min_raters)``, never
        below ``min_raters``.
    min_raters_items : int, optional
        Distinct raters needed for item-level detail; default ``max(5, min_raters)``.
    rules : ReleaseRules, optional
        All thresholds at once (overrides the three above).
    roster : DataFrame, optional
        ``mentor_id`` and optional ``name, department, cohort, trained``; roster mentors without
        responses get (empty) profiles too.
    comments : bool
        False drops all comments.
    gap_rule : GapRule, optional
    exclude_comments : iterable of str
        ``response_id`` values whose comments staff excluded after review.
    level : float
        Confidence level of the intervals (default 0.95).
    wave_order : sequence of str, optional
        Declared wave order (program config); default ``pre < post < follow_up``, then others in
        order of first appearance.

    Returns
    -------
    Profiles

    Raises
    ------
    ConfigError
        ``min_raters`` below 3, ``min_raters_comments`` below ``min_raters``, bad ``level``.

    Examples
    --------
    >>> from mentorassess.sample import generate
    >>> from mentorassess.scoring import score
    >>> prog = generate(seed=2, n_mentors=8)
    >>> prof = aggregate(score(prog.responses, "mca-26"), min_raters=3)
    >>> bool(prof.competencies.loc[prof.competencies["suppressed"], "mentee_mean"].isna().all())
    True
    """
    from mentorassess._profile_tables import build_comments, build_level, build_mentors, build_program

    from mentorassess.release.counting import eligible
    from mentorassess.release.mentor import hidden_cells
    from mentorassess.release.rules import ReleaseRules

    if not isinstance(scores, Scores):
        raise DataError(f"scores must be a Scores result from mentorassess.scoring.score, "
                        f"got {type(scores).__name__}")
    if rules is None:
        min_raters = _check_min(min_raters, "min_raters", MIN_RATERS_FLOOR)
        if min_raters_comments is not None:
            _check_min(min_raters_comments, "min_raters_comments", min_raters)
        if min_raters_items is not None:
            _check_min(min_raters_items, "min_raters_items", min_raters)
        rules = ReleaseRules(min_raters=min_raters, min_raters_items=min_raters_items,
                             min_raters_comments=min_raters_comments, comments=bool(comments),
                             exclude_comments=tuple(map(str, exclude_comments)))
    min_raters, min_c = rules.min_raters, rules.min_raters_comments
    comments, exclude_comments = rules.comments, rules.exclude_comments
    rost0 = _roster_frame(roster)
    elig = eligible(scores, rost0)
    scores = elig.scores
    hidden = hidden_cells(scores, elig.raters, rules)
    if not (isinstance(level, float) and 0 < level < 1):
        raise ConfigError(f"level must be a float in (0, 1); got {level!r}")
    gap_rule = gap_rule or GapRule()
    if not isinstance(gap_rule, GapRule):
        raise ConfigError("gap_rule must be a GapRule")
    rost = rost0
    excluded = frozenset(map(str, exclude_comments))

    ins = scores.instrument
    waves = order_waves(scores.waves, order=wave_order)
    mentors = sorted(set(scores.scores["mentor_id"]) | (set(rost["mentor_id"]) if rost is not None else set()))
    grid = pd.DataFrame([(m, w) for m in mentors for w in waves], columns=_KEYS)
    resp = scores.scores[scores.scores["rater_role"] == "mentee"].groupby(_KEYS).size().rename("responses")
    grid = grid.merge(resp.reset_index(), on=_KEYS, how="left")
    grid["responses"] = grid["responses"].fillna(0).astype(int)
    # Unkeyed raters (no rater id): one more rater needed, no item detail and no comments there.
    unk = elig.raters[elig.raters["unkeyed"].astype(bool)][_KEYS].assign(_u=True)
    grid = grid.merge(unk, on=_KEYS, how="left")
    grid["unkeyed"] = grid.pop("_u").notna().to_numpy()
    grid.loc[grid["unkeyed"] & (grid["responses"] < min_raters + 1), "responses"] = 0

    score_cols = list(scores.score_columns)
    comp_ids = tuple(c.id for c in ins.competencies)
    hid = {lvl: hidden.loc[hidden["level"] == lvl, [*_KEYS, "key"]] for lvl in ("competency", "item")}
    comp_tab = build_level(scores.scores, score_cols, "competency", grid, min_raters, level, gap_rule,
                           rank_keys=[c for c in comp_ids], hidden=hid["competency"])
    item_ids = [i.id for i in ins.items]
    item_tab = build_level(scores.items, item_ids, "item", grid, min_raters, level, gap_rule, rank_keys=item_ids,
                           hidden=hid["item"])
    owner = {i: (ins.competency_of(i).id if ins.competency_of(i) else None) for i in item_ids}
    item_tab.insert(3, "competency", item_tab["item"].map(owner))

    com = build_comments(scores.comments, grid[~grid["unkeyed"]], min_c if comments else None, excluded, ins, waves)
    ment = build_mentors(grid, comp_tab, com, rost, min_raters, min_c if comments else None,
                         [c for c in comp_ids if c != OVERALL] if len(comp_ids) > 1 else [])
    prog = build_program(comp_tab, item_tab, min_raters, REPORT_BAND_MIN_MENTORS)

    order = {w: i for i, w in enumerate(waves)}
    for f in (comp_tab, item_tab, com, ment, prog):
        f.sort_values([c for c in ("mentor_id", "wave") if c in f.columns],
                      key=lambda s: s.map(order) if s.name == "wave" else s, kind="stable", inplace=True)
        f.reset_index(drop=True, inplace=True)
    settings = ProfileSettings(instrument_id=ins.id, min_raters=min_raters, min_raters_comments=min_c,
                               comments=bool(comments), gap_rule=gap_rule, level=level, waves=waves,
                               excluded_comments=len(excluded), min_raters_items=rules.min_raters_items)
    return Profiles(competencies=comp_tab, items=item_tab, comments=com, mentors=ment, program=prog,
                    settings=settings, competency_ids=tuple(score_cols), exclusions=elig.exclusions,
                    counts=_counts(scores), review=_review(scores.comments, com, rost))


def _counts(scores: Scores) -> pd.DataFrame:
    s = scores.scores
    rows = []
    for (w, role), g in s.groupby(["wave", "rater_role"], sort=False):
        keys = g["rater_id"].map(lambda v: None if v is None else str(v).strip().casefold() or None)
        n_raters = int(keys.nunique()) + int(keys.isna().sum())
        rows.append({"wave": w, "rater_role": role, "responses": int(len(g)), "mentors": int(g["mentor_id"].nunique()),
                     "raters": n_raters})
    return pd.DataFrame(rows, columns=["wave", "rater_role", "responses", "mentors", "raters"])


def _review(all_comments: pd.DataFrame, shown: pd.DataFrame, roster: pd.DataFrame | None) -> pd.DataFrame:
    """Every comment for staff review: shown or not, and flags for personal details (R12)."""
    from mentorassess.release.comments import screen_comments

    cols = ["mentor_id", "wave", "rater_role", "question", "text"]
    com = all_comments[["response_id", *cols]].copy()
    flag = shown.assign(shown_in_feedback=True)[[*cols, "shown_in_feedback"]].drop_duplicates()
    com = com.merge(flag, on=cols, how="left")
    com["shown_in_feedback"] = com["shown_in_feedback"].eq(True)
    com = com.sort_values(["mentor_id", "wave", "rater_role", "question", "text"], kind="stable").reset_index(drop=True)
    names = roster if roster is not None and "name" in roster.columns else None
    screen = screen_comments(com, roster=names).to_frame()
    com["needs_review"] = screen["needs_review"].to_numpy(bool) if len(com) else pd.Series(dtype=bool)
    com["flags"] = screen["kinds"].to_numpy(object) if len(com) else pd.Series(dtype=object)
    com["flag_details"] = screen["details"].to_numpy(object) if len(com) else pd.Series(dtype=object)
    return com
