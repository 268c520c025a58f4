"""The whole run: exports -> responses -> scores -> profiles -> every report, from one config.

:func:`run_program` imports every export listed in a :class:`~mentorassess.config.ProgramConfig`
(one audit per file), scores, aggregates with the confidentiality rule, runs the psychometric
checks, writes every feedback PDF, the program summary, the staff workbook, the psychometric
report and a ``run-summary.json``. Everything is written into a temporary folder beside the
output folder and renamed into place at the end, so a crash never leaves a half-written set that
looks complete. Two runs with the same inputs give byte-identical outputs.

Examples
--------
>>> from mentorassess.pipeline import sample_config_path
>>> sample_config_path().name
'program.yaml'
"""

from __future__ import annotations

import dataclasses

import datetime as dt
import hashlib
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from mentorassess import __version__
from mentorassess._files import atomic_dir, atomic_write_text, check_outputs, output_lock
from mentorassess.config import ProgramConfig, load_config
from mentorassess._forked import ForkedJobs, Later, fork_available
from mentorassess._run_import import _preload, import_all  # noqa: F401 - import_all: public here
from mentorassess._run_psych import _step_psychometrics, _step_psychometrics_done
from mentorassess.errors import ConfigError, DataError

__all__ = ["RunResult", "run_program", "import_all", "sample_config_path", "sample_data_dir", "MARKER"]

MARKER = "run-summary.json"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunResult:
    """What a run read and wrote.

    Attributes
    ----------
    out : Path
        The output folder.
    outputs : tuple of Path
        Every file written, relative to ``out``.
    summary : dict
        The content of ``run-summary.json``.
    suppressed : tuple of (mentor_id, wave)
        Mentor reports whose mentee ratings were withheld (too few raters).
    seconds : float
    """

    out: Path
    outputs: tuple[Path, ...]
    summary: dict
    suppressed: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    import_reports: tuple[Any, ...] = field(default=(), repr=False)


def sample_data_dir() -> Path:
    """The sample exports shipped with the package (``data/sample`` in a source checkout)."""
    packaged = Path(__file__).resolve().parent / "_sample_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "data" / "sample"


def sample_config_path() -> Path:
    """The demo's program configuration."""
    return sample_data_dir() / "program.yaml"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _sha256_all(paths: list[Path]) -> list[str]:
    """SHA-256 of each file, in order; many files are hashed on two threads (hashlib releases the GIL)."""
    if len(paths) < 64:
        return [_sha256(p) for p in paths]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="mentorassess-sha256") as pool:
        return list(pool.map(_sha256, paths))


