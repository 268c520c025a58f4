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

import datetime as dt
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from mentorassess import __version__
from mentorassess._files import atomic_dir, atomic_write_text
from mentorassess.config import ProgramConfig, load_config
from mentorassess.errors import ConfigError, DataError

__all__ = ["RunResult", "run_program", "sample_config_path", "sample_data_dir", "MARKER"]

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
    """Refuse to replace a folder that mentorassess did not write (it would be deleted whole)."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise ConfigError(f"the output folder {out} exists and was not written by mentorassess",
                          file=str(out), hint="choose a new folder with --out, or empty this one")


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


def _import_all(cfg: ProgramConfig, roster: pd.DataFrame | None, say: Progress):
    from mentorassess.io import read_export

    frames, reports = [], []
    for spec in cfg.exports:
        say(f"importing {spec.path.name}")
        res = read_export(spec.path, cfg.instrument, mapping=spec.mapping, roster=roster, role=spec.role,
                          wave=spec.wave, format=spec.format, options=cfg.import_options or None,
                          dictionary=spec.dictionary)
        frame = res.responses.copy()
        frame.insert(0, "_export", spec.path.name)
        frames.append(frame)
        reports.append(res.report)
    responses = pd.concat(frames, ignore_index=True, sort=False)
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
    _check_out(out_dir)
    inputs = [p for p in (cfg.source, cfg.roster, cfg.assignments, *(e.path for e in cfg.exports),
                          *(e.mapping for e in cfg.exports), *(e.dictionary for e in cfg.exports)) if p]
    before = {str(p): _sha256(p) for p in dict.fromkeys(inputs)}

    from mentorassess.aggregate import aggregate
    from mentorassess.io import read_roster
    from mentorassess.scoring import score

    roster = read_roster(cfg.roster) if cfg.roster else None
    responses, import_reports = _import_all(cfg, roster, say)
    say(f"scoring {len(responses)} responses")
    scores = score(responses, cfg.instrument)
    profiles = aggregate(scores, min_raters=cfg.min_raters, min_raters_comments=cfg.min_raters_comments,
                         roster=roster, comments=cfg.comments, exclude_comments=cfg.exclude_comments)
    report_date = _report_date(cfg, responses)
    written: list[Path] = []
    with atomic_dir(out_dir) as tmp:
        ctx = _Context(cfg=cfg, tmp=tmp, responses=responses, scores=scores, profiles=profiles, roster=roster,
                       import_reports=import_reports, report_date=report_date, jobs=jobs, say=say)
        for step in _STEPS:
            written.extend(step(ctx))
        after = {p: _sha256(Path(p)) for p in before}
        if after != before:
            changed = [p for p in before if after[p] != before[p]]
            raise DataError(f"an input changed while the run read it: {', '.join(changed)}",
                            hint="run again when nothing else writes to the inputs")
        suppressed = _suppressed(profiles)
        summary = _summary(cfg, before, responses, profiles, import_reports, written, tmp, report_date, suppressed)
        summary["warnings"] = ctx.warnings
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
    psychometrics: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    tables: Any = None


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
    out = []
    for rep in ctx.import_reports:
        d = rep.to_dict()
        text = json.dumps(d, ensure_ascii=False, default=str)
        for key in ("source", "mapping"):
            if isinstance(d.get(key), str) and d[key]:
                text = text.replace(json.dumps(d[key])[1:-1], str(_relative(d[key], base)))
        text = text.replace(json.dumps(str(base) + os.sep)[1:-1], "")
        out.append(json.loads(text))
    return out


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
    summary = render_all(ctx.profiles, ctx.cfg.instrument, ctx.tmp / "feedback", options=options, jobs=ctx.jobs,
                         roster=ctx.roster)
    return sorted(Path(p).resolve().relative_to(ctx.tmp.resolve()) for p in summary.written)


def _step_psychometrics(ctx: _Context) -> list[Path]:
    """One psychometric report (PDF + JSON) per form and wave with enough responses."""
    if "psychometrics" not in ctx.cfg.outputs:
        return []
    import warnings

    from mentorassess.errors import InsufficientDataError
    from mentorassess.reports.psychometric import render_psychometric, write_psychometric_json
    from mentorassess.stats.psych_summary import psychometric_summary

    out: list[Path] = []
    roles = {f.rater_role: f.id for f in ctx.cfg.instrument.forms.values()}
    waves = [w.id for w in ctx.cfg.waves] or sorted(ctx.responses["wave"].astype(str).unique())
    for role, form in roles.items():
        for wave in waves:
            n = int(((ctx.responses["rater_role"] == role) & (ctx.responses["wave"].astype(str) == wave)).sum())
            if n < _MIN_PSYCHOMETRIC_N:
                ctx.warnings.append(f"psychometrics: {form}/{wave} skipped ({n} responses; at least "
                                    f"{_MIN_PSYCHOMETRIC_N} are needed)")
                continue
            ctx.say(f"psychometric checks ({form}, {wave})")
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    summary = psychometric_summary(ctx.responses, ctx.cfg.instrument, form=form, wave=wave,
                                                   seed=ctx.cfg.seed)
                except InsufficientDataError as exc:
                    ctx.warnings.append(f"psychometrics: {form}/{wave} skipped: {exc.summary or exc}")
                    continue
            ctx.warnings.extend(sorted({f"psychometrics {form}/{wave}: {w.category.__name__}: {w.message}"
                                        for w in caught}))
            ctx.psychometrics[(form, wave)] = summary
            stem = Path("psychometrics") / f"psychometrics_{form}_{wave}"
            render_psychometric(summary, ctx.tmp / stem.with_suffix(".pdf"), report_date=ctx.report_date)
            write_psychometric_json(summary, ctx.tmp / stem.with_suffix(".json"))
            out += [stem.with_suffix(".pdf"), stem.with_suffix(".json")]
    return out


def _program_tables(ctx: _Context):
    if ctx.tables is None:
        from mentorassess.stats.program_data import program_tables

        waves = [w.id for w in ctx.cfg.waves]
        pre = next((w.id for w in ctx.cfg.waves if w.type == "pre"), waves[0] if waves else None)
        post = next((w.id for w in ctx.cfg.waves if w.type == "post"), waves[-1] if waves else None)
        ctx.tables = program_tables(ctx.scores, ctx.profiles, import_reports=_audits(ctx),
                                    roster=ctx.roster, pre=pre, post=post if post != pre else None)
    return ctx.tables


def _step_program(ctx: _Context) -> list[Path]:
    if "program" not in ctx.cfg.outputs:
        return []
    from mentorassess.reports.program import render_program

    ctx.say("writing the program summary")
    rel = Path("program_summary.pdf")
    render_program(ctx.scores, ctx.profiles, _program_tables(ctx), ctx.tmp / rel, report_date=ctx.report_date,
                   program_name=ctx.cfg.program, show_names=ctx.cfg.show_names)
    return [rel]


def _step_workbook(ctx: _Context) -> list[Path]:
    if "workbook" not in ctx.cfg.outputs:
        return []
    from mentorassess.reports.workbook import write_staff_workbook

    ctx.say("writing the staff workbook")
    rel = Path("staff_workbook.xlsx")
    items = None
    mentee = [s for (form, _), s in ctx.psychometrics.items() if form == "mentee"]
    if mentee and hasattr(mentee[0], "items"):
        items = mentee[0].items
    write_staff_workbook(ctx.scores, ctx.profiles, _program_tables(ctx), ctx.tmp / rel, report_date=ctx.report_date,
                         item_statistics=items, instrument_title=ctx.cfg.instrument.title)
    return [rel]


_MIN_PSYCHOMETRIC_N = 30


_STEPS: list[Callable[[_Context], list[Path]]] = [_step_audit, _step_psychometrics, _step_feedback,
                                                  _step_program, _step_workbook]


def _suppressed(profiles) -> tuple[tuple[str, str], ...]:
    m = profiles.mentors
    rows = m[m["suppressed"].astype(bool)]
    return tuple(sorted(zip(rows["mentor_id"].astype(str), rows["wave"].astype(str))))


def _summary(cfg, before, responses, profiles, import_reports, written, tmp, report_date, suppressed) -> dict:
    base = cfg.source.parent

    def rel(p: str) -> str:
        try:
            return str(Path(p).relative_to(base))
        except ValueError:
            return str(p)

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
        },
        "suppressed_reports": [{"mentor_id": m, "wave": w} for m, w in suppressed],
        "outputs": [{"path": str(p), "sha256": _sha256(tmp / p)} for p in sorted(written)],
        "versions": _versions(),
    }
