"""What a feedback report shows, as plain data: the only input of the renderer.

:class:`FeedbackData` is a reshaped, presentation-ready copy of a mentor's profile: every mentee
value is already gated by ``aggregate`` (``None`` where it must not be shown), so the renderer never
decides suppression and never computes a statistic. :meth:`FeedbackData.check` is a last guard that
refuses to render a below-threshold report holding any mentee value, count or comment.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from mentorassess.errors import ConfidentialityError

__all__ = ["CompetencyView", "ItemView", "ChangeView", "CommentGroup", "SuggestionGroup", "FeedbackData",
           "CycleValue", "TrajectoryView"]


@dataclass(frozen=True)
class CompetencyView:
    """One competency row. Mentee fields are ``None`` when they may not be shown."""

    id: str
    title: str
    self_score: float | None = None
    mean: float | None = None
    n: int | None = None
    low: float | None = None
    high: float | None = None
    band_low: float | None = None
    band_high: float | None = None
    gap: float | None = None
    gap_class: str | None = None  # "blind_spot" | "hidden_strength" | "aligned" | None
    hidden: bool = False          # mentee results shown in the report, but not for this competency


@dataclass(frozen=True)
class ItemView:
    """One item row (item detail, highest/lowest items, a global item)."""

    id: str
    label: str
    self_score: float | None = None
    mean: float | None = None
    n: int | None = None
    low: float | None = None
    high: float | None = None
    competency: str | None = None


@dataclass(frozen=True)
class ChangeView:
    """Change of one competency between the previous and this wave (mentee part may be ``None``)."""

    id: str
    title: str
    self_before: float | None = None
    self_after: float | None = None
    mean_before: float | None = None
    mean_after: float | None = None
    n_before: int | None = None
    n_after: int | None = None
    half_before: float | None = None  # half-width of each wave's plausible range (mentee average)
    half_after: float | None = None


@dataclass(frozen=True)
class CycleValue:
    """One window (a cycle, or a pooled block of cycles) of a competency's trajectory.

    ``mean`` is ``None`` when nothing was released for that window (withheld, or no data: they
    look the same). ``first``/``last`` are the positions of the window's first and last cycle.
    """

    window: str                   # reader-facing: "2025" or "2024-2026"
    first: int
    last: int
    mean: float | None = None
    se: float | None = None
    low: float | None = None      # clipped to the scale for display
    high: float | None = None
    pooled: bool = False
    current: bool = False


@dataclass(frozen=True)
class TrajectoryView:
    """A competency's released mentee averages across cycles (from the release ledger only)."""

    id: str
    title: str
    values: tuple[CycleValue, ...]


@dataclass(frozen=True)
class CommentGroup:
    heading: str
    comments: tuple[str, ...]