def _hashes(outputs: list[Path], tmp: Path, known: dict) -> list[str]:
    """SHA-256 of each output, in order: from ``known`` where there, else of the file in ``tmp``."""
    todo = [p for p in outputs if p not in known]
    fresh = dict(zip(todo, _sha256_all([tmp / p for p in todo])))
    return [known[p] if p in known else fresh[p] for p in outputs]


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"mentorassess": __version__}
    for pkg in ("numpy", "pandas", "scipy", "matplotlib", "reportlab", "openpyxl", "pyreadstat", "pyyaml"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _check_out(out: Path) -> None:
    """Refuse to replace a folder that mentorassess did not write (it would be deleted whole).

    A folder counts as ours only if it holds ``run-summary.json`` and nothing that summary does not
    list (a copied summary does not make a folder of the user's files replaceable).
    """
    if not out.exists():
        return
    hint = "choose a new folder with --out, or empty this one"
    if not out.is_dir():
        raise ConfigError(f"the output {out} exists and is not a folder", file=str(out), hint=hint)
    if not any(out.iterdir()):
        return
    try:
        summary = json.loads((out / MARKER).read_text(encoding="utf-8"))
        listed = {str(Path(o["path"])) for o in summary["outputs"]} | {MARKER}
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigError(f"the output folder {out} exists and was not written by mentorassess", file=str(out),
                          hint=hint) from None
    foreign = sorted(str(p.relative_to(out)) for p in out.rglob("*")
                     if (p.is_file() or p.is_symlink()) and str(p.relative_to(out)) not in listed)
    if foreign:
        raise ConfigError(f"the output folder {out} holds {len(foreign)} file(s) that the last run did not write "
                          f"(e.g. {foreign[0]})", file=str(out), hint=hint)


def _inputs(cfg: ProgramConfig) -> list[Path]:
    """The files the run reads and hashes: config, roster, assignments, exports, mappings, dictionaries."""
    files = [cfg.source, cfg.roster, cfg.assignments, *(e.path for e in cfg.exports),
             *(e.mapping for e in cfg.exports), *(e.dictionary for e in cfg.exports)]
    return [Path(p) for p in dict.fromkeys(files) if p]


def _report_date(cfg: ProgramConfig, responses: pd.DataFrame) -> dt.date:
    if cfg.report_date is not None:
        return cfg.report_date
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    stamps = pd.to_datetime(responses.get("submitted_at"), errors="coerce") if "submitted_at" in responses else None
    if stamps is not None and stamps.notna().any():
        return stamps.max().date()
    return dt.date(2000, 1, 1)


def run_program(config: ProgramConfig | str | Path, *, out: str | Path | None = None, jobs: int | None = None,
                progress: Progress | None = None) -> RunResult:
    """Run the whole pipeline from a program configuration.

    Parameters
    ----------
    config : ProgramConfig or path
        A loaded configuration or the path of ``program.yaml``.
    out : path, optional
        Output folder (default: the config's ``out``, else ``reports/<config stem>``). An existing
        folder is replaced whole, but only if an earlier run wrote it.
    jobs : int, optional
        Worker processes for the feedback PDFs (default: all cores).
    progress : callable, optional
        Called with a short message at each step.

    Returns
    -------
    RunResult
    """
    t0 = time.perf_counter()
    say = progress or (lambda msg: None)
    cfg = config if isinstance(config, ProgramConfig) else load_config(config)
    out_dir = Path(out) if out is not None else (cfg.out or Path("reports") / cfg.source.stem)
    out_dir = out_dir.resolve()
    inputs = _inputs(cfg)
    instrument = getattr(cfg.instrument, "source", None)  # its YAML file must survive the run, too
    check_outputs([*inputs, instrument if instrument and Path(str(instrument)).is_file() else None],
                  folders=[out_dir])
    if cfg.history is not None:
        from mentorassess.history.run import check_store_location

        check_store_location(cfg.history, out_dir)
    with output_lock(out_dir), _collect_less_often():  # one run per output folder (lock released by the kernel, too)
        _check_out(out_dir)
        return _run(cfg, out_dir, inputs, jobs, say, t0)


@contextmanager
def _collect_less_often(threshold: tuple[int, int, int] = (10_000, 10, 10)):
    """Raise the garbage collector's threshold for the run, then restore the caller's.

    Scoring and aggregation make many short-lived containers: on the consortium the collector ran
    472 times (0.3 s of 4.6 s) with the default threshold (700) and 29 times (0.1 s) with this one.
    The workers forked during the run inherit it. No output depends on it.
    """
    import gc

    before = gc.get_threshold()
    gc.set_threshold(*threshold)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _run(cfg: ProgramConfig, out_dir: Path, inputs: list[Path], jobs: int | None, say: Progress,
         t0: float) -> RunResult:
    before = {str(p): _sha256(p) for p in inputs}

    from mentorassess.aggregate import aggregate
    from mentorassess.io import read_roster
    from mentorassess.scoring import score

    roster = read_roster(cfg.roster) if cfg.roster else None
    decisions = _comment_review(cfg, out_dir, say)
    responses, import_reports = import_all(cfg, roster, say, jobs=jobs,
                                           while_waiting=lambda: _preload(cfg.outputs))
    report_date = _report_date(cfg, responses)
    written: list[Path] = []
    with atomic_dir(out_dir) as tmp:
        ctx = _Context(cfg=cfg, tmp=tmp, responses=responses, scores=None, profiles=None, roster=roster,
                       import_reports=import_reports, report_date=report_date, jobs=jobs, say=say,
                       decisions=decisions)
        try:
            if _step_psychometrics in _STEPS:   # they need the responses only: started before scoring
                _step_psychometrics(ctx)
            say(f"scoring {len(responses)} responses")
            scores = score(responses, cfg.instrument)
            rules = cfg.release_rules()
            if decisions is not None and decisions.exclude:
                rules = dataclasses.replace(rules, exclude_comments=tuple(dict.fromkeys(
                    (*rules.exclude_comments, *decisions.exclude))))
            profiles = aggregate(scores, rules=rules, roster=roster)
            ctx.scores, ctx.profiles = scores, profiles
            if cfg.history is not None:  # issue 22: what this run will record, read before the reports are written
                from mentorassess.history.run import plan_program_run

                say(f"reading the history (cycle {cfg.history.cycle})")
                ctx.history_plan = plan_program_run(cfg, responses, scores, profiles, roster)
            # a step may hand back a Later (its files come from a background job): collected in step order
            parts = [step(ctx) for step in _STEPS]
            ctx.settle()
            for part in parts:
                written.extend(part.get() if isinstance(part, Later) else part)
        finally:
            ctx.stop_background()
        after = {p: _sha256(Path(p)) for p in before}
        if after != before:
            changed = [p for p in before if after[p] != before[p]]
            raise DataError(f"an input changed while the run read it: {', '.join(changed)}",
                            hint="run again when nothing else writes to the inputs")
        history = None
        if cfg.history is not None:  # issue 22: record the run (one transaction) before publishing outputs
            from mentorassess.history.run import record_program_run

            say(f"recording cycle {cfg.history.cycle} in the history")
            history, extra = record_program_run(cfg, before, responses, scores, profiles, roster, tmp,
                                                plan=ctx.history_plan)
            written.extend(extra)
        suppressed = _suppressed(profiles)
        summary = _summary(cfg, before, responses, profiles, import_reports, written, tmp, report_date, suppressed,
                           known=ctx.digests)
        summary["warnings"] = ctx.warnings
        if history is not None:
            summary["history"] = history
        atomic_write_text(tmp / MARKER, json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=False) + "\n")
        written.append(Path(MARKER))
    return RunResult(out=out_dir, outputs=tuple(written), summary=summary, suppressed=suppressed,
                     seconds=time.perf_counter() - t0, import_reports=tuple(import_reports))


