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
import math
import os
from pathlib import Path
from typing import Any, Mapping

from mentorassess.reports._precision_section import precision_story

__all__ = ["psychometric_pdf_bytes", "render_psychometric", "write_psychometric_json", "r2"]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _nan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def r2(v: Any) -> str:
    """Two decimals without a leading zero (APA, for values bounded by 1): ".91", "−.05"."""
    if _nan(v):
        return "–"
    s = f"{float(v):.2f}"
    s = s.replace("0.", ".", 1) if s.startswith(("0.", "-0.")) else s
    return s.replace("-", "−")


def n2(v: Any) -> str:
    return "–" if _nan(v) else f"{float(v):.2f}".replace("-", "−")


def _pct(v: Any) -> str:
    return "–" if _nan(v) else f"{100 * float(v):.0f}%"


def _p(v: Any) -> str:
    if _nan(v):
        return "–"
    return "< .001" if v < 0.001 else r2(v) if v >= 0.01 else f"{v:.3f}".lstrip("0")


def _story(d: Mapping[str, Any], report_date: _dt.date) -> list[Any]:
    from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

    from mentorassess.reports._program_charts import scree_plot
    from mentorassess.reports.pdf import FRAME_WIDTH as W, data_table, para, shaded_box

    rules = d["flag_rules"]
    s = d["sample"]
    out: list[Any] = []
    out.append(para("Psychometric report", "title"))
    out.append(para(f"{d['instrument']['title']} · form {d['form']} · wave {d['wave'] or 'all (pooled)'} · "
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
        out.append(para(f"Parallel analysis (Horn 1965; {pa['n_iter']} simulated data sets, seed {pa['seed']}, "
                    f"{_pct(pa['quant'])} quantile) suggests {pa['n_factors']} factor(s) and {pa['n_components']} "
                        "component(s).", "body"))
    out.append(_reading(readings.get("dimensionality")))

    # EFA
    e = d["efa"]
    if e.get("method") is not None:
        efa = _efa(e, rules, W)
        out.extend(efa[:2] + [_reading(readings.get("efa"))] + efa[2:])  # the verdict beside its table
    # CFA
    c = d["cfa"]
    if c:
        cfa = _cfa(c, d["published_cfa"], W)
        verdict = readings.get("cfa")
        out.extend(cfa[:2] + [_reading(verdict)] + cfa[2:] if verdict is not None else cfa)
    # Model-based CFA and invariance, then agreement and the precision of mentor scores (G-/D-study)
    out.extend(_sem_extras(d.get("psychometric_report") or {}, W))
    out.extend(_agreement(d["agreement"], W))
    out.extend(precision_story(d, W))
    if d["notes"]:
        out.append(Spacer(1, 4))
        for n in d["notes"]:
            out.append(para(n, "small", bullet="•"))
    if d.get("skipped"):
        out.append(para("Not computed: " + "; ".join(f"{k} ({v})" for k, v in d["skipped"].items()), "small"))
    return out


def _reading(r: Any) -> Any:
    """A reading as a paragraph: 'Reading:' when it may be read, a warning when it may not."""
    from mentorassess.reports.pdf import para, shaded_box

    if r is None:
        return para("", "small")
    if r.level == "not_valid":
        return shaded_box([para("Not valid: " + r.text, "box")])
    return para(("Reading (with caution): " if r.level == "caution" else "Reading: ") + r.text, "body")


def _efa(e: Mapping[str, Any], rules: Mapping[str, float], W: float) -> list[Any]:
    from reportlab.platypus import CondPageBreak, KeepTogether

    from mentorassess.reports.pdf import data_table, para

    out: list[Any] = []
    out.append(CondPageBreak(300))
    out.append(para(f"Exploratory factor analysis ({e['method']}, {e['rotation']} rotation, {e['n_factors']} factors)",
                    "h2"))
    factors = [k for k in (e["loadings"][0].keys() if e["loadings"] else []) if k not in ("item", "h2", "u2")]
    blank = rules["loading_blank_below"]

    def primary(row):
        vals = [abs(row[f]) if not _nan(row[f]) else 0 for f in factors]
        j = max(range(len(vals)), key=vals.__getitem__) if vals else 0
        return j, -vals[j] if vals else 0

    lrows = []
    for row in sorted(e["loadings"], key=primary):
        cells = [r2(row[f]) if not _nan(row[f]) and abs(row[f]) >= blank else "" for f in factors]
        lrows.append([row["item"]] + cells + [r2(row["h2"])])
    fw = (W - 0.12 * W - 0.1 * W) / max(len(factors), 1)
    out.append(data_table(["Item"] + factors + ["h²"], lrows, [0.12 * W] + [fw] * len(factors) + [0.1 * W],
                          numeric_cols=tuple(range(1, len(factors) + 2))))
    out.append(para(f"Note. Pattern loadings; items sorted by their largest loading; |loading| < {r2(blank)} blanked. "
                    f"N = {e['n_obs']}." + (f" Heywood items: {', '.join(e['heywood_items'])}." if e["heywood_items"]
                                            else ""), "small"))
    if e["factor_correlations"]:
        phi = e["factor_correlations"]
        prow = [[r["factor"]] + [r2(r[f]) for f in factors] for r in phi]
        out.append(KeepTogether([para("Factor correlations", "h3"),
                                 data_table(["Factor"] + factors, prow, [0.12 * W] + [fw] * len(factors),
                                            numeric_cols=tuple(range(1, len(factors) + 1)))]))

    return out


def _cfa(c: Mapping[str, Any], published: list, W: float) -> list[Any]:
    from reportlab.platypus import CondPageBreak

    from mentorassess.reports.pdf import data_table, para

    out: list[Any] = []
    out.append(CondPageBreak(260))
    out.append(para("Confirmatory factor analysis: this program next to the published fit", "h2"))
    hdr = ["Sample", "N", "χ²", "df", "CFI", "TLI", "RMSEA [90% CI]", "SRMR"]
    crow = [["This program", str(c["n_obs"]), n2(c["chisq"]), f"{c['df']:.0f}", r2(c["cfi"]), r2(c["tli"]),
             f"{r2(c['rmsea'])} [{r2(c['rmsea_ci_low'])}, {r2(c['rmsea_ci_high'])}]", r2(c["srmr"])]]
    for p in published:
        crow.append([f"Published ({p.get('source') or ''}, {p.get('form')} form)",
                     "–" if _nan(p.get("n")) else f"{p['n']:.0f}", n2(p.get("chisq")),
                     "–" if _nan(p.get("df")) else f"{p['df']:.0f}", r2(p.get("cfi")), r2(p.get("tli")),
                     f"{r2(p.get('rmsea'))} [{r2(p.get('rmsea_ci_low'))}, {r2(p.get('rmsea_ci_high'))}]",
                     r2(p.get("srmr"))])
    out.append(data_table(hdr, crow, [0.3 * W, 0.07 * W, 0.1 * W, 0.06 * W, 0.08 * W, 0.08 * W, 0.2 * W, 0.11 * W],
                          numeric_cols=(1, 2, 3, 4, 5, 6, 7)))
    out.append(para("Note. ML estimation, listwise deletion, correlated factors. Hu & Bentler (1999) cut-offs "
                    "CFI/TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08 are guides, not pass/fail rules (Marsh, Hau & Wen 2004); "
                    "TLI and RMSEA over-reject at small N. Estimation warnings are listed at the end.", "small"))
    good = not _nan(c["cfi"]) and c["cfi"] >= 0.95
    out.append(para("Reading: " + ("the competency structure fits well in this program." if good else
                                   "the competency structure fits less than conventional cut-offs ask for, as it "
                                   "did in the published validation; compare with the published figures rather than "
                                   "with the cut-offs alone."), "body"))

    return out


def _sem_extras(rep: Mapping[str, Any], W: float) -> list[Any]:
    """Model CFA (other estimator or model syntax) and measurement invariance, when computed."""
    from reportlab.platypus import CondPageBreak

    from mentorassess.reports.pdf import data_table, para

    out: list[Any] = []
    models = [(sec, sec["cfa_model"]) for sec in rep.get("sections") or [] if sec.get("cfa_model")]
    if models:
        out += [CondPageBreak(160), para("Model CFA (estimator and model as requested)", "h2")]
        rows = []
        for sec, m in models:
            fm = m.get("fit_measures") or {}
            rob = "" if _nan(fm.get("cfi.robust")) else ".robust"
            rows.append([f"{sec.get('form') or '–'} / {sec.get('wave') or '–'}", f"{m.get('estimator')}, {m.get('missing')}",
                         str(m.get("n_obs")), n2(fm.get("chisq")), n2(fm.get("chisq.scaled")), f"{m.get('df')}",
                         r2(fm.get("cfi" + rob)), r2(fm.get("tli" + rob)), r2(fm.get("rmsea" + rob)), r2(fm.get("srmr"))])
        out.append(data_table(["Form / wave", "Estimator", "N", "χ²", "χ² scaled", "df", "CFI", "TLI", "RMSEA", "SRMR"],
                              rows, [0.16 * W, 0.15 * W, 0.07 * W, 0.1 * W, 0.1 * W, 0.06 * W, 0.08 * W, 0.08 * W,
                                     0.1 * W, 0.1 * W], numeric_cols=(2, 3, 4, 5, 6, 7, 8, 9)))
        out.append(para("Note. MLR: Yuan-Bentler scaled χ² and robust CFI/TLI/RMSEA (Brosseau-Liard & Savalei); "
                        "FIML: full-information ML under MAR.", "small"))
    for inv in rep.get("invariance") or []:
        out += [CondPageBreak(180), para(f"Measurement invariance: {inv.get('label')}", "h2")]
        rows = []
        for st in inv.get("steps") or []:
            rows.append([st["model"], n2(st["chisq"]), f"{st['df']:.0f}", r2(st["cfi"]), r2(st["rmsea"]), r2(st["srmr"]),
                         n2(st.get("chisq_diff")), "–" if _nan(st.get("df_diff")) else f"{st['df_diff']:.0f}",
                         _p(st.get("pvalue_diff")), n2(st.get("delta_cfi")) if not _nan(st.get("delta_cfi")) else "–",
                         n2(st.get("delta_rmsea")) if not _nan(st.get("delta_rmsea")) else "–",
                         (st.get("decision") or "–").replace(" (Chen 2007)", "")])
        out.append(data_table(["Model", "χ²", "df", "CFI", "RMSEA", "SRMR", "Δχ²", "Δdf", "p", "ΔCFI", "ΔRMSEA", "Decision"],
                              rows, [0.1 * W, 0.08 * W, 0.05 * W, 0.07 * W, 0.08 * W, 0.07 * W, 0.08 * W, 0.05 * W,
                                     0.07 * W, 0.08 * W, 0.09 * W, 0.18 * W], numeric_cols=tuple(range(1, 11))))
        out.append(para(f"Note. {inv.get('design')}, {inv.get('estimator')}; difference tests against the previous "
                        "model (Satorra-Bentler 2001 scaled for MLR). A step fails when ΔCFI ≤ −.010 together with "
                        "ΔRMSEA ≥ .015 or ΔSRMR ≥ .030 (loadings) / .010 (intercepts, residuals) (Chen 2007).", "small"))
    return out


def _agreement(agreement: list, W: float) -> list[Any]:
    from reportlab.platypus import CondPageBreak

    from mentorassess.reports.pdf import data_table, para

    out: list[Any] = []
    if agreement:
        out.append(CondPageBreak(220))
        out.append(para("Agreement among a mentor's mentees", "h2"))
        arows = [[a["scale"].replace("_", " "), a["wave"], str(a["n"]), str(a["mentors"]), r2(a["icc1"]),
                  r2(a["icc2"])] for a in agreement]
        out.append(data_table(["Scale", "Wave", "Ratings", "Mentors", "ICC(1)", "ICC(2)"], arows,
                              [0.36 * W, 0.1 * W, 0.12 * W, 0.12 * W, 0.15 * W, 0.15 * W], numeric_cols=(2, 3, 4, 5)))
        out.append(para("Note. One-way random effects, mentees nested in mentors, unbalanced (as psych::statsBy). "
                        "ICC(1): share of rating variance due to the mentor; ICC(2): reliability of a mentor's mean "
                        "over the average number of mentees.", "small"))
        ov = [a for a in agreement if a["scale"] == "overall" and not _nan(a["icc1"])]
        if ov:
            out.append(para(f"Reading: ICC(1) = {r2(ov[0]['icc1'])} for the overall score means that mentees of the "
                            "same mentor agree only partly; a mean from three mentees is a rough signal, which is why "
                            "feedback reports show it with an interval.", "body"))
    return out


def psychometric_pdf_bytes(summary: Any, *, report_date: _dt.date | str | None = None) -> bytes:
    """The PDF of a ``PsychometricSummary`` (or its ``to_dict()``), deterministic."""
    from mentorassess.reports.pdf import build_pdf, resolve_report_date

    d = summary if isinstance(summary, Mapping) else summary.to_dict()
    date = resolve_report_date(report_date)
    return build_pdf(_story(d, date), title=f"Psychometric report – {d['instrument']['title']}",
                     author="mentorassess", subject="Psychometric report", keywords=("psychometrics",),
                     footer_text=f"Psychometric report · {d['instrument']['id']} · form {d['form']} · "
                                 f"wave {d['wave'] or 'all'}", report_date=date)


def render_psychometric(summary: Any, path: str | os.PathLike, *, report_date: _dt.date | str | None = None) -> Path:
    """Write the psychometric PDF atomically."""
    from mentorassess._files import atomic_write_bytes

    return atomic_write_bytes(path, psychometric_pdf_bytes(summary, report_date=report_date))


def write_psychometric_json(summary: Any, path: str | os.PathLike) -> Path:
    """Write the JSON (``schema_version`` first, sorted keys inside, no NaN) atomically."""
    from mentorassess._files import atomic_write_text

    d = summary if isinstance(summary, Mapping) else summary.to_dict()
    return atomic_write_text(path, json.dumps(d, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
