"""The mentor feedback PDF: a kind, concrete, three-page report a mentor reads in five minutes.

:func:`render_feedback` writes one mentor's report for one wave; :func:`render_all` writes the
reports of a whole program in parallel processes. Both take profiles from
:mod:`mentorassess.aggregate` (or ready :class:`~mentorassess.reports._view.FeedbackData`); the
reshaping happens in :mod:`mentorassess.reports._profile`, the content (blocks and sentences) in
:mod:`mentorassess.reports._document`, the decisions behind every interpreting sentence in
:mod:`mentorassess.reports.rules` (whose checker runs on every report: a report that breaks a rule
is refused). Nothing here decides suppression or computes a statistic: a report below the
threshold is built from data that holds no mentee value at all, and :meth:`FeedbackData.check`
refuses anything else. Each PDF gets an HTML twin (:mod:`mentorassess.reports.html`) from the
same blocks.

Layout (``docs/feedback-reports.md`` §7): page 1 header, participation, "At a glance", the chart
and how to read it; then the numbers, where views differ, question by question, change since the
previous wave, comments, "Take action", closing and methods notes. PDF sections are bookmarked.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from mentorassess.reports._view import FeedbackData

__all__ = ["ReportOptions", "RenderSummary", "render_feedback", "render_all", "feedback_pdf_bytes",
           "feedback_outputs", "checked_document"]

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
    """What :func:`render_all` wrote: ``written`` lists the PDFs on disk, ``html`` their HTML twins."""

    written: tuple[Path, ...]
    suppressed: tuple[str, ...]
    mentors: tuple[str, ...]
    seconds: float
    manifest: Any = None
    manifest_files: tuple[Path, ...] = ()
    html: tuple[Path, ...] = ()  # the HTML twins, one beside each PDF

    @property
    def rate(self) -> float:
        return len(self.written) / self.seconds if self.seconds > 0 else float("inf")


# --- story ----------------------------------------------------------------------------------------------
_MARK: list[type] = []


def _bookmark(title: str, key: str, level: int = 0):
    """A zero-size flowable that adds a PDF outline entry (bookmark) at its position."""
    if not _MARK:  # one class per process (defining it per bookmark cost more than drawing it)
        from reportlab.platypus import Flowable

        class _Mark(Flowable):
            def __init__(self, title: str, key: str, level: int) -> None:
                super().__init__()
                self.title, self.key, self.level = title, key, level

            def wrap(self, *args):
                return 0, 0

            def draw(self):
                self.canv.bookmarkPage(self.key)
                self.canv.addOutlineEntry(self.title, self.key, level=self.level, closed=False)

        _MARK.append(_Mark)
    return _MARK[0](title, key, level)


class ReportlabKit:
    """The layout objects of the reportlab engine (platypus flowables) for :func:`arrange`."""

    def __init__(self) -> None:
        from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

        from mentorassess.reports import pdf

        self._pdf, self.keep, self._spacer, self.cond_break = pdf, KeepTogether, Spacer, CondPageBreak
        self._marks = 0

    def mark(self, title: str, level: int) -> Any:
        self._marks += 1
        return _bookmark(title, "top" if self._marks == 1 else f"s{self._marks - 1}", level)

    def para(self, text: str, style: str, *, bullet: str | None = None, auto_dir: bool = False) -> Any:
        return self._pdf.para(text, style, bullet=bullet, auto_dir=auto_dir)

    def table(self, header, rows, widths, numeric) -> Any:
        return self._pdf.data_table(list(header), [list(r) for r in rows], list(widths), numeric_cols=numeric)

    def chart(self, drawing: Any) -> Any:
        return drawing

    def box(self, title: str, paras: Sequence[str]) -> Any:
        return self._pdf.shaded_box([self.para(title, "h3")] + [self.para(p, "box") for p in paras])

    def spacer(self, height: float) -> Any:
        return self._spacer(1, height)


def arrange(doc: Any, kit: Any, *, compact: bool = False) -> list[Any]:
    """The layout of a :class:`~mentorassess.reports._document.Document`: its blocks in order as ``kit``'s
    layout objects, with the page rules (a heading kept with what it introduces, a caption with its
    table, the methods note with the box before it, a page break before "Take action" and the comments
    when little room is left). ``compact`` keeps the first four items of a list (the second layout of a
    report longer than :data:`MAX_PAGES`). Both PDF engines take their layout from here."""
    from mentorassess.reports._document import Box, Bullets, Chart, Heading, Para, Table
    from mentorassess.reports.charts import dot_plot
    from mentorassess.reports.pdf import FRAME_WIDTH

    story: list[Any] = []
    pending: list[Any] = []  # a heading waits for the block it introduces (kept together)
    blocks = list(doc.blocks)
    for i, blk in enumerate(blocks):
        if blk is None:  # consumed by the block before it
            continue
        if isinstance(blk, Heading):
            if blk.level == 1:
                story += [kit.mark(blk.text, 0), kit.para(blk.text, "title")]
                continue
            if blk.level == 2 and blk.text in ("Take action", "What your mentees wrote"):
                story.append(kit.cond_break(120))
            pending += [kit.mark(blk.text, 0 if blk.level == 2 else 1), kit.para(blk.text, "h2" if blk.level == 2 else "h3")]
            continue
        if isinstance(blk, Para):
            flow = [kit.para(blk.text, {"lead": "h3", "subtitle": "subtitle", "small": "small", "box": "box"}.get(
                blk.style, "body"))]
        elif isinstance(blk, Bullets):
            items = [x.text if isinstance(x, Para) else str(x) for x in blk.items]
            if compact and not blk.quote:
                items = items[:4]
            flow = [kit.para(t, "quote" if blk.quote else "bullet", bullet="\u2022", auto_dir=blk.quote) for t in items]
        elif isinstance(blk, Table):
            table = kit.table(blk.header, blk.rows, [w * FRAME_WIDTH for w in blk.widths], blk.numeric)
            flow = [kit.para(blk.caption, "small"), table, kit.spacer(4)]
            if pending:  # heading, caption and (the start of) the table stay together
                story.append(kit.keep(pending + flow[:2]))
                story.append(flow[2])
                pending = []
                continue
            if len(blk.rows) <= 8:
                flow = [kit.keep(flow[:2]), flow[2]]
        elif isinstance(blk, Chart):
            n = len(blk.rows)
            flow = [kit.chart(dot_plot(blk.rows, scale_min=blk.scale_min, scale_max=blk.scale_max,
                                       anchors=dict(blk.anchors), width=FRAME_WIDTH, label_width=150,
                                       row_height=24 if n > 1 else 34)), kit.spacer(4)]
        elif isinstance(blk, Box):
            flow = [kit.box(blk.title, [p.text for p in blk.paras]), kit.spacer(4)]
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if isinstance(nxt, Para) and nxt.style == "small" and i + 2 == len(blocks):  # methods note stays with it
                flow = [kit.keep(flow + [kit.para(nxt.text, "small")])]
                blocks[i + 1] = None
        else:  # pragma: no cover - every block type is handled above
            raise TypeError(type(blk))
        if pending:
            story.append(kit.keep(pending + flow[:1]))
            story += flow[1:]
            pending = []
        else:
            story += flow
    return story


def _story(doc: Any, *, compact: bool = False) -> list[Any]:
    """Lay out a :class:`~mentorassess.reports._document.Document` as reportlab flowables."""
    return arrange(doc, ReportlabKit(), compact=compact)


# --- rendering ------------------------------------------------------------------------------------------
MAX_PAGES = 4


def feedback_outputs(data: FeedbackData, *, author: str = "mentorassess") -> tuple[bytes, bytes]:
    """The PDF bytes and the HTML twin (UTF-8 bytes) of one report, from the same checked content."""
    from mentorassess.reports.html import feedback_html

    doc = checked_document(data.check())
    return _pdf(doc, author), feedback_html(doc).encode("utf-8")


def feedback_pdf_bytes(data: FeedbackData, *, author: str = "mentorassess") -> bytes:
    """Render prepared feedback data to PDF bytes (deterministic for the same data).

    A report longer than four pages is laid out again in a compact form (shorter lists);
    comments are never cut, so a mentor with many long comments can get a longer report.
    """
    data.check()
    return _pdf(checked_document(data), author)


#: The PDF engine of feedback reports: ``"fast"`` (:mod:`mentorassess.reports.fastpdf`) or ``"reportlab"``
#: (platypus, the reference the tests compare with). ``MENTORASSESS_PDF_ENGINE`` sets it at import.
ENGINE = os.environ.get("MENTORASSESS_PDF_ENGINE", "fast").strip().lower() or "fast"


def _pdf(doc: Any, author: str, engine: str | None = None) -> bytes:
    from mentorassess.release.manifest import recipient_keyword

    engine = engine or ENGINE
    if engine == "reportlab":
        from mentorassess.reports.pdf import build_pdf

        def story(compact: bool) -> list:
            return _story(doc, compact=compact)
    elif engine == "fast":
        from mentorassess.reports.fastpdf import Kit
        from mentorassess.reports.fastpdf import document_pdf as build_pdf

        def story(compact: bool) -> list:
            return arrange(doc, Kit(), compact=compact)
    else:
        raise ValueError(f"unknown PDF engine {engine!r} (fast or reportlab)")
    data = doc.data
    title = doc.title
    info: dict = {}

    def build(compact: bool) -> bytes:
        return build_pdf(
            story(compact), title=title, author=author, lang=doc.lang,
            subject=f"{data.program}: mentoring feedback, {data.instrument_title}",
            keywords=("mentoring", "feedback", data.instrument_id, data.wave, recipient_keyword(data.mentor_id)),
            footer_text=f"Confidential: prepared for {data.mentor_name}", report_date=data.report_date,
            info=info,
        )

    pdf = build(False)
    if info.get("pages", 0) > MAX_PAGES:
        pdf = build(True)
    return pdf


def checked_document(data: FeedbackData):
    """The report's content, refused (:class:`ReportError`) if any sentence breaks the rules in ``rules``."""
    from mentorassess.errors import ReportError
    from mentorassess.reports._document import build_document

    doc = build_document(data)
    bad = doc.violations()
    if bad:
        raise ReportError(f"feedback report for {data.mentor_id} ({data.wave}) breaks the wording rules: "
                          + "; ".join(bad[:5]), hint="this is a bug in mentorassess; please report it")
    return doc