@dataclass
class _Context:
    cfg: ProgramConfig
    tmp: Path
    responses: pd.DataFrame
    scores: Any
    profiles: Any
    roster: pd.DataFrame | None
    import_reports: list
    report_date: dt.date
    jobs: int | None
    say: Progress
    psychometrics: dict = field(default_factory=dict)   # (form, wave) -> item statistics
    warnings: list[str] = field(default_factory=list)
    tables: Any = None
    decisions: Any = None
    history_plan: Any = None
    psych_plan: list = field(default_factory=list)
    psych_started: bool = False
    psych_jobs: Any = None   # (ForkedJobs, {(form, wave): job index}) while the sections run in workers
    background: Any = None   # the ForkedJobs started (psychometric sections, program summary)
    later: list = field(default_factory=list)   # outputs of background steps, collected in step order
    digests: dict = field(default_factory=dict)   # output path (relative) -> SHA-256 already verified on disk
    program_job: Any = None    # the program summary's ForkedJobs (its result: files, program tables)
    workbook_job: Any = None   # (ForkedJobs, go event) while the staff workbook is written in a worker

    def add_background(self, jobs: ForkedJobs) -> None:
        self.background = [*(self.background or []), jobs]

    def defer(self, fn: Callable[[], list[Path]]) -> Later:
        """A step's files that a background job completes (collected by :meth:`settle`)."""
        later = Later(fn)
        self.later.append(later)
        return later

    def settle(self) -> None:
        """Wait for every background step, in step order (their warnings and results land here)."""
        for later in self.later:
            later.get()

    def stop_background(self) -> None:
        """End the background workers (at once when the run failed before collecting them)."""
        jobs, self.background = self.background or [], None
        for job in jobs:
            job.stop()

    @property
    def trajectories(self) -> Any:
        return None if self.history_plan is None else self.history_plan.trajectories


def _comment_review(cfg: ProgramConfig, out_dir: Path, say: Progress):
    """Staff decisions on comments: the config's ``comment_review`` workbook, else the previous run's.

    The previous run's ``staff_workbook.xlsx`` in the output folder is read before the folder is
    replaced, so a comment staff marked ``exclude`` there stays out of this run's reports and the
    decision is carried into the new workbook.
    """
    from mentorassess.release.review import read_comment_review

    path = cfg.comment_review
    if path is None:
        previous = out_dir / "staff_workbook.xlsx"
        if not (previous.is_file() and (out_dir / MARKER).is_file()):
            return None
        path = previous
    decisions = read_comment_review(path)
    if decisions.decisions:
        say(f"comment review: {len(decisions.exclude)} comment(s) marked exclude in {Path(path).name}")
    return decisions


