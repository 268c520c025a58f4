"""Reshape :class:`~mentorassess.aggregate.MentorProfile` objects into :class:`FeedbackData`.

Only reshaping happens here: values are picked from the profile's frames, NaN becomes ``None``,
interval limits are clipped to the scale for display, and competencies are put in the order of
the profile's own ranks. Suppression was decided once, in ``aggregate``; a suppressed value is
NaN there and ``None`` here, and a below-threshold report carries no mentee value at all.
"""

from __future__ import annotations

import math
from typing import Any, Iterator

from mentorassess.reports import wording as W
from mentorassess.reports._view import (ChangeView, CommentGroup, CompetencyView, FeedbackData, ItemView,
                                        SuggestionGroup)

__all__ = ["feedback_data", "iter_feedback_data", "ProfileSource"]


COMMENT_LIMIT = 1_200  # characters of one comment shown in a feedback PDF


def _shorten(text: str, limit: int = COMMENT_LIMIT) -> str:
    """Keep a feedback report short: a very long comment is cut at a word boundary and marked.

    The full text stays in the staff workbook's comments sheet.
    """
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut + " [...] (shortened; the evaluation office has the full comment)"


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _int(v: Any) -> int | None:
    f = _num(v)
    return None if f is None else int(round(f))


def _clip(v: float | None, lo: float, hi: float) -> float | None:
    return None if v is None else min(max(v, lo), hi)


_COLUMNS = ("self_score", "mentee_n", "mentee_mean", "pooled_ci_low", "pooled_ci_high", "suppressed", "gap",
            "gap_class", "mentee_rank", "self_rank", "p25", "p75")


class _RowTable:
    """A profile frame already read as ``{key value: {column: value}}`` (what :func:`_rows` returns).

    :class:`ProfileSource` builds these once per report from columns read once per program, instead
    of slicing pandas frames per report; :func:`_rows` hands the dict back unchanged (read-only).
    """

    __slots__ = ("key", "rows")

    def __init__(self, key: str, rows: dict[str, dict[str, Any]]) -> None:
        self.key = key
        self.rows = rows


def _rows(frame, key: str) -> dict[str, dict[str, Any]]:
    """``{key value: {column: value}}`` for the columns we read (plain lists: fast for small frames)."""
    if isinstance(frame, _RowTable):
        if frame.key != key:
            raise KeyError(f"rows were read by {frame.key!r}, not {key!r}")
        return frame.rows
    if frame is None or len(frame) == 0 or key not in frame.columns:
        return {}
    cols = {c: frame[c].tolist() for c in _COLUMNS if c in frame.columns}
    return {str(k): {c: v[i] for c, v in cols.items()} for i, k in enumerate(frame[key].tolist())}


def has_self_form(instrument) -> bool:
    """Does the instrument have a form the mentor fills in about themself?"""
    return any(getattr(f, "rater_role", k) == "self" or k == "self" for k, f in instrument.forms.items())


def _competency_views(profile, instrument, shown: bool) -> list[CompetencyView]:
    rows = _rows(profile.competencies, "competency")
    band = _rows(getattr(profile, "program_band", None), "competency")
    lo_s, hi_s = instrument.scale.min, instrument.scale.max
    own_form = has_self_form(instrument)
    n_all = _int(getattr(profile, "mentee_n", None))  # the report's one n: the mentor's distinct raters
    out = []
    for comp in instrument.competencies:
        r = rows.get(comp.id, {})
        b = band.get(comp.id, {})
        mean = _num(r.get("mentee_mean")) if shown else None
        visible = shown and mean is not None and not bool(r.get("suppressed", False))
        own = _num(r.get("self_score")) if own_form else None
        out.append(CompetencyView(
            id=comp.id, title=comp.title, self_score=own,
            mean=mean if visible else None,
            n=(_int(r.get("mentee_n")) or n_all) if visible else None,
            low=_clip(_num(r.get("pooled_ci_low")), lo_s, hi_s) if visible else None,
            high=_clip(_num(r.get("pooled_ci_high")), lo_s, hi_s) if visible else None,
            band_low=_num(b.get("p25")), band_high=_num(b.get("p75")),
            gap=_num(r.get("gap")) if visible and own is not None else None,
            gap_class=(r.get("gap_class") or None) if visible and own is not None else None,
            hidden=shown and not visible,
        ))
    return out


