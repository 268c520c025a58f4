"""The mentor feedback PDF: a kind, concrete, three-page report a mentor reads in five minutes.

:func:`render_feedback` writes one mentor's report for one wave; :func:`render_all` writes the
reports of a whole program in parallel processes. Both take profiles from
:mod:`mentorassess.aggregate` (or ready :class:`~mentorassess.reports._view.FeedbackData`); the
reshaping happens in :mod:`mentorassess.reports._profile`, the sentences in
:mod:`mentorassess.reports.wording`. Nothing here decides suppression or computes a statistic: a
report below the threshold is built from data that holds no mentee value at all, and
:meth:`FeedbackData.check` refuses anything else.

Layout (``docs/feedback-reports.md`` §7): page 1 header, participation, summary, competency chart
and "how to read"; page 2 the table, where views differ and item detail for the focus areas; page 3
change since the previous wave, comments, next steps, closing and methods notes.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from mentorassess.reports._view import FeedbackData

__all__ = ["ReportOptions", "RenderSummary", "render_feedback", "render_all", "feedback_pdf_bytes"]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


@dataclass(frozen=True)
class ReportOptions:
    """Presentation options for feedback reports (never thresholds: those live in ``aggregate``).

    Parameters
    ----------
    program : str
        Program name printed in the header.
    report_date : date or ISO string, optional
        Date printed and stamped as the PDF creation date; default ``SOURCE_DATE_EPOCH``, else today.
    contact : str, optional
        Who to talk to about the report ("the mentoring office, mentoring@example.org").
    author : str
        PDF author metadata.
    focus_competencies : int
        How many of the lowest-rated competencies get item detail and suggestions (default 2).
    suggestions_per_competency : int
        Suggestions shown per focus competency (default 2).
    wave_labels : mapping
        Reader-facing names for wave ids (default: ``pre`` -> "start of the program", ...).
    """

    program: str = "Research mentoring program"
    report_date: _dt.date | str | None = None
    contact: str | None = None
    author: str = "mentorassess"
    focus_competencies: int = 2
    suggestions_per_competency: int = 2
    wave_labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderSummary:
    """What :func:`render_all` wrote: ``written`` lists the PDFs on disk, as the manifest lists them."""

    written: tuple[Path, ...]
    suppressed: tuple[str, ...]
    mentors: tuple[str, ...]
    seconds: float
    manifest: Any = None
    manifest_files: tuple[Path, ...] = ()

    @property
    def rate(self) -> float:
        return len(self.written) / self.seconds if self.seconds > 0 else float("inf")


def _date_text(d: _dt.date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


# --- story ----------------------------------------------------------------------------------------------
def _story(d: FeedbackData, *, compact: bool = False) -> list[Any]:
    from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

    from mentorassess.reports import wording as W
    from mentorassess.reports.charts import DotRow, dot_plot
    from mentorassess.reports.pdf import FRAME_WIDTH, data_table, para, shaded_box

    anchors = dict(d.anchors)
    comps = d.competencies
    band = any(c.band_low is not None for c in comps)
    has_self = any(c.self_score is not None for c in comps)
    story: list[Any] = []

    # header
    story.append(para(f"Your mentoring feedback: {d.wave_label}", "title"))
    sub = [d.mentor_name] + ([d.department] if d.department else [])
    story.append(para(" · ".join(sub), "h3"))
    story.append(para(f"{d.program} · {_date_text(d.report_date)} · {d.instrument_title}, "
                      f"{W.instrument_status(d.instrument_status)}", "subtitle"))
    story.append(para(W.participation(d.self_done, d.mentees_shown, d.n_mentees, d.min_raters)))

    # summary
    by_id = {c.id: c for c in comps}
    if d.mentees_shown:
        strongest = [(by_id[c].title, by_id[c].mean, by_id[c].n if i == 0 else None)
                     for i, c in enumerate(d.strongest[:2]) if by_id[c].mean is not None]
        focus_c = next((by_id[c] for c in d.weakest if by_id[c].mean is not None
                        and c not in d.strongest[:2]), None)
        focus = (focus_c.title, focus_c.mean, focus_c.self_score, focus_c.gap_class) if focus_c else None
        flagged = [c for c in comps if c.gap_class in ("blind_spot", "hidden_strength") and c.gap is not None]
        big = max(flagged, key=lambda c: (abs(c.gap), -comps.index(c)), default=None)
        biggest = (big.title, big.self_score, big.mean, big.gap_class) if big else None
        if len(comps) == 1:
            c = comps[0]
            text = W.summary_single(title=c.title, mean=c.mean, n=c.n, own=c.self_score, gap_class=c.gap_class)
        else:
            text = W.summary(strongest=strongest, focus=focus, biggest_gap=biggest, mentees_shown=True,
                             has_self=has_self)
    else:
        rated = [c for c in comps if c.self_score is not None]
        high = [(by_id[c].title, by_id[c].self_score) for c in d.strongest[:2]
                if by_id[c].self_score is not None]
        low = [(by_id[c].title, by_id[c].self_score) for c in d.weakest[:2] if by_id[c].self_score is not None
               and c not in d.strongest[:2]]
        text = W.summary(strongest=(), focus=None, biggest_gap=None, mentees_shown=False,
                         self_high=high if rated else (), self_low=low if rated else (), band=band)
    story.append(para("Summary", "h2"))
    story.append(para(text))

    # chart
    rows = [DotRow(label=c.title, self_score=c.self_score, mean=c.mean, low=c.low, high=c.high,
                   band_low=c.band_low, band_high=c.band_high,
                   note="mentee ratings not shown: too few answers" if c.hidden else None)
            for c in comps]
    chart = dot_plot(rows, scale_min=d.scale_min, scale_max=d.scale_max, anchors=anchors,
                     width=FRAME_WIDTH, label_width=150, row_height=24 if len(rows) > 1 else 30)
    story.append(KeepTogether([para("Your competency profile", "h2"), chart, Spacer(1, 6)]))
    story.append(shaded_box([
        para("How to read this report", "h3"),
        para(W.how_to_read(n_competencies=len(comps), scale_min=d.scale_min, scale_max=d.scale_max,
                           anchors=anchors, min_raters=d.min_raters, mentees_shown=d.mentees_shown,
                           n_mentees=d.n_mentees, band=band, has_self=has_self), "box"),
    ]))

    # the numbers: on page 1 when they fit there, else at the top of page 2
    numbers = [para("Your ratings in numbers", "h2")]
    if d.mentees_shown:
        header = ["Competency", "You", "Mentees (n)", "Plausible range", "Program middle half"]
        widths = [175, 50, 75, 90, FRAME_WIDTH - 390]
        body = []
        for c in comps:
            mean = "not shown" if c.mean is None else f"{W.fmt(c.mean)} ({c.n})"
            rng = "" if c.low is None else f"{W.fmt(c.low)} to {W.fmt(c.high)}"
            body.append([c.title, W.fmt(c.self_score), mean, rng, _band(c, W)])
        numbers.append(data_table(header, body, widths, numeric_cols=(1, 2)))
    else:
        header = ["Competency", "Your own rating", "Program middle half"]
        widths = [230, 100, FRAME_WIDTH - 330]
        body = [[c.title, W.fmt(c.self_score), _band(c, W)] for c in comps]
        numbers.append(data_table(header, body, widths, numeric_cols=(1,)))
    story.append(KeepTogether(numbers))
    if not band:
        story.append(para("The program's middle half is shown once at least 10 mentors in the program have "
                          "enough mentee responses.", "small"))

    # where views differ (only with a self-assessment to compare)
    if d.mentees_shown and has_self:
        story.append(para("Where your view and your mentees' differ", "h2"))
    if d.mentees_shown:
        flagged = [c for c in comps if c.gap_class in ("hidden_strength", "blind_spot")]
        focus_items = dict(d.focus_items)
        for gclass in ("hidden_strength", "blind_spot"):
            group = sorted((c for c in flagged if c.gap_class == gclass),
                           key=lambda c: (-abs(c.gap or 0.0), comps.index(c)))
            heading = [para(W.gap_heading(gclass, len(group)), "h3")]
            for i, c in enumerate(group[:2]):  # at most two paragraphs per kind; the rest in one sentence
                lowest = _lowest_item(focus_items.get(c.id, ())) if gclass == "blind_spot" else None
                story.append(KeepTogether(heading + [
                    para(W.gap_paragraph(title=c.title, gap_class=gclass, own=c.self_score, mean=c.mean,
                                         low=c.low, high=c.high, n=c.n, item=lowest, brief=i > 0)),
                ]))
                heading = []
            if len(group) > 2:
                story.append(para(W.more_gaps(gclass, [c.title for c in group[2:]])))
        if not flagged and has_self:
            story.append(para(W.similar_views()))
        for c in comps:
            if c.hidden:
                story.append(para(W.hidden_competency(c.title, d.min_raters, c.self_score)))

        # item detail for the focus competencies
        if d.focus_items:
            single = len(comps) == 1
            heading = [para("Item by item" if single else "Item by item, for your focus areas", "h2")]
            for cid, items in d.focus_items[:1] if compact else d.focus_items:
                c = by_id[cid]
                body = [[it.label, W.fmt(it.self_score),
                         "not shown" if it.mean is None else W.fmt(it.mean),
                         "" if it.low is None else f"{W.fmt(it.low)} to {W.fmt(it.high)}"] for it in items]
                story.append(KeepTogether(heading + ([] if single else [para(c.title, "h3")]) + [
                    data_table(["Item", "You", "Mentees", "Plausible range"], body,
                               [240, 55, 70, FRAME_WIDTH - 365], numeric_cols=(1, 2)),
                    Spacer(1, 4),
                ]))
                heading = []

    # change since the previous wave
    if d.change and d.previous_wave_label:
        prev = d.previous_wave_label
        # our own labels are phrases ("start of the program"); a program's labels are names ("Spring 2026")
        block = [para(f"Change since the {prev}" if prev[:1].islower() else f"Change since {prev}", "h2")]
        has_m = any(ch.mean_before is not None for ch in d.change)
        has_s = any(ch.self_before is not None for ch in d.change)
        header = (["Competency"] + (["You: before", "You: now"] if has_s else [])
                  + (["Mentees: before", "Mentees: now"] if has_m else []))
        cols = len(header) - 1
        widths = [FRAME_WIDTH - 72 * cols] + [72] * cols
        body = []
        for ch in d.change:
            row = [ch.title]
            if has_s:
                row += [W.fmt(ch.self_before), W.fmt(ch.self_after)]
            if has_m:
                row += [W.fmt(ch.mean_before), W.fmt(ch.mean_after)]
            body.append(row)
        block.append(data_table(header, body, widths, numeric_cols=tuple(range(1, len(header)))))
        note = ("Your own ratings are shown where you rated yourself both times. " if has_s else "")
        if has_m:
            note += ("Your mentees' averages are shown where enough mentees responded both times. With numbers "
                     "this small a change in their average could be chance, and a change is not proof of what "
                     "caused it.")
        else:
            note += "A change is not proof of what caused it."
        story.append(KeepTogether(block + [para(note, "small")]))

    # comments
    if d.comments:
        story.append(CondPageBreak(100))
        story.append(para("What your mentees wrote", "h2"))
        story.append(para("Comments are shown as written, in a fixed order that has nothing to do with who wrote "
                          "them or when.", "small"))
        for group in d.comments:
            block = [para(group.heading, "h3")]
            block += [para(f"“{c}”", "quote", bullet="•", auto_dir=True) for c in group.comments]
            story.append(KeepTogether(block[:2]))
            story.extend(block[2:])
    elif d.comments_withheld:
        story.append(para("What your mentees wrote", "h2"))
        story.append(para(f"Comments are shown only when at least {d.min_raters_comments} mentees have responded, "
                          "to protect their anonymity."))

    # next steps
    if d.suggestions or d.own_goals:
        story.append(CondPageBreak(140))
        story.append(para("Next steps to consider", "h2"))
    if d.own_goals:
        block = [para("What you wrote in your self-assessment:", "body")]
        block += [para(f"“{g}”", "quote", bullet="•", auto_dir=True) for g in d.own_goals]
        story.append(KeepTogether(block))
    if d.suggestions:
        if d.own_goals:
            story.append(para("Ideas from the questionnaire for your focus areas:", "body"))
        for g in d.suggestions[:1] if compact else d.suggestions:
            ideas = g.suggestions[:1] if compact else g.suggestions
            block = [para(g.title, "h3")] + [para(s, "bullet", bullet="•") for s in ideas]
            story.append(KeepTogether(block))
    story.append(Spacer(1, 4))
    closing = [shaded_box([para("A conversation, not a grade", "h3"), para(W.closing_note(d.contact), "box"),
                           para(W.evidence_note(d.instrument_status), "box")]), Spacer(1, 4)]
    story.append(KeepTogether(closing + [para(W.methods_note(citation=d.instrument_citation, status=d.instrument_status,
                                     min_raters=d.min_raters, min_raters_comments=d.min_raters_comments,
                                     interval_method=d.interval_method, band=band,
                                     mentees_shown=d.mentees_shown), "small")]))
    return story


def _band(c, W) -> str:
    return "" if c.band_low is None else f"{W.fmt(c.band_low)} to {W.fmt(c.band_high)}"


def _lowest_item(items) -> str | None:
    shown = [it for it in items if it.mean is not None]
    return min(shown, key=lambda it: it.mean).label if shown else None


# --- rendering ------------------------------------------------------------------------------------------
MAX_PAGES = 3


def feedback_pdf_bytes(data: FeedbackData, *, author: str = "mentorassess") -> bytes:
    """Render prepared feedback data to PDF bytes (deterministic for the same data).

    A report longer than three pages is laid out again in a compact form (item detail and
    suggestions for the first focus competency only, one suggestion each); comments are never cut,
    so a mentor with many long comments can still get a fourth page.
    """
    from mentorassess.release.manifest import recipient_keyword
    from mentorassess.reports.pdf import build_pdf

    data.check()
    title = f"Mentoring feedback for {data.mentor_name} ({data.wave_label})"
    info: dict = {}

    def build(compact: bool) -> bytes:
        return build_pdf(
            _story(data, compact=compact), title=title, author=author,
            subject=f"{data.program}: mentoring feedback, {data.instrument_title}",
            keywords=("mentoring", "feedback", data.instrument_id, data.wave, recipient_keyword(data.mentor_id)),
            footer_text=f"Confidential: prepared for {data.mentor_name}", report_date=data.report_date,
            info=info,
        )

    pdf = build(False)
    if info.get("pages", 0) > MAX_PAGES:
        pdf = build(True)
    return pdf


def _prepare(profile: Any, instrument: Any, options: ReportOptions, **kwargs: Any) -> FeedbackData:
    if isinstance(profile, FeedbackData):
        return profile
    from mentorassess.reports._profile import feedback_data

    return feedback_data(profile, instrument, options=options, **kwargs)


def render_feedback(profile: Any, instrument: Any, path: str | os.PathLike, *,
                    options: ReportOptions | None = None, previous: Any = None,
                    name: str | None = None, department: str | None = None,
                    min_raters_comments: int | None = None) -> Path:
    """Write one mentor's feedback PDF for one wave.

    Parameters
    ----------
    profile : MentorProfile or FeedbackData
        From ``Profiles.profile(mentor_id, wave)``; suppression is already decided there.
    instrument : Instrument
    path : path-like
        Output file (written atomically).
    options : ReportOptions, optional
    previous : MentorProfile, optional
        The same mentor's profile for the previous wave, for the change section.
    name, department : str, optional
        Override the name/department in the profile (from a roster); default the profile's, else the id.
    min_raters_comments : int, optional
        The comment threshold ``aggregate`` used (``Profiles.settings.min_raters_comments``), for the
        wording; a ``MentorProfile`` does not carry it. Default: the profile's ``min_raters``.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ConfidentialityError
        If the data for a below-threshold report still holds mentee values.
    """
    options = options or ReportOptions()
    data = _prepare(profile, instrument, options, previous=previous, name=name, department=department,
                    min_raters_comments=min_raters_comments)
    return _write(path, feedback_pdf_bytes(data, author=options.author))


def _write(path: str | os.PathLike, pdf: bytes) -> Path:
    from mentorassess._files import atomic_write_bytes
    from mentorassess.errors import ReportError

    try:
        return atomic_write_bytes(path, pdf)
    except OSError as exc:
        raise ReportError(f"cannot write the report: {exc.strerror or exc}", file=str(path),
                          hint="check that the output folder exists and is writable") from exc


# Worker state: set once per process by _worker_init (inherited, not pickled, under "fork").
_STATE: dict[str, Any] = {}


def _worker_init(source: Any = None, parent: tuple[int, bool] | None = None) -> None:
    from mentorassess.reports.pdf import register_fonts, styles

    if parent is not None:  # in a pool worker: end when the parent ends (issue 17)
        from mentorassess._procs import end_with_parent

        end_with_parent(parent[0], main_thread=parent[1])
    register_fonts()
    styles()
    _STATE["source"] = source


def _render_job(job: tuple[Any, str]) -> tuple[str, bool]:
    """Render one report; ``job`` is (FeedbackData or a key understood by the source, path)."""
    from mentorassess.release.filenames import write_new

    key, path = job
    source = _STATE.get("source")
    data = key if isinstance(key, FeedbackData) else source.data(key)
    write_new(path, feedback_pdf_bytes(data, author=source.author if source else "mentorassess"))  # never overwrites
    return path, data.mentees_shown


def render_all(profiles: Iterable[Any] | Any, instrument: Any, out_dir: str | os.PathLike, *,
               options: ReportOptions | None = None, jobs: int | None = None,
               wave: str | None = None, roster: Any = None,
               progress: Callable[[int, int], None] | None = None) -> RenderSummary:
    """Write one feedback PDF per mentor (and wave) into ``out_dir``, in parallel processes.

    Parameters
    ----------
    profiles : Profiles or iterable of MentorProfile / FeedbackData
        ``aggregate(...)``'s result (every mentor, every wave unless ``wave`` is given).
    instrument : Instrument
    out_dir : path-like
    options : ReportOptions, optional
    jobs : int, optional
        Worker processes (default: all cores; 1 renders in this process).
    wave : str, optional
        Only this wave.
    roster : DataFrame, optional
        ``mentor_id``, ``name`` (and ``department``) for the header; default the profile's name or id.
    progress : callable(done, total), optional

    Returns
    -------
    RenderSummary
        Files written (in mentor, wave order), suppressed reports as ``"<mentor_id> (<wave>)"``, and
        the manifest.

    File names come from :func:`mentorassess.release.filenames.plan_report_files` (``<id>_<name>_<wave>.pdf``,
    a hash of the exact id where two ids would share a name); each file is created exclusively, and
    ``manifest.csv`` / ``manifest.json`` (mentor id, name, e-mail from ``roster``, wave, file, SHA-256)
    are written beside the reports and verified. ``out_dir`` must not already hold reports.
    """
    import time

    from mentorassess.release.filenames import plan_report_files
    from mentorassess.release.manifest import (build_manifest, refuse_earlier_release, roster_emails, verify_manifest,
                                               write_manifest)
    from mentorassess.reports._profile import ProfileSource

    options = options or ReportOptions()
    t0 = time.perf_counter()
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from mentorassess.errors import ReportError

        raise ReportError(f"cannot create the output folder: {exc.strerror or exc}", file=str(out)) from exc
    if isinstance(profiles, Sequence) and profiles and all(isinstance(p, FeedbackData) for p in profiles):
        source = None
        keys = [(d, d.mentor_id, d.mentor_name, d.wave) for d in profiles if wave is None or d.wave == wave]
    else:
        source = ProfileSource(profiles, instrument, options=options, roster=roster)
        keys = [(k, k[0], source.name(k[0]), k[1]) for k in source.keys(wave)]
    plan = plan_report_files([(mid, name, w) for _, mid, name, w in keys])  # unique by construction
    refuse_earlier_release(out, plan)
    work = [(key, str(out / r.file)) for (key, _, _, _), r in zip(keys, plan.names)]
    jobs = max(1, jobs or os.cpu_count() or 1)
    results: list[tuple[str, bool]] = []
    _worker_init(source)  # fonts load once here; forked workers inherit them
    if jobs == 1 or len(work) <= 2:
        for i, job in enumerate(work, 1):
            results.append(_render_job(job))
            if progress:
                progress(i, len(work))
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        from mentorassess._procs import parent_token

        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        chunk = max(1, min(8, len(work) // (jobs * 4) or 1))
        with ProcessPoolExecutor(max_workers=min(jobs, len(work)), mp_context=ctx, initializer=_worker_init,
                                 initargs=(source, parent_token())) as ex:
            for i, res in enumerate(ex.map(_render_job, work, chunksize=chunk), 1):
                results.append(res)
                if progress:
                    progress(i, len(work))
    suppressed = [f"{mid} ({w})" for (_, mid, _, w), (_, shown) in zip(keys, results) if not shown]
    manifest = build_manifest(out, plan.names, emails=roster_emails(roster))
    manifest_files = write_manifest(manifest, out)
    verify_manifest(out)  # every listed file is there, unchanged, addressed to its mentor; nothing else
    return RenderSummary(
        written=tuple(out / e.file for e in manifest.entries),
        suppressed=tuple(suppressed),
        mentors=tuple(sorted({mid for _, mid, _, _ in keys})),
        seconds=time.perf_counter() - t0,
        manifest=manifest,
        manifest_files=tuple(manifest_files),
    )

