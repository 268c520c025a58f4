"""The release rules: thresholds and their defaults, in one frozen object.

Every figure, count, comment and file name a reader receives is decided under one
:class:`ReleaseRules`. The defaults follow ``docs/threat-model.md``:

========================  =======  ==========================================================
rule                      default  what it protects
========================  =======  ==========================================================
``min_raters``            3        a mentor's competency and overall means (never below 3)
``min_raters_items``      5        item-level detail in a mentor's report (never below k)
``min_raters_comments``   5        mentees' comments (never below ``min_raters``)
``min_mentors``           3        every program cell: distinct mentors behind it
``max_mentor_share``      0.5      no mentor supplies more than this share of a cell's ratings
``ell``                   3        every rater keeps at least this many possible answers
``min_substantive``       scoring  a response counts when its overall score could be scored
========================  =======  ==========================================================

Examples
--------
>>> r = ReleaseRules()
>>> (r.min_raters, r.min_raters_items, r.min_raters_comments, r.min_mentors)
(3, 5, 5, 3)
>>> ReleaseRules(min_raters=4).min_raters_items
5
>>> ReleaseRules(min_raters=6).min_raters_items
6
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mentorassess.errors import ConfigError, Problem

__all__ = ["ReleaseRules", "MIN_RATERS_FLOOR", "HIDDEN"]

MIN_RATERS_FLOOR = 3
#: The one reason a reader ever sees for a withheld figure, whatever the cause.
HIDDEN = "not_shown"


def _whole(name: str, value, floor: int, problems: list[Problem]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(Problem(f"{name} must be a whole number >= {floor}; got {value!r}", code="bad-threshold",
                                loc=(name,)))
        return floor
    if value < floor:
        problems.append(Problem(f"{name} must be at least {floor} to protect mentees' anonymity; got {value}",
                                code="bad-threshold", loc=(name,)))
        return floor
    return value


@dataclass(frozen=True)
class ReleaseRules:
    """Thresholds of the release layer (see the module docstring for defaults).

    ``None`` for ``min_raters_items`` / ``min_raters_comments`` means the default
    ``max(5, min_raters)``. Invalid values are collected into one :class:`ConfigError`.
    """

    min_raters: int = 3
    min_raters_items: int | None = None
    min_raters_comments: int | None = None
    min_mentors: int = 3
    max_mentor_share: float = 0.5
    ell: int = 3
    comments: bool = True
    exclude_comments: tuple[str, ...] = field(default=())
    decimals: int = 1

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        k = _whole("min_raters", self.min_raters, MIN_RATERS_FLOOR, problems)
        default = max(5, k)
        ki = default if self.min_raters_items is None else _whole("min_raters_items", self.min_raters_items, k,
                                                                   problems)
        kc = default if self.min_raters_comments is None else _whole("min_raters_comments",
                                                                      self.min_raters_comments, k, problems)
        _whole("min_mentors", self.min_mentors, 3, problems)
        _whole("ell", self.ell, 2, problems)
        share = self.max_mentor_share
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 0.5:
            problems.append(Problem(f"max_mentor_share must be a number in (0, 0.5]; got {share!r}",
                                    code="bad-threshold", loc=("max_mentor_share",)))
        if problems:
            raise ConfigError("invalid release rules", problems=problems)
        object.__setattr__(self, "min_raters_items", ki)
        object.__setattr__(self, "min_raters_comments", kc)
        object.__setattr__(self, "exclude_comments", tuple(map(str, self.exclude_comments)))
