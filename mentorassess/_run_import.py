"""The imports of a run (:mod:`mentorassess.pipeline`): every export of a program, one audit each.

:func:`import_all` reads the exports (in two forked processes when there are several and more
than one job; the same frames, audits and first error either way), checks that no response is
listed twice across them, and returns the responses with one import report per export. While the
workers read, the run loads the modules its later steps need (:func:`_preload`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pandas as pd

from mentorassess._forked import ForkedJobs, fork_available
from mentorassess.config import ProgramConfig
from mentorassess.errors import DataError

Progress = Callable[[str], None]


def import_all(cfg: ProgramConfig, roster: pd.DataFrame | None, say: Progress = lambda msg: None, *,
               jobs: int | None = 1, while_waiting: Callable[[], None] | None = None):
    """Import every export of ``cfg`` as :func:`run_program` does: ``(responses, import reports)``.

    With ``jobs`` > 1 (None: all cores) and several exports, they are read in up to two forked
    processes (the largest first); the result, and the first export's error if one fails, are
    those of reading them one after the other. ``while_waiting`` is called meanwhile (the run loads
    the modules its later steps need).

    Raises ``DataError`` when no response is left or two exports share a response id.
    """
    specs = list(cfg.exports)
    waves = _declared_waves(cfg)

    def one(spec):
        from mentorassess.io import read_export

        res = read_export(spec.path, cfg.instrument, mapping=spec.mapping, roster=roster, role=spec.role,
                          wave=spec.wave, format=spec.format, options=cfg.import_options or None,
                          dictionary=spec.dictionary, waves=waves)
        return res.responses, res.report

    if len(specs) > 1 and max(1, jobs or os.cpu_count() or 1) > 1 and fork_available():
        import mentorassess.io  # noqa: F401 - the results' classes, loaded before forking

        say(f"importing {', '.join(spec.path.name for spec in specs)}")
        order = sorted(range(len(specs)), key=lambda i: -_size(specs[i].path))
        runner = ForkedJobs(lambda i: one(specs[i]), order, workers=2)
        try:
            if while_waiting is not None:
                while_waiting()
            where = {i: k for k, i in enumerate(order)}
            results = [runner.result(where[i]) for i in range(len(specs))]
        finally:
            runner.stop()
    else:
        results = []
        for spec in specs:
            say(f"importing {spec.path.name}")
            results.append(one(spec))
    frames, reports = [], []
    for spec, (responses, report) in zip(specs, results):
        frame = responses.copy()
        frame.insert(0, "_export", spec.path.name)
        frames.append(frame)
        reports.append(report)
    responses = pd.concat(frames, ignore_index=True, sort=False)
    if len(responses) == 0:
        per_file = "; ".join(f"{spec.path.name}: {r.rows_read} read, excluded "
                             + (", ".join(f"{k} {v}" for k, v in dict(r.rows_excluded).items()) or "none")
                             for spec, r in zip(cfg.exports, reports))
        raise DataError(f"no response is left to report on: every row of every export was excluded ({per_file})",
                        file=str(cfg.source),
                        hint="if the rows are 'unmatched_mentor', the roster does not list the exports' mentors: "
                             "check that the config names the right roster and that ids match")
    dup = responses["response_id"].duplicated(keep=False)
    if dup.any():
        clash = responses.loc[dup, ["_export", "response_id"]].drop_duplicates()
        files = sorted(set(clash["_export"]))
        raise DataError(f"{int(dup.sum())} responses share a response id across the exports {', '.join(files)}",
                        file=str(cfg.source), value=str(clash["response_id"].iloc[0]),
                        hint="each export should hold different responses; is one file listed twice "
                             "or are two exports overlapping?")
    _check_overlap(responses, cfg)
    responses = responses.drop(columns="_export")
    return responses, reports


# Modules the later steps load, by output: loaded while the exports are read in workers (this process
# waits then), so neither the critical path nor the forked workers pay for them again.
_PRELOAD = {None: ("scipy.stats", "mentorassess._profile_tables", "mentorassess.release.mentor",
                   "mentorassess.release.comments", "mentorassess.release.counting"),
            "psychometrics": ("mentorassess.stats.psych_summary", "mentorassess.reports.psychometric"),
            "program": ("mentorassess.stats.program_data", "mentorassess.reports.program",
                        "mentorassess.reports.program_docx"),
            "feedback": ("mentorassess.reports.feedback",),
            "workbook": ("mentorassess.reports.workbook", "xlsxwriter")}


def _preload(outputs) -> None:
    """Import the modules of :data:`_PRELOAD` the run's outputs need (a missing one fails later, as before).

    With PDF outputs, the report fonts are registered too, and with a program summary matplotlib's
    figure and Agg modules are loaded (its Word copy draws its charts with them; the backend of this
    process is left as it is): the background workers forked later (program summary, psychometric
    sections) inherit them instead of each loading them again. Only loading is moved; no output
    depends on it.
    """
    import importlib

    for key in (None, *outputs):
        for name in _PRELOAD.get(key, ()):
            try:
                importlib.import_module(name)
            except ImportError:
                pass
    if {"feedback", "program", "psychometrics"} & set(outputs):
        from mentorassess.reports.pdf import styles

        styles()   # registers the fonts (read from disk once)
    if "program" in outputs:
        try:
            import matplotlib.backends.backend_agg  # noqa: F401
            import matplotlib.figure  # noqa: F401
        except ImportError:
            pass


def _size(path: Path) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def _declared_waves(cfg: ProgramConfig):
    """The waves wave cells must name: the configuration's, unless they were only derived from the exports'
    ``wave:`` entries (then the import recognises the usual ids and keeps other labels with a warning)."""
    from mentorassess.scoring import order_waves

    derived = list(order_waves([e.wave for e in cfg.exports if e.wave is not None]))
    if [w.id for w in cfg.waves] == derived and not any(w.label for w in cfg.waves):
        return None
    return cfg.waves or None


def _check_overlap(responses: pd.DataFrame, cfg: ProgramConfig) -> None:
    """The same rater rating the same mentor in the same wave in two exports: counted twice."""
    if "rater_id" not in responses.columns:
        return
    keyed = responses.dropna(subset=["rater_id"])
    keys = ["mentor_id", "rater_role", "wave", "rater_id"]
    dup = keyed.duplicated(keys, keep=False)
    if not dup.any():
        return
    clash = keyed[dup]
    across = clash.groupby(keys)["_export"].nunique()
    across = across[across > 1]
    if across.empty:
        return  # repeats inside one export were already handled by its import rules
    pairs = clash.set_index(keys).loc[across.index, "_export"].groupby(level=list(range(len(keys)))).agg(
        lambda s: " and ".join(sorted(set(s))))
    files = sorted(set(pairs))
    raise DataError(f"{len(across)} responses appear in more than one export ({'; '.join(files)}): the same rater, "
                    "mentor, form and wave", file=str(cfg.source), value=str(across.index[0][0]),
                    hint="list each response in one export only: drop the overlapping export from the "
                         "config, or export the survey again without the rows the other file holds")
