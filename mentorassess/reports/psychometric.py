"""The psychometric report for researchers: a PDF and the same content as JSON.

Both are rendered from one plain dict (``PsychometricSummary.to_dict()``, with ``schema_version``)
so they cannot disagree. Tables follow APA 7 habits: horizontal rules only, no leading zero for
values that cannot exceed 1 (r, alpha, loadings, CFI), two decimals, confidence level stated,
each with a plain-language reading. Nothing here computes a statistic beyond choosing which
stored values to print (e.g. blanking loadings below .30).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any, Mapping

from mentorassess.reports import _psych_tables as T
from mentorassess.reports._precision_section import precision_story
from mentorassess.reports._psych_tables import n2, r2

__all__ = ["psychometric_pdf_bytes", "render_psychometric", "write_psychometric_json", "r2"]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


_nan = T._nan
_pct, _p = T.pct, T.p_text


def _story(doc: Mapping[str, Any], sec: Mapping[str, Any], report_date: _dt.date) -> list[Any]:
    from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

    from mentorassess.reports._program_charts import scree_plot
    from mentorassess.reports.pdf import FRAME_WIDTH as W, data_table, para, shaded_box

    d = sec
    rules = doc["flag_rules"]
    s = d["sample"]
    out: list[Any] = []
    out.append(para("Psychometric report", "title"))
    out.append(para(f"{doc['instrument']['title']} · form {d['form']} · wave {d['wave'] or 'all (pooled)'} · "
                    f"report date {report_date.day} {_MONTHS[report_date.month - 1]} {report_date.year}", "subtitle"))
    out.append(shaded_box([para("Sample", "h3"), para(
        f"{s['responses']} responses rating {s['mentors']} mentors ({n2(s['raters_per_mentor_mean'])} raters per "
        f"mentor on average, {s['raters_per_mentor_min']} to {s['raters_per_mentor_max']}); {s['items']} items; "
        f"{s['complete_rows']} responses answered every item; {_pct(s['missing_share'])} of item answers missing. "
        "Missing answers (including N/A) are handled pairwise for correlation-based statistics and listwise for "
        "the CFA, as R's psych and lavaan do by default.", "box")]))

    # Reliability
    out.append(para("Reliability", "h2"))
    rows = [[r["title"], str(r["n_items"]), r2(r["alpha"]), f"[{r2(r['alpha_low'])}, {r2(r['alpha_high'])}]",
             r2(r["average_r"])] for r in d["reliability"]]
    out.append(data_table(["Scale", "Items", "α", "95% CI (Feldt)", "Mean inter-item r"], rows,
                          [0.42 * W, 0.1 * W, 0.1 * W, 0.2 * W, 0.18 * W], numeric_cols=(1, 2, 3, 4)))
    om = d["omega"]
    out.append(para(f"Omega total (all items) = {r2(om.get('omega_total'))}; omega hierarchical = "
                    f"{r2(om.get('omega_h'))} (Schmid–Leiman, {om.get('n_factors')} group factors).", "small"))
    low = [r for r in d["reliability"] if not _nan(r["alpha"]) and r["alpha"] < 0.70]
    out.append(para("Reading: " + ("every scale reaches α ≥ .70, the usual minimum for group comparisons."
                                   if not low else
                                   f"{len(low)} scale(s) fall below α = .70: " + ", ".join(r["title"] for r in low)
                                   + "; treat their scores with caution."), "body"))

    # Item analysis
    out.append(CondPageBreak(160))
    heading = para("Item analysis", "h2")
    heading.keepWithNext = False  # a long table: let it start under its heading and split (the
    out.append(heading)           # page break above keeps the heading from being orphaned)
    irows = [[f"{it['item']} {it['label']}", it["scale"].replace("_", " "), n2(it["mean"]), n2(it["sd"]),
              _pct(it["missing"]), _pct(it["ceiling"]), r2(it["r_drop"]), r2(it["alpha_if_dropped"]),
              it["flags"] or ""] for it in d["items"]]
    out.append(data_table(["Item", "Scale", "M", "SD", "Miss", "Ceil", "r", "α−i", "Flags"], irows,
                          [0.25 * W, 0.17 * W, 0.06 * W, 0.06 * W, 0.065 * W, 0.065 * W, 0.06 * W, 0.06 * W, 0.21 * W],
                          numeric_cols=(2, 3, 4, 5, 6, 7)))
    flagged = [it for it in d["items"] if it["flags"]]
    out.append(para(f"Note. M, SD: mean and SD; Miss: share missing; Ceil: share at the scale maximum; r: "
                    "corrected item–total (item–rest) correlation; α−i: α of the scale without the item. "
                    f"Flags (conventions): item–rest r < {r2(rules['r_drop_below'])}; α rises if the item is "
                    f"dropped; ceiling (share at the scale maximum) > {_pct(rules['ceiling_above'])}; missing > "
                    f"{_pct(rules['missing_above'])}.", "small"))
    out.append(para("Reading: " + (f"{len(flagged)} of {len(d['items'])} items are flagged. A flag invites a look at "
                                   "the wording and the data, not automatic removal." if flagged else
                                   "no item is flagged."), "body"))

    # Factorability and dimensionality
    out.append(CondPageBreak(300))
    out.append(para("Factorability and number of factors", "h2"))
    b = d["bartlett"]
    kmo = d["kmo"]
    if not b or kmo.get("msa") is None:
        out.append(para("Not computed: " + "; ".join(f"{k}: {v}" for k, v in d.get("skipped", {}).items()
                                                     if k in ("kmo", "bartlett")), "body"))
        b = {"df": "–", "chisq": None, "p_value": None, "n_obs": "–"}
    min_msa = min((i["msa"] for i in kmo["items"] if not _nan(i["msa"])), default=float("nan"))
    out.append(para(f"KMO = {r2(kmo['msa'])} (lowest item MSA {r2(min_msa)}); Bartlett's test χ²({b['df']}) = "
                    f"{n2(b['chisq'])}, p {_p(b['p_value']) if _p(b['p_value']).startswith('<') else '= ' + _p(b['p_value'])}, "
                    f"N = {b['n_obs']}.", "body"))
    from mentorassess.stats.readings import psych_readings

    readings = {r.topic: r for r in psych_readings(d)}
    out.append(_reading(readings.get("factorability")))
    pa = d["parallel_analysis"]
    eig = pa.get("eigenvalues") or []
    if eig:
        out.append(KeepTogether([para("Scree plot with parallel analysis", "h3"),
                                 scree_plot([e["fa_observed"] for e in eig], [e["fa_simulated_quantile"] for e in eig],
                                            width=W, height=180)]))
    if pa.get("n_factors") is not None:
        out.append(para(f"Parallel analysis (Horn 1965; {pa['n_iter']} simulated data sets, seed {doc['call'].get('seed')}, "
                    f"{_pct(pa['quant'])} quantile) suggests {pa['n_factors']} factor(s) and {pa['n_components']} "
                        "component(s).", "body"))
    out.append(_reading(readings.get("dimensionality")))

    # EFA, with its verdict before the table; CFA: published fit, the three models, loadings
    e = d["efa"]
    if e.get("method") is not None:
        out.extend(T.efa_tables(e, rules, W, readings.get("efa")))
    if d.get("cfa"):
        out.extend(T.cfa_tables(d["cfa"], W, readings))
    # Model-based CFA and invariance, then agreement and the precision of mentor scores (G-/D-study)
    out.extend(T.sem_extras(d, doc.get("invariance") or [], W))
    labels = {it["item"]: it["label"] for it in d["items"]}
    out.extend(T.agreement_tables(d["agreement"], labels, W))
    out.extend(precision_story(d, W))
    if d["notes"]:
        out.append(Spacer(1, 4))
        for n in d["notes"]:
            out.append(para(n, "small", bullet="•"))
    if d.get("skipped"):
        out.append(para("Not computed: " + "; ".join(f"{k} ({v})" for k, v in d["skipped"].items()), "small"))
    return out


_reading = T.reading_flowable


def psychometric_pdf_bytes(summary: Any, *, report_date: _dt.date | str | None = None) -> bytes:
    """The PDF of a ``PsychometricSummary`` (or its ``to_dict()`` document; one part per section), deterministic."""
    from mentorassess.reports.pdf import build_pdf, resolve_report_date

    from reportlab.platypus import PageBreak

    doc = summary if isinstance(summary, Mapping) else summary.to_dict()
    date = resolve_report_date(report_date)
    story: list[Any] = []
    for i, sec in enumerate(doc["sections"]):
        story += ([PageBreak()] if i else []) + _story(doc, sec, date)
    forms = ", ".join(dict.fromkeys(str(s["form"]) for s in doc["sections"]))
    waves = ", ".join(dict.fromkeys(str(s["wave"] or "all") for s in doc["sections"]))
    return build_pdf(story, title=f"Psychometric report – {doc['instrument']['title']}",
                     author="mentorassess", subject="Psychometric report", keywords=("psychometrics",),
                     footer_text=f"Psychometric report · {doc['instrument']['id']} · form {forms} · wave {waves}",
                     report_date=date)


def render_psychometric(summary: Any, path: str | os.PathLike, *, report_date: _dt.date | str | None = None) -> Path:
    """Write the psychometric PDF atomically."""
    from mentorassess._files import atomic_write_bytes

    return atomic_write_bytes(path, psychometric_pdf_bytes(summary, report_date=report_date))


def write_psychometric_json(summary: Any, path: str | os.PathLike) -> Path:
    """Write the JSON (``schema_version`` first, sorted keys inside, no NaN) atomically."""
    from mentorassess._files import atomic_write_text

    d = summary if isinstance(summary, Mapping) else summary.to_dict()
    return atomic_write_text(path, json.dumps(d, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