def _item_views(profile, instrument, shown: bool) -> tuple[list[ItemView], list[ItemView]]:
    """(scored items, global items) with mentee values only where the release layer shows them."""
    items = _rows(profile.items, "item") if shown else {}
    lo_s, hi_s = instrument.scale.min, instrument.scale.max
    own_form = has_self_form(instrument)
    n_all = _int(getattr(profile, "mentee_n", None))
    scored, glob = [], []
    for it in instrument.items:
        r = items.get(it.id, {})
        mean = _num(r.get("mentee_mean"))
        vis = shown and mean is not None and not bool(r.get("suppressed", False))
        comp = instrument.competency_of(it.id)
        view = ItemView(id=it.id, label=it.wording, self_score=_num(r.get("self_score")) if own_form else None,
                        mean=mean if vis else None, n=(_int(r.get("mentee_n")) or n_all) if vis else None,
                        low=_clip(_num(r.get("pooled_ci_low")), lo_s, hi_s) if vis else None,
                        high=_clip(_num(r.get("pooled_ci_high")), lo_s, hi_s) if vis else None,
                        competency=comp.id if comp is not None else None)
        (scored if it.in_total else glob).append(view)
    return scored, glob


_STOP = {"your", "their", "with", "when", "about", "what", "that", "this", "them", "they", "from", "each",
         "least", "once", "well", "more", "than", "into", "have", "helps", "shows", "mentee", "mentor",
         "work", "clear", "support", "supports", "someone", "people"}


def _stems(text: str) -> set[str]:
    import re

    return {w[:6] for w in re.findall(r"[a-z]+", text.lower().replace("_", " ")) if len(w) > 3 and w not in _STOP}


def _pairing_examples() -> None:
    """Pairs a suggestion with an item only when they share a word (label or tag), never by position.

    >>> sorted(_stems("Helps build a professional network"))
    ['build', 'networ', 'profes']
    """


def suggestions_for_items(suggestions, items, instrument, k: int) -> list[tuple[str, str]]:
    """Pair each of the lowest items with the suggestion sharing most words with it (label and tags).

    Returns ``[(item label, suggestion)]``, only for items where some suggestion shares a word.
    """
    out, used = [], set()
    for it in items:
        words = _stems(it.label + " " + " ".join(instrument.item(it.id).tags))
        scored = [(len(words & _stems(s)), -i, s) for i, s in enumerate(suggestions) if s not in used]
        best = max(scored, default=None)
        if best and best[0] > 0:
            out.append((it.label, best[2]))
            used.add(best[2])
        if len(out) >= k:
            break
    return out


def _ranked(profile, comps: list[CompetencyView], column: str, attr: str) -> list[str]:
    """Competency ids ordered by the profile's rank column (1 = highest), instrument order on ties."""
    rows = _rows(profile.competencies, "competency")
    order = {c.id: i for i, c in enumerate(comps)}
    ranked = [(_num(rows.get(c.id, {}).get(column)), order[c.id], c.id) for c in comps
              if getattr(c, attr) is not None and _num(rows.get(c.id, {}).get(column)) is not None]
    return [cid for _, _, cid in sorted(ranked)]


