"""The psychometric reports of a run (:mod:`mentorassess.pipeline`), beside the program summary.

:func:`_step_psychometrics` plans one report (PDF + JSON) per form and wave with at least
``_MIN_PSYCHOMETRIC_N`` responses and, with several jobs and ``fork`` available, starts them in up
to two forked worker processes right after the import; :func:`_step_psychometrics_done` collects
them when the run needs them (or computes them in this process), adds their warnings in report
order and keeps each section's item statistics for the staff workbook. Each section is seeded on its own, so the files are the same either way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

_MIN_PSYCHOMETRIC_N = 30


def _psych_plan(ctx: Any) -> list[tuple[str, str, str | None, int]]:
    """``(form, wave, why skipped or None, responses)`` per section, in report order."""
    roles = {f.rater_role: f.id for f in ctx.cfg.instrument.forms.values()}
    waves = [w.id for w in ctx.cfg.waves] or sorted(ctx.responses["wave"].astype(str).unique())
    plan = []
    for role, form in roles.items():
        for wave in waves:
            n = int(((ctx.responses["rater_role"] == role) & (ctx.responses["wave"].astype(str) == wave)).sum())
            skip = None if n >= _MIN_PSYCHOMETRIC_N else (f"psychometrics: {form}/{wave} skipped ({n} responses; "
                                                           f"at least {_MIN_PSYCHOMETRIC_N} are needed)")
            plan.append((form, wave, skip, n))
    return plan


def _psych_section(ctx: Any, form: str, wave: str) -> tuple[list[str], Any, list[Path]]:
    """One psychometric report (PDF + JSON): ``(warnings, item statistics or None, files written)``."""
    import warnings

    from mentorassess.errors import InsufficientDataError
    from mentorassess.reports.psychometric import render_psychometric, write_psychometric_json
    from mentorassess.stats.psych_summary import psychometric_summary

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            summary = psychometric_summary(ctx.responses, ctx.cfg.instrument, form=form, wave=wave,
                                           seed=ctx.cfg.seed)
        except InsufficientDataError as exc:
            return [f"psychometrics: {form}/{wave} skipped: {exc.summary or exc}"], None, []
    notes = sorted({f"psychometrics {form}/{wave}: {w.category.__name__}: {w.message}" for w in caught})
    stem = Path("psychometrics") / f"psychometrics_{form}_{wave}"
    d = summary.to_dict()  # one conversion for both outputs
    render_psychometric(d, ctx.tmp / stem.with_suffix(".pdf"), report_date=ctx.report_date)
    write_psychometric_json(d, ctx.tmp / stem.with_suffix(".json"))
    return notes, summary.items, [stem.with_suffix(".pdf"), stem.with_suffix(".json")]


def _step_psychometrics(ctx: Any) -> list[Path]:
    """Start the psychometric reports (one per form and wave with enough responses).

    They need the responses only, so the run starts them right after the import, before scoring
    (a second call does nothing). With more than one job and ``fork`` available, the sections run
    in up to two forked worker processes (:class:`mentorassess._forked.ForkedJobs`, no thread in
    the parent) while the run goes on; :func:`_step_psychometrics_done` collects them. Each section
    is seeded on its own, so the files are the same either way.
    """
    if "psychometrics" not in ctx.cfg.outputs or ctx.psych_started:
        return []
    from mentorassess._forked import ForkedJobs, fork_available

    ctx.psych_started = True
    plan = _psych_plan(ctx)
    todo = [(f, w) for f, w, skip, _ in plan if skip is None]
    ctx.psych_plan = plan
    jobs = max(1, ctx.jobs or os.cpu_count() or 1)
    if jobs > 1 and len(todo) > 1 and fork_available():
        ctx.say(f"psychometric checks ({len(todo)} form and wave sections, in the background)")
        size = {(f, w): n for f, w, skip, n in plan}
        order = sorted(todo, key=lambda j: -size[j])   # the largest sections first
        # On two cores with feedback reports to come, one worker: scoring and aggregation (which the
        # feedback reports wait for) keep a core; the sections are done long before the workbook needs them.
        workers = 1 if jobs <= 2 and "feedback" in ctx.cfg.outputs else min(2, jobs, len(todo))
        runner = ForkedJobs(lambda job: _psych_section(ctx, *job), order, workers=workers)
        ctx.add_background(runner)
        ctx.psych_jobs = (runner, {job: i for i, job in enumerate(order)})
    return []


def _step_psychometrics_done(ctx: Any) -> Any:
    """Collect the psychometric reports (computed here when no workers were started).

    With workers, the collection waits until the run needs it (``ctx.settle()``, before the
    staff workbook), so the feedback reports start while the sections still run.
    """
    if "psychometrics" not in ctx.cfg.outputs:
        return []
    if ctx.psych_jobs is None:
        return _collect(ctx)
    return ctx.defer(lambda: _collect(ctx))


def _collect(ctx: Any) -> list[Path]:
    """Every section's files in report order; warnings added in that order, item statistics kept."""
    runner, index = ctx.psych_jobs or (None, {})
    out: list[Path] = []
    for form, wave, skip, _ in ctx.psych_plan:
        if skip is not None:
            ctx.warnings.append(skip)
            continue
        if (form, wave) in index:
            notes, items, files = runner.result(index[(form, wave)])
        else:
            ctx.say(f"psychometric checks ({form}, {wave})")
            notes, items, files = _psych_section(ctx, form, wave)
        ctx.warnings.extend(notes)
        if items is not None:
            ctx.psychometrics[(form, wave)] = items
        out += files
    # the workers have ended; their result files stay until the run ends (ctx.stop_background), as the
    # staff workbook's worker may still be reading them (item_statistics_from_jobs)
    return out


def item_statistics_from_jobs(ctx: Any) -> dict:
    """The sections' item statistics, as :func:`_collect` keeps them in ``ctx.psychometrics``, read in a
    process forked from the run (the staff workbook's worker) from the workers' result files; without
    workers, the ones already collected."""
    if ctx.psych_jobs is None:
        return dict(ctx.psychometrics)
    runner, index = ctx.psych_jobs
    out = {}
    for form, wave, skip, _ in ctx.psych_plan:
        if skip is None and (form, wave) in index:
            items = runner.wait_file(index[(form, wave)])[1]
            if items is not None:
                out[(form, wave)] = items
    return out