def _prepare(profile: Any, instrument: Any, options: ReportOptions, **kwargs: Any) -> FeedbackData:
    if isinstance(profile, FeedbackData):
        return profile
    from mentorassess.reports._profile import feedback_data

    return feedback_data(profile, instrument, options=options, **kwargs)


def render_feedback(profile: Any, instrument: Any, path: str | os.PathLike, *,
                    options: ReportOptions | None = None, previous: Any = None,
                    name: str | None = None, department: str | None = None,
                    min_raters_comments: int | None = None, html: bool = False) -> Path:
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
    html : bool
        Also write the HTML twin beside the PDF (same name, ``.html``).

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
    if not html:
        return _write(path, feedback_pdf_bytes(data, author=options.author))
    pdf, page = feedback_outputs(data, author=options.author)
    _write(Path(path).with_suffix(".html"), page)
    return _write(path, pdf)


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


def _worker_init(source: Any = None, parent: tuple[int, bool] | None = None, sync: bool = True) -> None:
    from mentorassess.reports.pdf import register_fonts, styles

    if parent is not None:  # in a pool worker: end when the parent ends (issue 17)
        import gc

        from mentorassess._procs import end_with_parent

        end_with_parent(parent[0], main_thread=parent[1])
        # A report makes a few hundred thousand short-lived objects: with the default threshold (700)
        # the collector ran about 400 times per 300 reports (4 % of their CPU), with this one about 25
        # (2.7 %). Only the pool's own processes are tuned; the caller's process is left as it is.
        gc.set_threshold(10_000, 10, 10)
    register_fonts()
    styles()
    _STATE["source"] = source
    _STATE["sync"] = sync   # write_new(sync=...): False when the caller syncs the folder before publishing it


