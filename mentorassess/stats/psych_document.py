"""The psychometric JSON document: one schema (``schema_version``) for the report and the CLI.

:func:`psychometric_document` turns one or more :class:`~mentorassess.stats.psych_summary.PsychometricSummary`
(one per form and wave) into plain data that validates against
``mentorassess/schemas/psychometrics-v2.json`` (:func:`schema`). Each statistic is stored once:
the parallel-analysis seed only in ``call``; the scale alphas only in ``reliability`` (not
beside every item); the fit of the correlated-factors model only in ``cfa.models``; cumulative
variance shares are not stored (the report adds them up); readings are derived from the numbers.

Layout::

    {schema_version, package_version, instrument {id, title}, call {...}, flag_rules {...},
     sections: [{form, rater_role, wave, sample, reliability, items, omega, kmo, bartlett,
                 parallel_analysis, efa, cfa {estimator, missing, models, loadings, higher_order,
                 published}, cfa_model, ordinal, agreement, precision, readings, notes, skipped}],
     invariance: [...]}

Examples
--------
>>> sorted(schema()["required"])[:3]
['call', 'flag_rules', 'instrument']
"""

from __future__ import annotations

import json
import math
from importlib import resources
from typing import Any, Iterable

import numpy as np
import pandas as pd

from mentorassess.stats._common import jsonable

__all__ = ["psychometric_document", "section_dict", "schema", "SCHEMA_FILE"]

SCHEMA_FILE = "psychometrics-v2.json"
_ITEM_DROP = ("scale_alpha",)  # the scale's alpha is in `reliability`


def _num(x: Any) -> Any:
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else None
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def _records(frame: Any, drop: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return []
    frame = frame.drop(columns=[c for c in drop if c in frame.columns])
    return [{str(k): _num(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the document, shipped as package data."""
    text = resources.files("mentorassess").joinpath("schemas", SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def _efa(s: Any) -> dict[str, Any]:
    e = s.efa
    if not e:
        return {}
    out = {k: _num(v) if not isinstance(v, (list, tuple)) else list(v) for k, v in e.items()
           if k not in ("loadings", "phi", "variance")}
    if not isinstance(e.get("loadings"), pd.DataFrame):  # a summary built by hand without the tables
        return out
    load = e["loadings"].copy()
    load.insert(1, "label", [s.item_labels.get(i) for i in load["item"]])
    load.insert(2, "scale", [s.item_scales.get(i) for i in load["item"]])
    out["loadings"] = _records(load)
    out["variance"] = _records(e["variance"][["factor", "ss_loadings", "proportion_var", "proportion_explained"]]
                               if "variance" in e else None)
    phi = e["phi"].set_index("factor")
    names = list(phi.columns)
    out["factor_correlations"] = [{"factor1": a, "factor2": b, "r": _num(phi.loc[a, b])}  # lower triangle once
                                  for j, b in enumerate(names) for a in names[j + 1:]]
    return out


def _precision(p: Any) -> dict[str, Any] | None:
    """The G-/D-study figures the report prints, each once (``g_observed`` is ``g``; ``reml`` is ``variance``)."""
    if p is None:
        return None
    waves = []
    for w in p.waves:
        need = w.needed()
        waves.append({"wave": w.wave, "g_study": {
            sc: {"method": g.method, "n_mentors": g.n_mentors, "n_raters": g.n_raters, "n_items": g.n_items,
                 "raters_harmonic": g.raters_harmonic, "g": g.g, "phi": g.phi, "converged": g.converged,
                 "components": g.components[["component", "variance", "share"]]}
            for sc, g in w.gstudies.items()},
            "mentees_needed": need[[c for c in ("scale", "target", "mentees_needed", "reachable")
                                    if c in need.columns]] if len(need) else [],
            "skipped": dict(w.skipped)})
    return jsonable({"min_raters": p.min_raters, "waves": waves, "notes": list(p.notes)})


def _cfa(s: Any) -> dict[str, Any]:
    m = s.models
    if m is None:
        return {}
    fit = m.to_frame().drop(columns=["label"])
    load = m.loadings()
    load.insert(1, "label", [s.item_labels.get(i) for i in load["item"]])
    load = load.rename(columns={"factor": "scale"})
    return {"estimator": "ML", "missing": "listwise", "general_factor": m.general,
            "models": [{**r, "reason": r["reason"] or None, "notes": r["notes"] or None} for r in _records(fit)],
            "loadings": _records(load), "higher_order": _records(m.higher_order()),
            "published": [{k: _num(v) for k, v in p.items()} for p in s.published]}


def _report_section(s: Any) -> Any:
    rep = s.report
    if rep is None:
        return None
    try:
        return rep.section(s.form, s.wave)
    except KeyError:
        return None


def section_dict(s: Any) -> dict[str, Any]:
    """One form and wave of a summary as the document's ``sections`` entry (with its readings)."""
    from mentorassess.stats.readings import psych_readings

    sec = _report_section(s)
    out = {
        "form": s.form, "rater_role": getattr(sec, "rater_role", None), "wave": s.wave,
        "sample": {k: _num(v) for k, v in s.sample.items()},
        "reliability": _records(s.reliability),
        "items": _records(s.items, _ITEM_DROP),
        "omega": {k: _num(v) for k, v in s.omega.items()},
        "kmo": {"msa": _num(s.kmo.get("msa")), "n_obs": _num(s.kmo.get("n_obs")),
                "items": _records(s.kmo.get("items"))},
        "bartlett": {k: _num(v) for k, v in s.bartlett.items()},
        "parallel_analysis": {**{k: _num(v) for k, v in s.parallel.items() if k != "eigenvalues"},
                              "eigenvalues": _records(s.parallel.get("eigenvalues"))},
        "efa": _efa(s),
        "cfa": _cfa(s),
        "cfa_model": jsonable(sec.sem) if sec is not None and sec.sem is not None else None,
        "ordinal": jsonable(sec.ordinal) if sec is not None and sec.ordinal is not None else None,
        "agreement": [a.to_dict() for a in s.agreement],
        "precision": _precision(sec.precision) if sec is not None else None,
        "readings": [],
        "notes": list(s.notes),
        "skipped": dict(s.skipped),
    }
    if not s.models and s.cfa:  # a summary built by hand with a plain CFA dict (no model comparison)
        out["cfa"] = {"models": [{"model": "correlated", **{k: _num(v) for k, v in s.cfa.items()}}]}
    out["readings"] = [r.to_dict() for r in psych_readings(out)]
    return out


def psychometric_document(summaries: Iterable[Any], *,
                          invariance: Iterable[tuple[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON document of one or more summaries of the same instrument (one section each).

    ``invariance`` (label, result) pairs default to those of the first summary's report.
    """
    from mentorassess import __version__
    from mentorassess.stats.psych_summary import FLAG_RULES, SCHEMA_VERSION

    summaries = list(summaries)
    first = summaries[0]
    call = dict(first.call) if first.call else {}
    if invariance is None:
        invariance = getattr(first.report, "invariance", ()) or ()
    return {
        "schema_version": SCHEMA_VERSION,
        "package_version": __version__,
        "instrument": {"id": first.instrument_id, "title": first.instrument_title},
        "call": jsonable(call),
        "flag_rules": dict(first.flag_rules or FLAG_RULES),
        "sections": [section_dict(s) for s in summaries],
        "invariance": [{"label": lab, **jsonable(inv)} for lab, inv in invariance],
    }