@dataclass(frozen=True)
class SuggestionGroup:
    competency_id: str
    title: str
    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class FeedbackData:
    """Everything one mentor's feedback PDF shows, already gated for confidentiality."""

    mentor_id: str
    mentor_name: str
    wave: str
    wave_label: str
    program: str
    report_date: _dt.date
    instrument_id: str
    instrument_title: str
    instrument_status: str
    instrument_citation: str
    scale_min: int
    scale_max: int
    anchors: tuple[tuple[int, str], ...]
    min_raters: int
    min_raters_comments: int
    self_done: bool
    mentees_shown: bool
    n_mentees: int | None
    competencies: tuple[CompetencyView, ...]
    strongest: tuple[str, ...] = ()
    weakest: tuple[str, ...] = ()
    focus_items: tuple[tuple[str, tuple[ItemView, ...]], ...] = ()
    previous_wave_label: str | None = None
    change: tuple[ChangeView, ...] = ()
    comments: tuple[CommentGroup, ...] = ()
    comments_withheld: bool = False
    suggestions: tuple[SuggestionGroup, ...] = ()
    own_goals: tuple[str, ...] = ()  # the mentor's own answers to self-form open questions
    interval_method: str = "pooled within-mentor standard deviation"
    department: str | None = None
    contact: str | None = None
    has_self_form: bool = True
    items: tuple[ItemView, ...] = ()         # every scored item (mentee values only where released)
    global_items: tuple[ItemView, ...] = ()  # items reported on their own (``in_total: false``)
    items_withheld: bool = False             # item detail exists but needs more raters
    min_raters_items: int | None = None
    all_suggestions: tuple[SuggestionGroup, ...] = ()      # every competency's ideas, instrument order
    item_suggestions: tuple[tuple[str, str], ...] = ()      # (lowest item label, the idea that fits it)
    cycle: str | None = None                 # the cycle of this run (history: trajectories)
    trajectory: tuple[TrajectoryView, ...] = ()  # released averages across cycles (overall first)
    pooled_cycles: str | None = None         # "2024-2026" when this report shows results pooled over cycles

    @property
    def averages_shown(self) -> bool:
        """True when the chart shows at least one mentee average (counted mentees may all be withheld)."""
        return self.mentees_shown and any(c.mean is not None for c in self.competencies)

    def competency(self, cid: str) -> CompetencyView:
        for c in self.competencies:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def check(self) -> "FeedbackData":
        """Raise :class:`ConfidentialityError` if a gated report still holds mentee data."""
        self._check_trajectory()
        if self.mentees_shown:
            if self.n_mentees is None or self.n_mentees < self.min_raters:
                raise ConfidentialityError(
                    f"mentor {self.mentor_id}: mentee results marked as shown below min_raters")
            for c in self.competencies:
                if c.n is not None and c.n < self.min_raters:
                    raise ConfidentialityError(
                        f"mentor {self.mentor_id}: competency {c.id} shown below min_raters")
            if self.min_raters_items and (self.n_mentees or 0) < self.min_raters_items and any(
                    it.mean is not None for it in list(self.items) + list(self.global_items)):
                raise ConfidentialityError(f"mentor {self.mentor_id}: item detail below min_raters_items")
            if self.comments and (self.n_mentees or 0) < self.min_raters_comments:
                raise ConfidentialityError(f"mentor {self.mentor_id}: comments below threshold")
            return self
        leaks: list[str] = []
        if self.n_mentees is not None:
            leaks.append("n_mentees")
        if self.comments:
            leaks.append("comments")
        for c in self.competencies:
            for name in ("mean", "n", "low", "high", "gap", "gap_class"):
                if getattr(c, name) is not None:
                    leaks.append(f"{c.id}.{name}")
        for it in [i for _, group in self.focus_items for i in group] + list(self.items) + list(self.global_items):
            for name in ("mean", "n", "low", "high"):
                if getattr(it, name) is not None:
                    leaks.append(f"{it.id}.{name}")
        for ch in self.change:
            for name in ("mean_before", "mean_after", "n_before", "n_after", "half_before", "half_after"):
                if getattr(ch, name) is not None:
                    leaks.append(f"change.{ch.id}.{name}")
        if leaks:
            raise ConfidentialityError(
                f"mentor {self.mentor_id}: below min_raters but the report data holds mentee values "
                f"({', '.join(leaks[:5])}{'...' if len(leaks) > 5 else ''})")
        return self

    def _check_trajectory(self) -> None:
        """This cycle's own figure appears across cycles only when this report shows mentee results."""
        for t in self.trajectory:
            for v in t.values:
                if v.current and not v.pooled and v.mean is not None and not self.mentees_shown:
                    raise ConfidentialityError(f"mentor {self.mentor_id}: a withheld cycle's average in the "
                                               f"trajectory ({t.id}, {v.window})")
                if v.pooled and v.current and v.mean is not None and self.pooled_cycles != v.window:
                    raise ConfidentialityError(f"mentor {self.mentor_id}: pooled figures without saying which "
                                               "cycles they cover")