def _write_pair(path: str, pdf: bytes, page: bytes) -> None:
    from mentorassess.release.filenames import write_new

    sync = _STATE.get("sync", True)
    write_new(path, pdf, sync=sync)  # never overwrites
    write_new(str(Path(path).with_suffix(".html")), page, sync=sync)  # the accessible twin, same content


def _render(job: tuple[Any, str]) -> tuple[str, bool, bytes, bytes]:
    key, path = job
    source = _STATE.get("source")
    data = key if isinstance(key, FeedbackData) else source.data(key)
    pdf, page = feedback_outputs(data, author=source.author if source else "mentorassess")
    return path, data.mentees_shown, pdf, page


def _render_job(job: tuple[Any, str]) -> tuple[str, bool, tuple]:
    """Render one report; ``job`` is (FeedbackData or a key understood by the source, path).

    Returns the path, whether mentee figures are shown and the ``(SHA-256, size)`` of the PDF and of
    its HTML twin (see :func:`_digests`).
    """
    path, shown, pdf, page = _render(job)
    _write_pair(path, pdf, page)
    return path, shown, _digests(pdf, page)


def _digests(pdf: bytes, page: bytes) -> tuple[tuple[str, int], tuple[str, int]]:
    """The manifest's SHA-256 and size of a PDF and its HTML twin, from the bytes handed to the writer.

    Hashing here spreads the work over the workers; ``verify_manifest`` still reads every file back
    and refuses one whose bytes on disk differ."""
    from mentorassess.release.manifest import digest

    return digest(pdf), digest(page)


