"""The pipeline's hook: record a finished run in the program's history (``history:`` in program.yaml).

Called by :func:`mentorassess.pipeline.run_program` after every output is written into the run's
temporary folder and before that folder is renamed into place: if recording fails (a refused
re-run, an unreachable server), no output is published either. Pooled results of a closing block
go to ``pooled-results.json`` and a ``history`` section of ``run-summary.json``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from mentorassess._files import atomic_write_text

__all__ = ["record_program_run", "plan_program_run", "check_store_location", "POOLED_FILE"]

POOLED_FILE = "pooled-results.json"


def check_store_location(spec, out_dir: Path) -> None:
    """Refuse a SQLite store (or its secret) inside the output folder: each run replaces that folder whole."""
    from mentorassess.errors import ConfigError

    out = Path(out_dir).resolve()
    for what, loc in (("history store", spec.store), ("history secret", spec.secret)):
        if not loc or "://" in loc:
            continue
        p = Path(loc).resolve()
        if p == out or out in p.parents:
            raise ConfigError(f"the {what} {p} is inside the output folder {out}, which every run replaces",
                              file=str(p), hint="keep history.sqlite beside program.yaml, outside 'out'")


def inputs_digest(hashes: dict[str, str]) -> str:
    """One SHA-256 over the inputs' SHA-256 values (sorted; independent of where the files live)."""
    return hashlib.sha256("\n".join(sorted(hashes.values())).encode()).hexdigest()


def plan_program_run(cfg, responses, scores, profiles, roster):
    """Before the reports: this run's ledger entries, the pooled block it closes and the trajectories.

    Read-only (no write lock is held while the reports are written); :func:`record_program_run`
    records exactly this plan, or refuses it if another run was recorded in between.
    """
    from mentorassess.history.record import plan_run
    from mentorassess.history.store import open_store
    from mentorassess.program_tables import program_profile
    from mentorassess.release.counting import eligible

    spec = cfg.history
    store = open_store(spec.store, secret=spec.secret)
    try:
        return plan_run(store, cycle=spec.cycle, instrument=cfg.instrument, responses=responses, profiles=profiles,
                        eligible_scores=eligible(scores, roster).scores, rules=cfg.release_rules(),
                        store_responses=spec.store_responses, pool=spec.pool, roster=roster,
                        program_profile=program_profile(profiles))
    finally:
        store.close()


def record_program_run(cfg, input_hashes: dict[str, str], responses, scores, profiles, roster,
                       tmp: Path, plan=None) -> tuple[dict, list[Path]]:
    """Record the run; return the summary section and the files written into ``tmp``."""
    from mentorassess.history.coverage import coverage
    from mentorassess.history.record import record_run
    from mentorassess.history.store import open_store
    from mentorassess.release.counting import eligible

    spec = cfg.history
    rules = cfg.release_rules()
    settings = {"program": cfg.program, "instrument": cfg.instrument.id,
                "instrument_version": str(cfg.instrument.version), "waves": [w.id for w in cfg.waves],
                "rules": {k: getattr(rules, k) for k in ("min_raters", "min_raters_items", "min_raters_comments",
                                                         "min_mentors", "max_mentor_share", "ell", "comments")},
                "pool": {"block": spec.pool.block, "cycles": list(spec.pool.cycles)},
                "store_responses": spec.store_responses, "outputs": list(cfg.outputs)}
    store = open_store(spec.store, secret=spec.secret)
    try:
        res = record_run(store, cycle=spec.cycle, program=cfg.program, instrument=cfg.instrument,
                         responses=responses, profiles=profiles, eligible_scores=eligible(scores, roster).scores,
                         rules=rules, settings=settings, inputs_sha256=inputs_digest(input_hashes),
                         store_responses=spec.store_responses, pool=spec.pool, roster=roster, plan=plan)
        cov = coverage(store)
    finally:
        store.close()
    section = {"cycle": res.cycle, "block": list(res.block) if res.block else None,
               "pooled_mentors": len(res.pooled),
               "pooled_released": sum(p["status"] == "released" for p in res.pooled), "coverage": cov}
    written = []
    if res.pooled:
        doc = {"cycle": res.cycle, "window": res.pooled[0]["window"], "cycles": res.pooled[0]["cycles"],
               "note": "figures pooled over the cycles listed; a withheld result reads 'not_shown' whatever the "
                       "cause", "mentors": res.pooled}
        atomic_write_text(tmp / POOLED_FILE, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        written.append(Path(POOLED_FILE))
    return section, written
