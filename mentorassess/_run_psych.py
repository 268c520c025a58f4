"""The psychometric reports of a run (:mod:`mentorassess.pipeline`), beside the program summary.

:func:`_step_psychometrics` plans one report (PDF + JSON) per form and wave with at least
``_MIN_PSYCHOMETRIC_N`` responses and, with several jobs and ``fork`` available, starts them in up
to two worker processes; :func:`_step_psychometrics_done` collects them (or computes them in this
process), adds their warnings in report order and keeps each section's item statistics for the
staff workbook. Each section is seeded on its own, so the files are the same either way.
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


# The run's context, inherited by forked psychometric workers (never pickled).
_FORKED: dict[str, Any] = {}


def _psych_job(job: tuple[str, str]):
    return _psych_section(_FORKED["ctx"], *job)


def _psych_init(parent: tuple[int, bool]) -> None:
    from mentorassess._procs import end_with_parent

    end_with_parent(parent[0], main_thread=parent[1])


def _step_psychometrics(ctx: Any) -> list[Path]:
    """Start the psychometric reports (one per form and wave with enough responses).

    With more than one job and ``fork`` available, the sections run in up to two worker processes
    while the run goes on (the program summary does not need them); :func:`_step_psychometrics_done`
    collects them. Each section is seeded on its own, so the files are the same either way.
    """
    if "psychometrics" not in ctx.cfg.outputs:
        return []
    import multiprocessing as mp

    plan = _psych_plan(ctx)
    todo = [(f, w) for f, w, skip, _ in plan if skip is None]
    ctx.psych_plan = plan
    jobs = max(1, ctx.jobs or os.cpu_count() or 1)
    if jobs > 1 and len(todo) > 1 and "fork" in mp.get_all_start_methods():
        from concurrent.futures import ProcessPoolExecutor

        from mentorassess._procs import parent_token

        ctx.say(f"psychometric checks ({len(todo)} form and wave sections, in the background)")
        size = {(f, w): n for f, w, skip, n in plan}
        pool = ProcessPoolExecutor(max_workers=min(2, jobs, len(todo)), mp_context=mp.get_context("fork"),
                                   initializer=_psych_init, initargs=(parent_token(),))
        _FORKED["ctx"] = ctx
        try:   # the largest sections first (a worker takes the next when it is free)
            futures = {job: pool.submit(_psych_job, job) for job in sorted(todo, key=lambda j: -size[j])}
        finally:
            _FORKED.clear()   # forked at the first submit: the workers hold their copy
        ctx.background = (pool, futures)
    return []


def _step_psychometrics_done(ctx: Any) -> list[Path]:
    """Collect the psychometric reports (computed here when no workers were started)."""
    if "psychometrics" not in ctx.cfg.outputs:
        return []
    pool, futures = ctx.background or (None, {})
    out: list[Path] = []
    try:
        for form, wave, skip, _ in ctx.psych_plan:
            if skip is not None:
                ctx.warnings.append(skip)
                continue
            if (form, wave) in futures:
                notes, items, files = futures[(form, wave)].result()
            else:
                ctx.say(f"psychometric checks ({form}, {wave})")
                notes, items, files = _psych_section(ctx, form, wave)
            ctx.warnings.extend(notes)
            if items is not None:
                ctx.psychometrics[(form, wave)] = items
            out += files
    finally:
        ctx.stop_background()
    return out