class _Writer:
    """Writes each rendered report on other threads while the next one is laid out.

    Writing is mostly waiting for the disk (``write_new`` syncs every file unless the caller syncs
    the whole folder later, as ``run`` does), during which a core would otherwise idle; the PDF and
    its HTML twin are written on separate threads, and a few
    files syncing at once share the file system's journal commits (one sync at a time costs about
    4 ms a file here, several at once a fraction of that). Leaving the ``with`` block waits for every
    write; the first error is raised there at the latest, and before the next report is handed over
    at the earliest.
    """

    THREADS = 4

    def __enter__(self) -> "_Writer":
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=self.THREADS)
        self._pending: list[Any] = []
        return self

    def write(self, path: str, pdf: bytes, page: bytes) -> None:
        from mentorassess.release.filenames import write_new

        while self._pending and self._pending[0].done():
            self._pending.pop(0).result()  # raises a failed write's error
        sync = _STATE.get("sync", True)
        self._pending.append(self._pool.submit(write_new, path, pdf, sync=sync))  # never overwrites
        self._pending.append(self._pool.submit(write_new, str(Path(path).with_suffix(".html")), page, sync=sync))

    def __exit__(self, *exc: Any) -> None:
        try:
            for fut in self._pending:
                if exc[0] is None:
                    fut.result()
                else:
                    fut.cancel()
        finally:
            self._pool.shutdown(wait=True)


def _render_chunk(jobs: Sequence[tuple[Any, str]]) -> list[tuple[str, bool, tuple]]:
    """Render a worker's share of reports (written on other threads; see :class:`_Writer`)."""
    out = []
    with _Writer() as writer:
        for job in jobs:
            path, shown, pdf, page = _render(job)
            writer.write(path, pdf, page)
            out.append((path, shown, _digests(pdf, page)))
    return out


def _preload_fallback(source: Any, keys: Sequence[tuple], options: ReportOptions) -> None:
    """Register the CJK fallback font before the workers fork if a name or label will need it.

    Loading that font (4 MB) costs about 0.7 s of CPU; a worker that meets a CJK name loads it
    lazily, so without this every worker would pay it. Only names, departments and the options'
    labels are looked at (cheap: ASCII text is passed over in C); text missed here (a comment) is
    still drawn right, its worker just loads the font itself. Output never depends on this.
    """
    from mentorassess.reports.pdf import FONT, _register_fallback, font_covers

    texts = [options.program, options.contact or "", *map(str, options.wave_labels.values())]
    if source is not None:
        texts += [t for pair in source._names.values() for t in pair if isinstance(t, str)]
    else:
        texts += [str(getattr(k[0], a, "") or "") for k in keys for a in ("mentor_name", "department")]
    for text in texts:
        if not text.isascii() and not all(font_covers(FONT, ch) for ch in text):
            _register_fallback()
            return