def _relative(path: Any, base: Path) -> Any:
    """A path as the config names it (relative to the config's folder), never a machine's absolute path."""
    if not path:
        return path
    p = Path(str(path))
    try:
        return p.resolve().relative_to(base).as_posix()
    except ValueError:
        return p.name


def _audits(ctx: _Context) -> list[dict]:
    """Import audits with file names relative to the config (outputs do not depend on where files live)."""
    base = ctx.cfg.source.parent.resolve()
    prefix = str(base) + os.sep
    out = []
    for rep in ctx.import_reports:
        d = json.loads(json.dumps(rep.to_dict(), ensure_ascii=False, default=str))
        subs = [(d[key], str(_relative(d[key], base))) for key in ("source", "mapping")
                if isinstance(d.get(key), str) and d[key]]
        out.append(_strip_paths(d, subs, prefix))
    return out


def _strip_paths(obj: Any, subs: list[tuple[str, str]], prefix: str) -> Any:
    """Replace absolute paths inside every string of a JSON value (quotes and backslashes are plain text)."""
    if isinstance(obj, str):
        for old, new in subs:
            obj = obj.replace(old, new)
        return obj.replace(prefix, "")
    if isinstance(obj, dict):
        return {_strip_paths(k, subs, prefix): _strip_paths(v, subs, prefix) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_strip_paths(v, subs, prefix) for v in obj]
    return obj


def _step_audit(ctx: _Context) -> list[Path]:
    out = []
    for spec, audit in zip(ctx.cfg.exports, _audits(ctx)):
        rel = Path("audit") / f"{spec.path.stem}.json"
        atomic_write_text(ctx.tmp / rel, json.dumps(audit, indent=2, ensure_ascii=False, default=str) + "\n")
        out.append(rel)
    return out


def _step_feedback(ctx: _Context) -> list[Path]:
    if "feedback" not in ctx.cfg.outputs:
        return []
    from mentorassess.reports.feedback import ReportOptions, render_all

    ctx.say("writing feedback reports")
    labels = {w.id: w.label for w in ctx.cfg.waves if w.label}
    options = ReportOptions(program=ctx.cfg.program, report_date=ctx.report_date, wave_labels=labels,
                            contact=ctx.cfg.contact)
    # sync=False: the run's temporary folder is synced once, as a whole, before it is published (atomic_dir)
    summary = render_all(ctx.profiles, ctx.cfg.instrument, ctx.tmp / "feedback", options=options, jobs=ctx.jobs,
                         roster=ctx.roster, trajectories=ctx.trajectories, sync=False)
    # The PDFs and their HTML twins the verified manifest lists (feedback/manifest.csv and .json, beside them).
    # Their SHA-256, just verified against the files, is kept for the run summary (not read a third time).
    folder = Path("feedback")
    ctx.digests.update({folder / e.file: e.sha256 for e in summary.manifest.entries})
    return sorted(folder / Path(p).name for p in (*summary.written, *summary.html, *summary.manifest_files))


def _program_tables(ctx: _Context):
    if ctx.tables is None:
        from mentorassess.stats.program_data import program_tables

        waves = [w.id for w in ctx.cfg.waves]
        pre = next((w.id for w in ctx.cfg.waves if w.type == "pre"), waves[0] if waves else None)
        post = next((w.id for w in ctx.cfg.waves if w.type == "post"), waves[-1] if waves else None)
        ctx.tables = program_tables(ctx.profiles, import_reports=_audits(ctx), min_mentors=ctx.cfg.min_mentors,
                                    roster=ctx.roster, pre=pre, post=post if post != pre else None)
    return ctx.tables


