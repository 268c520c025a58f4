"""Each report's profile rows, read from frames split once per program (issue 24).

``Profiles.profile`` filters whole program frames with boolean masks on every call, which cost a
feedback report more than its layout. :func:`fast_profiles` splits the frames by (mentor, wave)
once and gives each report the same values as plain lists (see :class:`_Slim`).
"""

from __future__ import annotations

import math
from typing import Any

from mentorassess.reports._profile import _COLUMNS, _RowTable, _rows

__all__ = ["fast_profiles"]


class _Slim:
    """The fields of a ``MentorProfile`` that :func:`feedback_data` reads, with its frames as
    :class:`_RowTable` (same values as ``Profiles.profile`` gives; tested equal)."""

    __slots__ = ("mentor_id", "wave", "name", "department", "min_raters", "mentee_n", "self_present",
                 "suppressed", "comments_shown", "competencies", "items", "comments", "self_comments",
                 "program_band", "min_raters_comments", "min_raters_items")

    def __init__(self, **kw: Any) -> None:
        for k, v in kw.items():
            setattr(self, k, v)


_MENTOR_COLUMNS = ("mentee_n", "self_present", "suppressed", "comments_shown")


def _grouped(frame, columns) -> tuple[dict[tuple[Any, Any], list[int]], dict[str, list]] | None:
    """Row positions per (mentor_id, wave) in frame order, and the needed columns as lists.

    ``None`` when an id or wave is not a string (then ``Profiles.profile``'s own filtering is used).
    """
    ids, waves = frame["mentor_id"].tolist(), frame["wave"].tolist()
    if not all(type(v) is str for v in ids) or not all(type(v) is str for v in waves):
        return None
    pos: dict[tuple[Any, Any], list[int]] = {}
    for i, k in enumerate(zip(ids, waves)):
        pos.setdefault(k, []).append(i)
    return pos, {c: frame[c].tolist() for c in columns if c in frame.columns}


def fast_profiles(profiles):
    """``get(mentor_id, wave)`` giving :class:`_Slim` profiles from frames read once per program.

    ``Profiles.profile`` filters pandas frames with boolean masks on every call (about 10 ms a
    report, most of a report's non-PDF time). Here every frame is split by (mentor, wave) once and
    each call only picks list items; the values are those ``Profiles.profile`` returns (same rows
    in the same order; ``tests/test_feedback_speed.py`` compares the resulting ``FeedbackData``).
    Returns ``None`` where that cannot be guaranteed (ids that are not strings, unexpected frames);
    the caller then uses ``Profiles.profile``.
    """
    import pandas as pd

    need = {"mentors": ("mentor_id", "wave", *_MENTOR_COLUMNS),
            "competencies": ("mentor_id", "wave", "competency"), "items": ("mentor_id", "wave", "item"),
            "comments": ("mentor_id", "wave", "rater_role", "question", "text"),
            "program": ("wave", "rater_role", "level", "report_band", "competency", "n_mentors", "p25", "p50",
                        "p75")}
    for name, cols in need.items():
        frame = getattr(profiles, name, None)
        if frame is None or not all(c in frame.columns for c in cols):
            return None
    mentors = _grouped(profiles.mentors, ("name", "department", *_MENTOR_COLUMNS))
    comps = _grouped(profiles.competencies, ("competency", *_COLUMNS))
    items = _grouped(profiles.items, ("item", *_COLUMNS))
    comments = _grouped(profiles.comments, ("rater_role", "question", "text"))
    if mentors is None or comps is None or items is None or comments is None:
        return None
    settings = profiles.settings
    bands: dict[str, _RowTable] = {}

    def band(wave: str) -> _RowTable:
        if wave not in bands:
            prog = profiles.program
            sel = prog[(prog["wave"] == wave) & (prog["rater_role"] == "mentee") & (prog["level"] == "competency")
                       & prog["report_band"]]
            sel = sel[["competency", "n_mentors", "p25", "p50", "p75"]].reset_index(drop=True)
            bands[wave] = _RowTable("competency", _rows(sel, "competency"))
        return bands[wave]

    def table(grouped, key: str, m: str, w: str) -> _RowTable:
        pos, cols = grouped
        keys = cols[key]
        read = [(c, cols[c]) for c in _COLUMNS if c in cols]
        return _RowTable(key, {str(keys[i]): {c: v[i] for c, v in read} for i in pos.get((m, w), ())})

    def opt(v):
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else v

    def get(mentor_id: str, wave: str):
        m, w = str(mentor_id), str(wave)
        where = mentors[0].get((m, w))
        if not where:
            return profiles.profile(mentor_id, wave)  # raises the DataError of an unknown mentor/wave
        i, cols = where[0], mentors[1]
        mentee_n = cols["mentee_n"][i]
        cpos, ccols = comments
        crows = cpos.get((m, w), ())
        by_role = {"mentee": [], "self": []}
        for j in crows:
            role = ccols["rater_role"][j]
            if role in by_role:
                by_role[role].append((ccols["question"][j], ccols["text"][j]))
        return _Slim(
            mentor_id=m, wave=w, name=opt(cols["name"][i]) if "name" in cols else None,
            department=opt(cols["department"][i]) if "department" in cols else None,
            min_raters=settings.min_raters, mentee_n=None if pd.isna(mentee_n) else int(mentee_n),
            self_present=bool(cols["self_present"][i]), suppressed=bool(cols["suppressed"][i]),
            comments_shown=bool(cols["comments_shown"][i]),
            competencies=table(comps, "competency", m, w), items=table(items, "item", m, w),
            comments=tuple(by_role["mentee"]), self_comments=tuple(by_role["self"]), program_band=band(w),
            min_raters_comments=settings.min_raters_comments, min_raters_items=settings.min_raters_items)

    return get