def feedback_data(profile, instrument, *, options, previous=None, name: str | None = None,
                  department: str | None = None, min_raters_comments: int | None = None,
                  history=None) -> FeedbackData:
    """Reshape one mentor's profile (and optionally the previous wave's) for the feedback PDF.

    ``history``: ``(points, cycle order, this cycle)`` from
    :meth:`~mentorassess.history.trajectory.Trajectories.for_mentor` (released figures only).
    """
    from mentorassess.reports.pdf import resolve_report_date

    shown = not bool(profile.suppressed)
    comps = _competency_views(profile, instrument, shown)
    by_id = {c.id: c for c in comps}
    if shown:
        order = _ranked(profile, comps, "mentee_rank", "mean")
    else:
        order = _ranked(profile, comps, "self_rank", "self_score")
    strongest = tuple(order[:2])
    weakest = tuple(reversed(order[-options.focus_competencies:])) if order else ()
    weakest = tuple(c for c in weakest if c not in strongest) or weakest

    # item detail for the focus competencies (mentee report only)
    focus_items = []
    if shown:
        items = _rows(profile.items, "item")
        lo_s, hi_s = instrument.scale.min, instrument.scale.max
        n_all = _int(profile.mentee_n)
        for cid in weakest:
            views = []
            for iid in instrument.competency(cid).items:
                r = items.get(iid, {})
                mean = _num(r.get("mentee_mean"))
                vis = mean is not None and not bool(r.get("suppressed", False))
                views.append(ItemView(
                    id=iid, label=instrument.item(iid).label,
                    self_score=_num(r.get("self_score")) if has_self_form(instrument) else None,
                    mean=mean if vis else None, n=(_int(r.get("mentee_n")) or n_all) if vis else None,
                    low=_clip(_num(r.get("pooled_ci_low")), lo_s, hi_s) if vis else None,
                    high=_clip(_num(r.get("pooled_ci_high")), lo_s, hi_s) if vis else None))
            focus_items.append((cid, tuple(views)))

    scored_items, global_items = _item_views(profile, instrument, shown)
    mri = getattr(profile, "min_raters_items", None)
    items_withheld = shown and bool(scored_items) and all(it.mean is None for it in scored_items)

    # change since the previous wave: self always; mentees only where both waves show a value
    change: list[ChangeView] = []
    prev_label = None
    if previous is not None:
        prev_shown = not bool(previous.suppressed)
        prev = {c.id: c for c in _competency_views(previous, instrument, prev_shown)}
        for c in comps:
            p = prev[c.id]
            both = shown and prev_shown and c.mean is not None and p.mean is not None
            if (p.self_score is None or c.self_score is None) and not both:
                continue
            change.append(ChangeView(
                id=c.id, title=c.title,
                self_before=p.self_score if c.self_score is not None else None,
                self_after=c.self_score if p.self_score is not None else None,
                mean_before=p.mean if both else None, mean_after=c.mean if both else None,
                n_before=p.n if both else None, n_after=c.n if both else None,
                half_before=(p.high - p.low) / 2 if both and p.low is not None and p.high is not None else None,
                half_after=(c.high - c.low) / 2 if both and c.low is not None and c.high is not None else None))
        if change:
            prev_label = options.wave_labels.get(previous.wave) or W.wave_label(previous.wave)

    # comments: grouped by question in instrument order, texts in the profile's (sorted) order
    groups = []
    comments = tuple(profile.comments) if shown and profile.comments_shown else ()
    prompts = {o.id: o.prompt for o in instrument.open_ended}
    for qid in [o.id for o in instrument.open_ended] + sorted({q for q, _ in comments} - set(prompts)):
        texts = tuple(_shorten(str(t).strip()) for q, t in comments if q == qid and str(t).strip())
        if texts:
            groups.append(CommentGroup(W.comment_heading(qid, prompts.get(qid, qid)), texts))

    # suggestions for the focus competencies (any mentor: one idea per competency)
    k = options.suggestions_per_competency
    if weakest:
        sugg = [SuggestionGroup(cid, by_id[cid].title, instrument.competency(cid).suggestions[:k])
                for cid in weakest if instrument.competency(cid).suggestions]
    else:
        sugg = [SuggestionGroup(c.id, c.title, c.suggestions[:1]) for c in instrument.competencies
                if c.suggestions]

    all_sugg = tuple(SuggestionGroup(c.id, c.title, c.suggestions[:k]) for c in instrument.competencies
                     if c.suggestions)
    item_sugg: list[tuple[str, str]] = []
    released = sorted((it for it in scored_items if it.mean is not None), key=lambda it: (round(it.mean, 1), it.id))
    if released and len(instrument.competencies) == 1:
        item_sugg = suggestions_for_items(instrument.competencies[0].suggestions, released[:3], instrument, 2)
    own_goals = tuple(_shorten(str(t).strip()) for _, t in getattr(profile, "self_comments", ())
                      if str(t).strip()) if has_self_form(instrument) else ()
    mrc = (min_raters_comments if min_raters_comments is not None
           else getattr(profile, "min_raters_comments", None) or profile.min_raters)
    n_mentees = _int(profile.mentee_n) if shown else None
    trajectory, pooled_cycles, cycle = (), None, None
    if history is not None:
        from mentorassess.reports._trajectory import trajectory_views

        points, order, cycle = history
        trajectory, pooled_cycles = trajectory_views(points, order, cycle, instrument, shown=shown,
                                                     current={c.id: (c.low, c.high) for c in comps
                                                              if c.mean is not None})
    return FeedbackData(
        mentor_id=str(profile.mentor_id), mentor_name=name or profile.name or str(profile.mentor_id),
        wave=str(profile.wave),
        wave_label=options.wave_labels.get(profile.wave) or W.wave_label(str(profile.wave)),
        program=options.program, report_date=resolve_report_date(options.report_date),
        instrument_id=instrument.id, instrument_title=instrument.title, instrument_status=instrument.status,
        instrument_citation=instrument.citation, scale_min=instrument.scale.min, scale_max=instrument.scale.max,
        anchors=tuple(sorted(instrument.scale.labels.items())), min_raters=int(profile.min_raters),
        min_raters_comments=int(mrc), self_done=bool(profile.self_present) and has_self_form(instrument), mentees_shown=shown,
        n_mentees=n_mentees, competencies=tuple(comps), strongest=strongest, weakest=weakest,
        focus_items=tuple(focus_items), previous_wave_label=prev_label, change=tuple(change),
        comments=tuple(groups), comments_withheld=shown and not profile.comments_shown and mrc > profile.min_raters,
        suggestions=tuple(sugg), own_goals=own_goals, department=department or profile.department,
        contact=options.contact, has_self_form=has_self_form(instrument), items=tuple(scored_items),
        global_items=tuple(global_items), items_withheld=items_withheld,
        min_raters_items=int(mri) if mri is not None else None, all_suggestions=all_sugg,
        item_suggestions=tuple(item_sugg), cycle=cycle, trajectory=trajectory, pooled_cycles=pooled_cycles,
    ).check()