def _program_files(ctx: _Context) -> list[Path]:
    """The program summary (PDF) and its editable copy (Word), from the program tables."""
    from mentorassess.reports.program import render_program

    rel = Path("program_summary.pdf")
    render_program(ctx.cfg.instrument, ctx.profiles, _program_tables(ctx), ctx.tmp / rel, report_date=ctx.report_date,
                   program_name=ctx.cfg.program, show_names=ctx.cfg.show_names, trajectories=ctx.trajectories)
    from mentorassess.reports.program_docx import render_program_docx

    docx = Path("program_summary.docx")  # the same content, editable
    render_program_docx(ctx.cfg.instrument, ctx.profiles, _program_tables(ctx), ctx.tmp / docx,
                        report_date=ctx.report_date, program_name=ctx.cfg.program, show_names=ctx.cfg.show_names,
                        trajectories=ctx.trajectories)
    return [rel, docx]


def _step_program(ctx: _Context) -> Any:
    """The program summary: in a forked process beside the feedback reports when there are several jobs.

    The worker sends back its files and the program tables (the staff workbook needs them); the
    run collects them before the workbook (:meth:`_Context.settle`). Same bytes either way.
    """
    if "program" not in ctx.cfg.outputs:
        return []
    if max(1, ctx.jobs or os.cpu_count() or 1) > 1 and fork_available():
        import mentorassess.stats.program_data  # noqa: F401 - the result's classes, loaded before forking

        ctx.say("writing the program summary (in the background)")
        runner = ForkedJobs(lambda _: (_program_files(ctx), _program_tables(ctx)), [None], workers=1)
        ctx.add_background(runner)
        ctx.program_job = runner   # the staff workbook's worker reads the program tables from its result

        def collect() -> list[Path]:
            # the worker has ended; its result file stays until the run ends (stop_background), as the
            # staff workbook's worker may still be reading it
            files, ctx.tables = runner.result(0)
            return files

        return ctx.defer(collect)
    ctx.say("writing the program summary")
    return _program_files(ctx)


def _workbook_manifest(ctx: _Context) -> Any:
    """The verified feedback manifest the workbook's "Distribution" sheet lists (None: no reports)."""
    if not (ctx.tmp / "feedback" / "manifest.csv").is_file():
        return None
    from mentorassess.release.manifest import read_manifest

    return read_manifest(ctx.tmp / "feedback")


def _write_workbook(ctx: _Context, psychometrics: dict, tables: Any, manifest: Any) -> list[Path]:
    """Write ``staff_workbook.xlsx``; ``manifest`` may be a callable, called when the workbook reaches
    its "Distribution" sheet (:func:`mentorassess.reports.workbook.iter_workbook_sheets`)."""
    from mentorassess.reports.workbook import write_staff_workbook

    rel = Path("staff_workbook.xlsx")
    frames = [items.assign(form=form, wave=wave) for (form, wave), items in psychometrics.items()
              if isinstance(items, pd.DataFrame) and len(items)]
    items = pd.concat(frames, ignore_index=True) if frames else None
    write_staff_workbook(ctx.profiles, tables, ctx.tmp / rel, report_date=ctx.report_date,
                         item_statistics=items, instrument_title=ctx.cfg.instrument.title,
                         instrument=ctx.cfg.instrument, manifest=manifest,
                         decisions=ctx.decisions.as_dict() if ctx.decisions is not None else None)
    return [rel]


def _workbook_in_worker(ctx: _Context, go: Any) -> list[Path]:
    """The staff workbook, in a worker forked before the feedback reports (see :func:`_step_workbook_start`).

    It reads the program tables and the item statistics from the background jobs' result files,
    writes every sheet up to "Distribution" while the reports are written, then waits for ``go``
    (set by the run once the feedback manifest is verified) to list the reports and close the file.
    """
    from mentorassess._run_psych import item_statistics_from_jobs

    tables = ctx.program_job.wait_file(0)[1] if ctx.program_job is not None else _program_tables(ctx)

    def manifest() -> Any:
        go.wait()
        return _workbook_manifest(ctx)

    return _write_workbook(ctx, item_statistics_from_jobs(ctx), tables, manifest)