def render_all(profiles: Iterable[Any] | Any, instrument: Any, out_dir: str | os.PathLike, *,
               options: ReportOptions | None = None, jobs: int | None = None,
               wave: str | None = None, roster: Any = None,
               progress: Callable[[int, int], None] | None = None, trajectories: Any = None,
               sync: bool = True) -> RenderSummary:
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
    trajectories : Trajectories, optional
        Released figures across cycles (``mentorassess.history``): each report gets the section
        "Your results across cycles" and, for a mentor whose figures were pooled, the cycles they cover.
    sync : bool
        Flush each file to disk as it is written (default). ``run`` passes False: it writes into a
        temporary folder that it syncs once, as a whole, before publishing it (one flush instead of
        one per file: about 0.35 ms of CPU a file saved).

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
        source = ProfileSource(profiles, instrument, options=options, roster=roster, trajectories=trajectories)
        keys = [(k, k[0], source.name(k[0]), k[1]) for k in source.keys(wave)]
    plan = plan_report_files([(mid, name, w) for _, mid, name, w in keys])  # unique by construction
    refuse_earlier_release(out, plan)
    work = [(key, str(out / r.file)) for (key, _, _, _), r in zip(keys, plan.names)]
    jobs = max(1, jobs or os.cpu_count() or 1)
    results: list[tuple[str, bool, tuple]] = []
    _worker_init(source, sync=sync)  # fonts load once here; forked workers inherit them
    if jobs == 1 or len(work) <= 2:
        with _Writer() as writer:
            for i, job in enumerate(work, 1):
                path, shown, pdf, page = _render(job)
                writer.write(path, pdf, page)
                results.append((path, shown, _digests(pdf, page)))
                if progress:
                    progress(i, len(work))
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        from mentorassess._procs import parent_token

        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        # The first report is rendered and written here: the workers then fork with every lazy import
        # done and the per-process caches (parsed paragraphs, font subsets, chart labels) filled, instead
        # of each doing that again (about 0.2 s a worker). A report's bytes never depend on the caches.
        _preload_fallback(source, keys, options)
        path, shown, pdf, page = _render(work[0])
        _write_pair(path, pdf, page)
        results.append((path, shown, _digests(pdf, page)))
        if progress:
            progress(1, len(work))
        rest = work[1:]
        size = max(1, min(8, len(rest) // (jobs * 4) or 1))
        chunks = [rest[i:i + size] for i in range(0, len(rest), size)]
        import gc

        # Objects that exist before the fork go to the collector's permanent generation: the workers'
        # collections then never walk (and so never copy, page by page) the parent's heap.
        gc.freeze()
        try:
            with ProcessPoolExecutor(max_workers=min(jobs, len(rest)), mp_context=ctx, initializer=_worker_init,
                                     initargs=(source, parent_token(), sync)) as ex:
                for part in ex.map(_render_chunk, chunks):
                    for res in part:
                        results.append(res)
                        if progress:
                            progress(len(results), len(work))
        finally:
            gc.unfreeze()
    suppressed = [f"{mid} ({w})" for (_, mid, _, w), (_, shown, _) in zip(keys, results) if not shown]
    import dataclasses

    twins = [dataclasses.replace(r, file=str(Path(r.file).with_suffix(".html"))) for r in plan.names]
    listed = [x for pair in zip(plan.names, twins) for x in pair]  # each PDF, then its HTML twin
    digests = {}
    for (_, _, (pdf, page)), r, twin in zip(results, plan.names, twins):
        digests[r.file], digests[twin.file] = pdf, page
    manifest = build_manifest(out, listed, emails=roster_emails(roster), digests=digests)
    manifest_files = write_manifest(manifest, out)
    verify_manifest(out)  # every listed file is there, unchanged, addressed to its mentor; nothing else
    return RenderSummary(
        written=tuple(out / e.file for e in manifest.entries if e.file.lower().endswith(".pdf")),
        html=tuple(out / e.file for e in manifest.entries if e.file.lower().endswith(".html")),
        suppressed=tuple(suppressed),
        mentors=tuple(sorted({mid for _, mid, _, _ in keys})),
        seconds=time.perf_counter() - t0,
        manifest=manifest,
        manifest_files=tuple(manifest_files),
    )