def _per_mentor(profiles):
    """``profile(mentor_id, wave)`` that scans only that mentor's rows.

    ``Profiles.profile`` filters whole program frames on every call (linear in the program size).
    Splitting the per-mentor frames once and calling the same method on a one-mentor copy keeps
    aggregate's logic (suppression included) while making each call independent of program size.
    """
    import dataclasses

    names = [f.name for f in dataclasses.fields(profiles)]
    per = [n for n in ("competencies", "items", "comments", "mentors") if n in names
           and "mentor_id" in getattr(profiles, n).columns]
    split: dict[str, dict[str, Any]] = {}
    for n in per:
        frame = getattr(profiles, n)
        for m, sub in frame.groupby(frame["mentor_id"].astype(str), sort=False):
            split.setdefault(m, {})[n] = sub
    empty = {n: getattr(profiles, n).iloc[0:0] for n in per}

    def get(mentor_id: str, wave: str):
        parts = split.get(str(mentor_id), {})
        one = dataclasses.replace(profiles, **{n: parts.get(n, empty[n]) for n in per})
        return one.profile(mentor_id, wave)

    return get


class ProfileSource:
    """Feedback data on demand for every (mentor, wave) of a ``Profiles`` or a list of profiles.

    Picklable-free use under ``fork``: :func:`~mentorassess.reports.feedback.render_all` builds one
    in the parent and each worker process calls :meth:`data` for its keys.
    """

    def __init__(self, profiles, instrument, *, options, roster=None, trajectories=None) -> None:
        self.instrument = instrument
        self.trajectories = trajectories
        self.options = options
        self.author = options.author
        self._names: dict[str, tuple[str | None, str | None]] = {}
        if roster is not None:
            for r in roster.to_dict("records"):
                name = r.get("name")
                dept = r.get("department")
                self._names[str(r["mentor_id"])] = (name if isinstance(name, str) and name.strip() else None,
                                                    dept if isinstance(dept, str) and dept.strip() else None)
        if hasattr(profiles, "mentors") and hasattr(profiles, "profile"):
            self.waves = tuple(str(w) for w in profiles.settings.waves)
            frame = profiles.mentors
            self._pairs = [(str(m), str(w)) for m, w in zip(frame["mentor_id"], frame["wave"])]
            for m, n, dep in zip(frame["mentor_id"], frame.get("name", [None] * len(frame)),
                                 frame.get("department", [None] * len(frame))):
                if str(m) not in self._names and isinstance(n, str) and n.strip():
                    self._names[str(m)] = (n, dep if isinstance(dep, str) else None)
            self.min_raters_comments = profiles.settings.min_raters_comments
            from mentorassess.reports._profile_rows import fast_profiles

            self._get = fast_profiles(profiles) or _per_mentor(profiles)
        else:
            plist = list(profiles)
            lookup = {(str(p.mentor_id), str(p.wave)): p for p in plist}
            self.waves = tuple(dict.fromkeys(str(p.wave) for p in plist))
            self._pairs = list(lookup)
            self.min_raters_comments = None
            self._get = lambda m, w: lookup[(m, w)]
        self._have = set(self._pairs)
        self._cache: dict[tuple[str, str], Any] = {}

    def _wave_index(self, w: str) -> int:
        return self.waves.index(w) if w in self.waves else len(self.waves)

    def keys(self, wave: str | None = None) -> list[tuple[str, str]]:
        """(mentor_id, wave) pairs in mentor, then wave order."""
        pairs = sorted(self._pairs, key=lambda p: (p[0], self._wave_index(p[1])))
        return [p for p in pairs if wave is None or p[1] == wave]

    def name(self, mentor_id: str) -> str:
        return self._names.get(mentor_id, (None, None))[0] or str(mentor_id)

    def _profile(self, m: str, w: str):
        key = (m, w)
        if key not in self._cache:
            if len(self._cache) > 8:
                self._cache.clear()
            self._cache[key] = self._get(m, w)
        return self._cache[key]

    def data(self, key: tuple[str, str]) -> FeedbackData:
        m, w = key
        i = self._wave_index(w)
        prev = None
        if 0 < i < len(self.waves) and (m, self.waves[i - 1]) in self._have:
            prev = self._profile(m, self.waves[i - 1])
        name, dept = self._names.get(m, (None, None))
        t = self.trajectories
        history = None if t is None else (t.for_mentor(m, w), t.order, t.cycle)
        return feedback_data(self._profile(m, w), self.instrument, options=self.options, previous=prev,
                             name=name, department=dept, min_raters_comments=self.min_raters_comments,
                             history=history)


def iter_feedback_data(profiles, instrument, *, options, wave: str | None = None,
                       roster=None, trajectories=None) -> Iterator[FeedbackData]:
    """FeedbackData for every mentor and wave of ``profiles`` (a ``Profiles`` or profiles)."""
    source = ProfileSource(profiles, instrument, options=options, roster=roster, trajectories=trajectories)
    for key in source.keys(wave):
        yield source.data(key)