def _step_workbook_start(ctx: _Context) -> list[Path]:
    """With several jobs: start the staff workbook in a forked worker beside the feedback reports.

    Most of the workbook (every sheet but "Distribution", which lists the reports written) needs
    only the profiles, the program tables and the item statistics, so it is written while the
    reports are; after them, only the last two sheets and the zip remain. Same bytes either way:
    the worker makes the same calls in the same order as :func:`_step_workbook` does in this process.
    """
    if "workbook" not in ctx.cfg.outputs or max(1, ctx.jobs or os.cpu_count() or 1) <= 1 or not fork_available():
        return []
    import multiprocessing as mp

    import mentorassess.reports.workbook  # noqa: F401 - loaded once, before forking

    go = mp.get_context("fork").Event()
    runner = ForkedJobs(lambda _: _workbook_in_worker(ctx, go), [None], workers=1)
    ctx.add_background(runner)
    ctx.workbook_job = (runner, go)
    return []


def _step_workbook(ctx: _Context) -> list[Path]:
    if "workbook" not in ctx.cfg.outputs:
        return []
    ctx.settle()   # the program tables and item statistics of the background steps (their errors raise here)
    if ctx.workbook_job is not None:
        runner, go = ctx.workbook_job
        ctx.say("writing the staff workbook (finishing in the background)")
        go.set()   # the feedback manifest is written and verified: the worker lists it and closes the file
        files = runner.result(0)
        runner.stop()
        return files
    ctx.say("writing the staff workbook")
    return _write_workbook(ctx, ctx.psychometrics, _program_tables(ctx), _workbook_manifest(ctx))


# With several jobs, the psychometric reports (started right after the import), the program summary and
# the staff workbook run in forked workers beside the feedback reports; the workbook reads the others'
# results (item statistics, program tables) and lists the feedback manifest, so it is finished last.
# Background result files are kept until the run ends. Outputs are listed in this order.
_STEPS: list[Callable[[_Context], list[Path]]] = [_step_audit, _step_psychometrics, _step_program,
                                                  _step_psychometrics_done, _step_workbook_start, _step_feedback,
                                                  _step_workbook]


def _suppressed(profiles) -> tuple[tuple[str, str], ...]:
    m = profiles.mentors
    rows = m[m["suppressed"].astype(bool)]
    return tuple(sorted(zip(rows["mentor_id"].astype(str), rows["wave"].astype(str))))


def _summary(cfg, before, responses, profiles, import_reports, written, tmp, report_date, suppressed,
             known=None) -> dict:
    """The run summary (``run-summary.json``); ``known`` maps output paths to a SHA-256 already
    checked against the file (the verified feedback manifest), the other outputs are hashed here."""
    base = cfg.source.parent
    known = known or {}

    def rel(p: str) -> str:
        try:
            return str(Path(p).relative_to(base))
        except ValueError:
            return str(p)

    outputs = sorted(written)

    return {
        "program": cfg.program,
        "instrument": {"id": cfg.instrument.id, "title": cfg.instrument.title, "status": cfg.instrument.status},
        "report_date": report_date.isoformat(),
        "settings": {"min_raters": cfg.min_raters, "min_raters_comments": cfg.min_raters_comments or cfg.min_raters,
                     "comments": cfg.comments, "show_names": cfg.show_names, "outputs": list(cfg.outputs),
                     "waves": [w.id for w in cfg.waves]},
        "inputs": [{"path": rel(p), "sha256": h, "bytes": Path(p).stat().st_size} for p, h in before.items()],
        "imports": [{"file": rel(str(spec.path)), "rows_read": r.rows_read, "rows_kept": r.rows_kept,
                     "rows_excluded": dict(r.rows_excluded)} for spec, r in zip(cfg.exports, import_reports)],
        "counts": {
            "responses": int(len(responses)),
            "mentors": int(responses["mentor_id"].nunique()),
            "by_form_and_wave": {f"{k[0]}/{k[1]}": int(v) for k, v in
                                 responses.groupby(["rater_role", "wave"]).size().items()},
            "reports_suppressed": len(suppressed),
            # Counted from the files written and listed in feedback/manifest.json, not from the reports planned.
            "feedback_reports": sum(1 for p in written if p.parts[:1] == ("feedback",) and p.suffix == ".pdf"
                                    and (tmp / p).is_file()),
        },
        "suppressed_reports": [{"mentor_id": m, "wave": w} for m, w in suppressed],
        "outputs": [{"path": str(p), "sha256": h} for p, h in zip(outputs, _hashes(outputs, tmp, known))],
        "versions": _versions(),
    }
